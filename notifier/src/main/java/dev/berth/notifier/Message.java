package dev.berth.notifier;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One notification, ready for any channel: what a route's template rendered, plus the structured
 * parts each provider shows in its own way. Built by the notifier from an event (or from several,
 * for an incident update or a storm summary), already redacted of every secret value it knows.
 * Immutable; written to {@code berth.notifications.dlq} as JSON so a replay sends the same thing.
 *
 * @param id unique per message and the key of its delivery record: the event id for a plain event,
 *     {@code incident:<stack>:<first event id>:<n>} for incident messages, {@code storm:<window start>}
 * @param ceType the CloudEvents type: the event's, or {@code dev.cdevents.incident.detected.0.2.0} /
 *     {@code dev.cdevents.incident.resolved.0.2.0} for incident messages
 * @param kind the event kind (for a storm summary, {@link EventKind#FAILED})
 * @param severity how much it matters; picks the colour
 * @param environment the stack's environment, empty for a storm summary
 * @param stack the stack key {@code env/name}, empty for a storm summary; the key that orders
 *     messages
 * @param title one line: {@code prod/shop deployed abc1234}
 * @param text the rendered template: the body of the message (Markdown-like, provider-neutral)
 * @param facts label/value pairs (environment, stack, revision, author, duration)
 * @param detail preformatted text shown as a code block (gate evidence, what changed), or null
 * @param link the commit's URL, or null
 * @param cloudEvent the CloudEvents 1.0 structured JSON that generic webhooks receive
 * @param time when the underlying event happened
 */
public record Message(
        String id,
        String ceType,
        EventKind kind,
        Severity severity,
        String environment,
        String stack,
        String title,
        String text,
        List<Fact> facts,
        @Nullable String detail,
        @Nullable String link,
        ObjectNode cloudEvent,
        Instant time) {
    public Message {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ceType, "ceType");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(text, "text");
        facts = List.copyOf(facts);
        Objects.requireNonNull(cloudEvent, "cloudEvent");
        Objects.requireNonNull(time, "time");
    }

    /** One label/value pair, such as {@code Revision: abc1234}. */
    public record Fact(String label, String value) {
        public Fact {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(value, "value");
        }
    }

    /** The colour of the message's status, as {@code #RRGGBB}. */
    public String colour() {
        if (ceType.contains("incident.resolved") || kind == EventKind.SUCCEEDED) {
            return "#2EB67D";
        }
        return switch (severity) {
            case ERROR -> "#E01E5A";
            case WARNING -> "#ECB22E";
            case INFO -> "#439FE0";
        };
    }
}
