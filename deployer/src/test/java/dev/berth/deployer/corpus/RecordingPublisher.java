package dev.berth.deployer.corpus;

import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventPublisher;
import java.util.ArrayList;
import java.util.List;

/** Keeps every published event in memory, in order, instead of sending it to Kafka. Thread-safe. */
final class RecordingPublisher implements EventPublisher {
    private final List<Envelope> published = new ArrayList<>();

    @Override
    public synchronized void publish(Envelope envelope) {
        published.add(envelope);
    }

    /** The events of one chain (one apply or remove), in publication order. */
    synchronized List<BerthEvent> chain(String chainId) {
        return published.stream()
                .filter(e -> e.chainId().equals(chainId))
                .map(Envelope::event)
                .toList();
    }

    synchronized List<Envelope> all() {
        return new ArrayList<>(published);
    }

    @Override
    public void close() {}
}
