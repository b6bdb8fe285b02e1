package dev.berth.notifier.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.notifier.EventKind;
import dev.berth.notifier.Message;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An audited event as the notifier routes it: its kind, stack and the variables templates see.
 *
 * @param vars template variables (strings, and lists of strings for {@code changes})
 * @param actor who caused it, or null when unknown
 */
public record Notice(
        String id,
        String ceType,
        EventKind kind,
        String environment,
        String stack,
        Instant time,
        String title,
        Map<String, Object> vars,
        List<Message.Fact> facts,
        @Nullable String detail,
        @Nullable String link,
        @Nullable String actor,
        ObjectNode cloudEvent) {}
