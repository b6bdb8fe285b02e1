package dev.berth.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.notifier.internal.Texts;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A generic webhook: the event as a CloudEvents 1.0 structured-mode JSON document ({@value
 * #CONTENT_TYPE}) whose {@code data} is the CDEvents event, plus the extension attribute {@code
 * berthmessage} (the rendered text). Headers: {@code ce-id}, {@code ce-type}, {@value
 * #DELIVERY_HEADER} (the message id, the same on a replay: receivers can drop repeats), and, when
 * the channel has a signing secret, {@value #TIMESTAMP_HEADER} (Unix seconds) and {@value
 * #SIGNATURE_HEADER} {@code sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">}. Receivers verify by
 * recomputing the HMAC over the raw body, comparing in constant time and refusing timestamps older
 * than a few minutes (replays).
 *
 * <p>Bodies are limited to {@value #BODY_LIMIT} bytes: a larger event (a {@code stack.changed} with
 * its files) loses its {@code files} and {@code compose} fields and gets {@code berthtruncated: true}.
 */
public final class WebhookChannel implements NotificationChannel {
    public static final String CONTENT_TYPE = "application/cloudevents+json";
    public static final String DELIVERY_HEADER = "X-Berth-Delivery";
    public static final String TIMESTAMP_HEADER = "X-Berth-Timestamp";
    public static final String SIGNATURE_HEADER = "X-Berth-Signature";
    public static final int BODY_LIMIT = 256 * 1024;

    private static final int MESSAGE_LIMIT = 4000;

    private final ChannelConfig config;

    public WebhookChannel(ChannelConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public Payload format(Message message) {
        ObjectNode event = message.cloudEvent().deepCopy();
        event.put("berthmessage", Texts.truncate(message.title() + "\n" + message.text(), MESSAGE_LIMIT));
        String body = event.toString();
        if (body.getBytes(StandardCharsets.UTF_8).length > BODY_LIMIT) {
            JsonNode content = event.path("data").path("subject").path("content");
            if (content instanceof ObjectNode c) {
                c.remove("files");
                c.remove("compose");
            }
            event.put("berthtruncated", true);
            body = event.toString();
            if (body.getBytes(StandardCharsets.UTF_8).length > BODY_LIMIT) {
                event.remove("data");
                body = event.toString();
            }
        }
        Map<String, String> headers = new java.util.LinkedHashMap<>(config.headers());
        headers.put("ce-id", event.path("id").asText(message.id()));
        headers.put("ce-type", message.ceType());
        headers.put(DELIVERY_HEADER, message.id());
        return new Payload(CONTENT_TYPE, headers, body);
    }

    /** The signature headers for a body sent at {@code now}; empty when the channel is unsigned. */
    @Override
    public Map<String, String> signatureHeaders(Payload payload, Instant now) {
        String secret = config.signingSecret();
        if (secret == null) {
            return Map.of();
        }
        String timestamp = Long.toString(now.getEpochSecond());
        return Map.of(
                TIMESTAMP_HEADER, timestamp, SIGNATURE_HEADER, "sha256=" + sign(secret, timestamp, payload.body()));
    }

    /** Hex HMAC-SHA256 of {@code "<timestamp>.<body>"}, what {@value #SIGNATURE_HEADER} carries after {@code sha256=}. */
    public static String sign(String secret, String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    @Override
    public String toString() {
        return "WebhookChannel[" + config + "]";
    }
}
