package dev.berth.watcher.internal;

import dev.berth.common.event.AtomicPublisher;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventPublisher;
import dev.berth.common.kafka.KafkaStateStore;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Publishes a batch one event at a time, then writes the state entries: not atomic, so a crash
 * between the two republishes the batch (at least once). For callers that give the watcher a plain
 * {@link EventPublisher}; it neither owns nor closes the publisher or the store.
 */
public final class SequentialPublisher implements AtomicPublisher {
    private final EventPublisher publisher;
    private final KafkaStateStore state;

    public SequentialPublisher(EventPublisher publisher, KafkaStateStore state) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.state = Objects.requireNonNull(state, "state");
    }

    @Override
    public void publish(List<Envelope> events, Map<String, String> entries) {
        for (Envelope envelope : events) {
            publisher.publish(envelope);
        }
        entries.forEach(state::put);
    }

    @Override
    public void close() {
        // The caller owns the publisher and the store.
    }
}
