package dev.berth.common.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The liveness of one loop (a watcher's poll, a consumer loop): the loop {@link #beat()}s each time
 * it makes progress and reports {@link #died} when it ends for good. It is healthy while it has not
 * died and its last beat is no older than its stated bound; {@link #isHealthy()} is the watchdog
 * that {@code /health} asks, and it logs a stall once (and the recovery once). Time comes from the
 * injected clock. Thread-safe.
 */
public final class Heartbeat {
    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

    private final String loop;
    private final Clock clock;
    private final Duration bound;
    private final AtomicBoolean stallReported = new AtomicBoolean();
    private volatile Instant last;
    private volatile @Nullable Throwable death;

    /**
     * @param loop names the loop in log lines ({@code watcher prod poll})
     * @param bound the longest time between two beats of a loop that works: longer is a stall
     */
    public Heartbeat(String loop, Clock clock, Duration bound) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.bound = Objects.requireNonNull(bound, "bound");
        this.last = clock.instant();
    }

    /** The loop made progress now. */
    public void beat() {
        last = clock.instant();
        if (stallReported.compareAndSet(true, false)) {
            log.info("{} makes progress again", loop);
        }
    }

    /** The loop ended for good (its caller has logged why, with the stack). */
    public void died(Throwable cause) {
        death = Objects.requireNonNull(cause, "cause");
    }

    /** The bound this heartbeat states. */
    public Duration bound() {
        return bound;
    }

    /** False once the loop died, or while its last beat is older than the bound (logged once per stall). */
    public boolean isHealthy() {
        if (death != null) {
            return false;
        }
        Duration since = Duration.between(last, clock.instant());
        if (since.compareTo(bound) <= 0) {
            return true;
        }
        if (stallReported.compareAndSet(false, true)) {
            log.error(
                    "{} made no progress for {} s, more than its bound of {} s: its thread is stuck (a thread dump"
                            + " shows where); /health is DOWN until it moves again, restart the process if it does not",
                    loop,
                    since.toSeconds(),
                    bound.toSeconds());
        }
        return false;
    }
}
