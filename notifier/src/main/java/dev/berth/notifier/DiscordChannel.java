package dev.berth.notifier;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.notifier.internal.Texts;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Discord webhook: one embed with the title (linked to the commit), the rendered text and the
 * detail as a code block in the description, inline fields, the status colour, the event's time and
 * a footer; {@code allowed_mentions} is empty, so text from commits cannot ping anyone. Within
 * Discord's limits: title 256, description 4,096, at most 25 fields (name 256, value 1,024), footer
 * 2,048, and 6,000 characters in the embed altogether (the description gives way first).
 */
public final class DiscordChannel implements NotificationChannel {
    public static final int TITLE_LIMIT = 256;
    public static final int DESCRIPTION_LIMIT = 4096;
    public static final int MAX_FIELDS = 25;
    public static final int FIELD_NAME_LIMIT = 256;
    public static final int FIELD_VALUE_LIMIT = 1024;
    public static final int FOOTER_LIMIT = 2048;
    public static final int EMBED_TOTAL_LIMIT = 6000;

    private final ChannelConfig config;

    public DiscordChannel(ChannelConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public Payload format(Message message) {
        String title = Texts.truncate(message.title(), TITLE_LIMIT);
        String footer = Texts.truncate("Berth · " + message.ceType(), FOOTER_LIMIT);
        List<Message.Fact> facts = message.facts().stream()
                .limit(MAX_FIELDS)
                .map(f -> new Message.Fact(
                        Texts.truncate(f.label(), FIELD_NAME_LIMIT), Texts.truncate(f.value(), FIELD_VALUE_LIMIT)))
                .toList();
        int used = title.length()
                + footer.length()
                + facts.stream()
                        .mapToInt(f -> f.label().length() + f.value().length())
                        .sum();
        int room = Math.min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - used);
        String description = description(message, Math.max(0, room));

        ObjectNode root = Texts.JSON.createObjectNode();
        root.put("username", "Berth");
        root.putObject("allowed_mentions").putArray("parse");
        ObjectNode embed = root.putArray("embeds").addObject();
        embed.put("title", title);
        if (!description.isEmpty()) {
            embed.put("description", description);
        }
        if (message.link() != null) {
            embed.put("url", message.link());
        }
        embed.put("color", Integer.parseInt(message.colour().substring(1), 16));
        ArrayNode fields = embed.putArray("fields");
        facts.forEach(f -> fields.addObject()
                .put("name", f.label())
                .put("value", f.value())
                .put("inline", true));
        embed.putObject("footer").put("text", footer);
        embed.put("timestamp", message.time().toString());
        return new Payload("application/json", Map.of(), root.toString());
    }

    private static String description(Message message, int room) {
        String text = message.text();
        if (message.detail() == null || message.detail().isBlank()) {
            return Texts.truncate(text, room);
        }
        String head = Texts.truncate(text, room / 2);
        return head + "\n" + Texts.truncate(Texts.codeBlock(message.detail()), Math.max(0, room - head.length() - 1));
    }

    @Override
    public String toString() {
        return "DiscordChannel[" + config + "]";
    }
}
