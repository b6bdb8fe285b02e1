package dev.berth.common;

import java.time.Duration;

/**
 * A long-running component. {@link #start()} returns once the component runs; {@link #stop()}
 * asks it to stop, is idempotent and safe to call from a shutdown hook; {@link #awaitStop} waits
 * for it to have released its resources.
 */
public interface Service {
    /** Starts the component; throws {@link BerthException} when it cannot. */
    void start();

    /** Asks the component to stop. Idempotent; does not wait. */
    void stop();

    /**
     * Waits until the component has stopped.
     *
     * @return true when it stopped within the timeout
     */
    boolean awaitStop(Duration timeout) throws InterruptedException;

    /** A short name for logs and thread names, such as {@code watcher}. */
    String name();
}
