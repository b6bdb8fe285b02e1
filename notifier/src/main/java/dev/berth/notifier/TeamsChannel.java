package dev.berth.notifier;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.notifier.internal.Texts;
import java.util.Map;
import java.util.Objects;

/**
 * A Microsoft Teams workflow webhook (the Workflows app's "Post to a channel when a webhook request
 * is received"): a {@code message} whose one attachment is an Adaptive Card 1.4 with the title in the
 * status colour ({@code good}, {@code warning}, {@code attention}), the rendered text, a FactSet, the
 * detail in a monospace block and an "View commit" action. Teams refuses payloads over 28 KB; the
 * text and the detail are cut until the whole request fits in {@value #PAYLOAD_LIMIT} bytes.
 */
public final class TeamsChannel implements NotificationChannel {
    /** A margin under Teams' 28 KB message limit, in UTF-8 bytes. */
    public static final int PAYLOAD_LIMIT = 27_000;

    public static final String CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive";

    private final ChannelConfig config;

    public TeamsChannel(ChannelConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public Payload format(Message message) {
        int textLimit = 8_000;
        int detailLimit = 12_000;
        while (true) {
            Payload payload = new Payload(
                    "application/json",
                    Map.of(),
                    card(message, textLimit, detailLimit).toString());
            if (payload.bytes() <= PAYLOAD_LIMIT || (textLimit <= 200 && detailLimit <= 200)) {
                return payload;
            }
            // Multi-byte characters can make a few thousand characters exceed the limit: halve and retry.
            textLimit = Math.max(200, textLimit / 2);
            detailLimit = Math.max(200, detailLimit / 2);
        }
    }

    private static ObjectNode card(Message message, int textLimit, int detailLimit) {
        ObjectNode root = Texts.JSON.createObjectNode();
        root.put("type", "message");
        ObjectNode attachment = root.putArray("attachments").addObject();
        attachment.put("contentType", CARD_CONTENT_TYPE);
        attachment.putNull("contentUrl");
        ObjectNode card = attachment.putObject("content");
        card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
        card.put("type", "AdaptiveCard");
        card.put("version", "1.4");
        ArrayNode body = card.putArray("body");
        body.addObject()
                .put("type", "TextBlock")
                .put("text", Texts.truncate(message.title(), 300))
                .put("size", "Large")
                .put("weight", "Bolder")
                .put("color", colour(message))
                .put("wrap", true);
        if (!message.text().isBlank()) {
            body.addObject()
                    .put("type", "TextBlock")
                    .put("text", Texts.truncate(message.text(), textLimit))
                    .put("wrap", true);
        }
        if (!message.facts().isEmpty()) {
            ArrayNode facts = body.addObject().put("type", "FactSet").putArray("facts");
            message.facts().stream()
                    .limit(12)
                    .forEach(f -> facts.addObject()
                            .put("title", Texts.truncate(f.label(), 100))
                            .put("value", Texts.truncate(f.value(), 500)));
        }
        if (message.detail() != null && !message.detail().isBlank()) {
            body.addObject()
                    .put("type", "TextBlock")
                    .put("text", Texts.truncate(message.detail(), detailLimit))
                    .put("fontType", "Monospace")
                    .put("wrap", true);
        }
        if (message.link() != null) {
            card.putArray("actions")
                    .addObject()
                    .put("type", "Action.OpenUrl")
                    .put("title", "View commit")
                    .put("url", message.link());
        }
        return root;
    }

    private static String colour(Message message) {
        if (message.colour().equals("#2EB67D")) {
            return "good";
        }
        return switch (message.severity()) {
            case ERROR -> "attention";
            case WARNING -> "warning";
            case INFO -> "accent";
        };
    }

    @Override
    public String toString() {
        return "TeamsChannel[" + config + "]";
    }
}
