package dev.berth.notifier.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.notifier.Message;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Replaces every known secret value (4 characters or more) with {@code ***} in everything a message
 * carries. The values are the channels' URLs' tokens, signing secrets and header values, plus the
 * host secrets the notifier was given. Immutable, thread-safe.
 */
public final class Redactor {
    static final String MASK = "***";
    private static final int MIN_LENGTH = 4;

    private final List<String> secrets;

    public Redactor(Collection<String> secrets) {
        this.secrets = secrets.stream()
                .filter(s -> s.length() >= MIN_LENGTH)
                .distinct()
                // Longest first, so a secret that contains another is masked whole.
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
    }

    public String redact(String text) {
        String out = text;
        for (String s : secrets) {
            if (out.contains(s)) {
                out = out.replace(s, MASK);
            }
        }
        return out;
    }

    private @Nullable String redactNullable(@Nullable String text) {
        return text == null ? null : redact(text);
    }

    /** The message with every secret value masked, in every field. */
    public Message redact(Message m) {
        if (secrets.isEmpty()) {
            return m;
        }
        ObjectNode event = m.cloudEvent();
        String json = event.toString();
        String clean = redact(json);
        if (!clean.equals(json)) {
            try {
                event = (ObjectNode) Texts.JSON.readTree(clean);
            } catch (JsonProcessingException | ClassCastException e) {
                event = Texts.JSON.createObjectNode().put("id", m.id()).put("redacted", true);
            }
        }
        return new Message(
                m.id(),
                m.ceType(),
                m.kind(),
                m.severity(),
                m.environment(),
                m.stack(),
                redact(m.title()),
                redact(m.text()),
                m.facts().stream()
                        .map(f -> new Message.Fact(redact(f.label()), redact(f.value())))
                        .toList(),
                redactNullable(m.detail()),
                redactNullable(m.link()),
                event,
                m.time());
    }
}
