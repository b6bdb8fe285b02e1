package dev.berth.notifier;

import dev.berth.common.event.Envelope;

/**
 * Somewhere people or machines hear about deployments: a generic webhook, a chat room. Every
 * implementation passes the shared contract test ({@code NotificationChannelContract}).
 *
 * <p>Implementations are thread-safe: the notifier calls them from its consumer thread, one event at
 * a time, but a caller may share one channel between threads. A channel owns no resource that needs
 * closing.
 */
public interface NotificationChannel {
    /**
     * A name for logs and metric tags, such as {@code webhook https://hooks.example.com/berth}. It
     * never contains a secret: URLs whose path is a token show only their origin.
     */
    String name();

    /** True when this channel wants this event at all (a chat room wants outcomes, not every step). */
    boolean accepts(Envelope envelope);

    /**
     * Delivers one event, retrying inside as the channel's policy says.
     *
     * @throws DeliveryException when every attempt failed; its message is the last answer
     *     ({@code HTTP 500}) and never holds a stack trace worth logging
     * @throws InterruptedException when interrupted while waiting to retry
     */
    void deliver(Envelope envelope) throws InterruptedException;
}
