package dev.berth.notifier;

import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.Topics;
import dev.berth.notifier.internal.HttpPoster;
import dev.berth.notifier.internal.Urls;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A generic webhook: every event of {@code berth.deployments} (started, per-service steps,
 * succeeded, failed, invalid), posted as a CloudEvents 1.0 structured-mode JSON document
 * ({@code application/cloudevents+json}) whose {@code data} is the CDEvents event, with
 * {@code ce-id} and {@code ce-type} headers for receivers that route without parsing. Thread-safe.
 */
public final class JsonWebhookChannel implements NotificationChannel {
    /** The media type of the body. */
    public static final String CONTENT_TYPE = "application/cloudevents+json";

    private final URI url;
    private final EventCodec codec;
    private final HttpPoster poster;
    private final String name;

    /**
     * @param requestTimeout per HTTP attempt
     * @param maxAttempts attempts per event before {@link DeliveryException}
     */
    public JsonWebhookChannel(URI url, EventCodec codec, Duration requestTimeout, int maxAttempts) {
        this(url, codec, new HttpPoster(requestTimeout, maxAttempts));
    }

    JsonWebhookChannel(URI url, EventCodec codec, HttpPoster poster) {
        this.url = Objects.requireNonNull(url, "url");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.poster = Objects.requireNonNull(poster, "poster");
        this.name = "webhook " + Urls.withoutCredentials(url);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean accepts(Envelope envelope) {
        return envelope.type().topic().equals(Topics.DEPLOYMENTS);
    }

    @Override
    public void deliver(Envelope envelope) throws InterruptedException {
        poster.post(
                url,
                CONTENT_TYPE,
                Map.of("ce-id", envelope.id(), "ce-type", envelope.type().ceType()),
                codec.toStructured(envelope).toString());
    }
}
