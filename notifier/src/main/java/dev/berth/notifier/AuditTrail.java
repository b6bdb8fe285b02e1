package dev.berth.notifier;

import dev.berth.common.StackRef;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.ReceivedEvent;
import dev.berth.common.kafka.Topics;
import dev.berth.notifier.internal.AuditLoop;
import dev.berth.notifier.internal.Notice;
import dev.berth.notifier.internal.Notices;
import dev.berth.notifier.internal.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Reads {@code berth.audit}: what {@code berth audit} shows. Stateless; each call opens and closes its own consumer. */
public final class AuditTrail {
    /**
     * One audited event.
     *
     * @param time when the event happened
     * @param type its CloudEvents type
     * @param kind its {@link EventKind} name ({@code failed})
     * @param actor the commit author, or the operator behind a command; empty when unknown
     * @param summary one line, as a message title
     * @param evidence what a gate saw, or the error; empty when none
     */
    public record Entry(
            Instant time,
            String id,
            String stack,
            String type,
            String kind,
            String actor,
            String summary,
            String evidence) {}

    private final KafkaSettings kafka;
    private final Notices notices;

    public AuditTrail(KafkaSettings kafka, EventCodec codec) {
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        this.notices = new Notices(codec, null);
    }

    /**
     * The audited events, oldest first.
     *
     * @param stack only this stack's, or all when null
     * @param since only those appended at or after this instant, or all when null
     */
    public List<Entry> read(@Nullable StackRef stack, @Nullable Instant since) {
        List<Entry> entries = new ArrayList<>();
        TopicReader.read(kafka, Topics.AUDIT, since, r -> {
            if (stack != null && !stack.key().equals(r.key())) {
                return;
            }
            Map<String, String> headers = new HashMap<>();
            r.headers().forEach(h -> {
                if (h.value() != null) {
                    headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
                }
            });
            Notice n = notices.read(new ReceivedEvent(
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    r.key(),
                    headers,
                    r.value() == null ? new byte[0] : r.value()));
            String actor = headers.getOrDefault(AuditLoop.ACTOR_HEADER, n.actor() == null ? "" : n.actor());
            Object error = n.vars().get("error");
            String evidence = n.detail() != null && n.kind() != EventKind.SUCCEEDED && n.kind() != EventKind.STARTED
                    ? n.detail()
                    : error == null ? "" : error.toString();
            Instant time = n.time().equals(Instant.EPOCH) ? Instant.ofEpochMilli(r.timestamp()) : n.time();
            entries.add(new Entry(time, n.id(), n.stack(), n.ceType(), n.kind().key(), actor, n.title(), evidence));
        });
        entries.sort(Comparator.comparing(Entry::time));
        return entries;
    }
}
