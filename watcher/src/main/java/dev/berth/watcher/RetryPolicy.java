package dev.berth.watcher;

import dev.berth.common.BerthException;
import java.time.Duration;
import java.util.Objects;

/**
 * How the watcher treats a remote that cannot be reached or refuses it: after a failed poll it waits
 * {@code initialBackoff}, doubling after each further failure up to {@code maxBackoff} (instead of the
 * poll interval, which applies again once a poll works), and after {@code errorThreshold} consecutive failures publishes one error event (another only if the reason
 * changes). When a poll works again it logs and publishes one "recovered" event. A failing remote never makes a
 * stack look removed. Immutable.
 *
 * @param initialBackoff the wait after the first failure
 * @param maxBackoff the longest wait between two attempts
 * @param errorThreshold consecutive failures before the error event; at least 1
 */
public record RetryPolicy(Duration initialBackoff, Duration maxBackoff, int errorThreshold) {
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMinutes(5);
    public static final int DEFAULT_ERROR_THRESHOLD = 3;
    public static final RetryPolicy DEFAULT =
            new RetryPolicy(DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_ERROR_THRESHOLD);

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new BerthException("retry initial backoff " + initialBackoff.toMillis()
                    + " ms is not positive: give a duration such as " + DEFAULT_INITIAL_BACKOFF.toSeconds() + "s");
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new BerthException("retry max backoff " + maxBackoff.toMillis() + " ms is shorter than the initial"
                    + " backoff " + initialBackoff.toMillis() + " ms: give at least the initial backoff");
        }
        if (errorThreshold < 1) {
            throw new BerthException("retry error threshold " + errorThreshold
                    + " is below 1: give a number of consecutive failures, such as " + DEFAULT_ERROR_THRESHOLD);
        }
    }

    /** The wait before the next attempt after {@code failures} consecutive failures (1 or more). */
    public Duration backoff(int failures) {
        Duration d = initialBackoff;
        for (int i = 1; i < failures && d.compareTo(maxBackoff) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }
}
