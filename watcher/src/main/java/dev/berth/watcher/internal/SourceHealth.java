package dev.berth.watcher.internal;

import dev.berth.watcher.RetryPolicy;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Counts a source's consecutive failed polls and decides what they call for: when to try again
 * (exponential backoff, capped), when to publish the error event (once the failures reach the
 * threshold, and again only when the reason changes), and when to say it recovered (once, after an
 * error event). Pure logic; not thread-safe (the poll thread owns it).
 */
public final class SourceHealth {
    /** What one failed poll calls for. */
    public record Failure(int failures, Duration retryIn, boolean publishError) {}

    private final RetryPolicy policy;
    private int failures;
    private @Nullable String reported;

    public SourceHealth(RetryPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** Records a failed poll for {@code reason} (a message without secrets). */
    public Failure failed(String reason) {
        failures = failures == Integer.MAX_VALUE ? failures : failures + 1;
        boolean publish = failures >= policy.errorThreshold() && !reason.equals(reported);
        if (publish) {
            reported = reason;
        }
        return new Failure(failures, policy.backoff(failures), publish);
    }

    /**
     * Records a poll that worked.
     *
     * @return the failures before it when an error event had been published (a "recovered" is due),
     *     else 0
     */
    public int succeeded() {
        int before = reported == null ? 0 : failures;
        failures = 0;
        reported = null;
        return before;
    }

    /** Consecutive failed polls so far. */
    public int failures() {
        return failures;
    }
}
