package dev.berth.common.event;

import java.util.List;
import java.util.Map;

/**
 * Publishes a batch of events together with state entries ({@code berth.state} keys), so that a
 * reader sees all of them or none: the watcher's change events and its cursor. Implementations are
 * used from one thread at a time; the creator owns and closes them.
 */
public interface AtomicPublisher extends AutoCloseable {
    /**
     * Publishes {@code events}, in order, and writes {@code state}, all or nothing, and waits until
     * they are durably stored.
     *
     * @throws dev.berth.common.RetriableBerthException when the broker cannot be reached in time;
     *     nothing of the batch is visible then
     * @throws PublisherFencedException when another instance has taken over this publisher's
     *     identity: this one can never publish again
     */
    void publish(List<Envelope> events, Map<String, String> state);

    @Override
    void close();
}
