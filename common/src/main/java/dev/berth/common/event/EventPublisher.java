package dev.berth.common.event;

/**
 * Publishes events to the topic of their type, keyed by stack. Implementations are thread-safe;
 * the creator owns and closes them.
 */
public interface EventPublisher extends AutoCloseable {
    /**
     * Publishes one event and waits until it is durably stored.
     *
     * @throws dev.berth.common.RetriableBerthException when the broker cannot be reached in time
     */
    void publish(Envelope envelope);

    @Override
    void close();
}
