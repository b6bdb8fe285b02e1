package dev.berth.notifier.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.SecretMask;
import dev.berth.notifier.Message;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Replaces every known secret value with {@code ***} in everything a message carries, by
 * {@link SecretMask}'s rule (whole values of 4 characters or more, as they are and base64-, hex- or
 * URL-encoded; runs of 8 characters of values of 12 or more). The values are the channels' signing
 * secrets and header values, plus the host secrets the notifier was given; the channels' URL tokens are
 * hidden whole only. Immutable, thread-safe.
 */
public final class Redactor {
    static final String MASK = SecretMask.MASK;

    private final SecretMask mask;

    public Redactor(Collection<String> secrets) {
        this(secrets, List.of());
    }

    /**
     * @param secrets hidden whole and in part
     * @param wholeOnly hidden whole only (in every encoding): URL paths and queries
     */
    public Redactor(Collection<String> secrets, Collection<String> wholeOnly) {
        this.mask = SecretMask.of(secrets, wholeOnly);
    }

    public String redact(String text) {
        return mask.redact(text);
    }

    private @Nullable String redactNullable(@Nullable String text) {
        return text == null ? null : redact(text);
    }

    /** The message with every secret value masked, in every field. */
    public Message redact(Message m) {
        if (mask.isEmpty()) {
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
