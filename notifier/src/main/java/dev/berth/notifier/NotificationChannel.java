package dev.berth.notifier;

import dev.berth.common.event.Envelope;

/**
 * Somewhere people or machines hear about deployments. Implementations are thread-safe.
 */
public interface NotificationChannel {
    /** A name for logs and metrics, such as {@code webhook http://...}. */
    String name();

    /** True when this channel wants this event at all. */
    boolean accepts(Envelope envelope);

    /**
     * Delivers one event, once, with retries inside.
     *
     * @throws DeliveryException when every attempt failed
     */
    void deliver(Envelope envelope) throws InterruptedException;
}
