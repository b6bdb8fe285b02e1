package dev.berth.notifier;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.notifier.internal.Texts;
import java.util.Map;
import java.util.Objects;

/**
 * A Slack incoming webhook: a {@code text} fallback plus one attachment coloured by status that holds
 * Block Kit blocks: a header (the title), a section (the rendered template), a section of fields
 * (environment, stack, revision, author, duration...), the detail as a code block, and the commit
 * link. Within Slack's limits: header 150 characters, section text 3,000, at most 10 fields of 2,000,
 * at most 50 blocks. Text from commits and gates is escaped ({@code &}, {@code <}, {@code >}), so it
 * cannot mention people or forge links.
 */
public final class SlackChannel implements NotificationChannel {
    /** Slack's limit for a header block's text. */
    public static final int HEADER_LIMIT = 150;
    /** Slack's limit for a section's text. */
    public static final int SECTION_LIMIT = 3000;
    /** Slack's limit for one section field's text. */
    public static final int FIELD_LIMIT = 2000;
    /** Slack's limit for the number of fields in a section. */
    public static final int MAX_FIELDS = 10;
    /** Slack's limit for the number of blocks in a message. */
    public static final int MAX_BLOCKS = 50;

    private final ChannelConfig config;

    public SlackChannel(ChannelConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public Payload format(Message message) {
        ObjectNode root = Texts.JSON.createObjectNode();
        root.put("text", Texts.truncate(escape(message.title()), SECTION_LIMIT));
        ObjectNode attachment = root.putArray("attachments").addObject();
        attachment.put("color", message.colour());
        ArrayNode blocks = attachment.putArray("blocks");
        ObjectNode header = blocks.addObject().put("type", "header");
        header.putObject("text")
                .put("type", "plain_text")
                .put("text", Texts.truncate(message.title(), HEADER_LIMIT))
                .put("emoji", true);
        if (!message.text().isBlank()) {
            section(blocks, escape(message.text()));
        }
        if (!message.facts().isEmpty()) {
            ObjectNode fields = blocks.addObject().put("type", "section");
            ArrayNode list = fields.putArray("fields");
            message.facts().stream()
                    .limit(MAX_FIELDS)
                    .forEach(f -> list.addObject()
                            .put("type", "mrkdwn")
                            .put(
                                    "text",
                                    Texts.truncate("*" + escape(f.label()) + "*\n" + escape(f.value()), FIELD_LIMIT)));
        }
        if (message.detail() != null && !message.detail().isBlank()) {
            section(blocks, Texts.truncate(Texts.codeBlock(escape(message.detail())), SECTION_LIMIT));
        }
        if (message.link() != null) {
            blocks.addObject()
                    .put("type", "context")
                    .putArray("elements")
                    .addObject()
                    .put("type", "mrkdwn")
                    .put("text", "<" + message.link() + "|View commit>");
        }
        return new Payload("application/json", Map.of(), root.toString());
    }

    private static void section(ArrayNode blocks, String text) {
        if (blocks.size() >= MAX_BLOCKS) {
            return;
        }
        blocks.addObject()
                .put("type", "section")
                .putObject("text")
                .put("type", "mrkdwn")
                .put("text", Texts.truncate(text, SECTION_LIMIT));
    }

    /** Slack's escaping: {@code &}, {@code <} and {@code >} would start entities, links and mentions. */
    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    @Override
    public String toString() {
        return "SlackChannel[" + config + "]";
    }
}
