package dev.berth.notifier;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.notifier.internal.Texts;
import java.util.Map;
import java.util.Objects;

/**
 * A Mattermost incoming webhook, in its Slack-compatible form: {@code text} (the title) and one
 * message attachment with colour, title (linked to the commit), the rendered text with the detail
 * as a code block, and short fields. Mattermost refuses posts over 16,383 characters; the attachment
 * text is cut so the whole message stays under it.
 */
public final class MattermostChannel implements NotificationChannel {
    /** Mattermost's limit for a post, attachments included. */
    public static final int POST_LIMIT = 16_383;

    private static final int TEXT_BUDGET = 10_000;
    private static final int FIELD_LIMIT = 300;

    private final ChannelConfig config;

    public MattermostChannel(ChannelConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public Payload format(Message message) {
        ObjectNode root = Texts.JSON.createObjectNode();
        String title = Texts.truncate(message.title(), 500);
        root.put("text", title);
        ObjectNode attachment = root.putArray("attachments").addObject();
        attachment.put("fallback", title);
        attachment.put("color", message.colour());
        attachment.put("title", title);
        if (message.link() != null) {
            attachment.put("title_link", message.link());
        }
        String text = message.text();
        if (message.detail() != null && !message.detail().isBlank()) {
            int room = Math.max(1000, TEXT_BUDGET - text.length());
            text = Texts.truncate(text, TEXT_BUDGET / 2) + "\n"
                    + Texts.truncate(Texts.codeBlock(message.detail()), room);
        }
        attachment.put("text", Texts.truncate(text, TEXT_BUDGET));
        ArrayNode fields = attachment.putArray("fields");
        message.facts().stream()
                .limit(10)
                .forEach(f -> fields.addObject()
                        .put("title", Texts.truncate(f.label(), 100))
                        .put("value", Texts.truncate(f.value(), FIELD_LIMIT))
                        .put("short", true));
        return new Payload("application/json", Map.of(), root.toString());
    }

    @Override
    public String toString() {
        return "MattermostChannel[" + config + "]";
    }
}
