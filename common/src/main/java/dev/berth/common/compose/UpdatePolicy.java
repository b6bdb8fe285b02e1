package dev.berth.common.compose;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a service's replicas are replaced ({@code deploy.update_config}). Not part of a container's
 * config: changing it never recreates a container.
 *
 * @param order {@link Order#START_FIRST} starts the new container before the old one stops; a replica
 *     that publishes a fixed host port is always replaced stop-first, since two cannot hold the port
 * @param parallelism how many replicas are replaced at once; 0 replaces them all at once
 * @param delay the wait between two batches of replicas
 * @param monitor how long a new container is watched after it passed its gate (and how long a container
 *     without a health check must run to pass); null for the deployer's own monitor period (and no
 *     watch after a health check passed)
 * @param failureAction what a failed replica does to the rest of the update
 * @param maxFailureRatio the share of the service's replaced replicas that may fail before the failure
 *     action is taken (0 to 1; 0 takes it on the first failure)
 */
public record UpdatePolicy(
        Order order,
        int parallelism,
        Duration delay,
        @Nullable Duration monitor,
        FailureAction failureAction,
        double maxFailureRatio) {
    /** Compose's defaults with Berth's failure action: stop-first, one at a time, roll back. */
    public static final UpdatePolicy DEFAULT =
            new UpdatePolicy(Order.STOP_FIRST, 1, Duration.ZERO, null, FailureAction.ROLLBACK, 0);

    public enum Order {
        STOP_FIRST,
        START_FIRST
    }

    public enum FailureAction {
        /** Put the failed batch back as it was and fail the deployment (Berth's default). */
        ROLLBACK,
        /** Keep what passed, put the failed replicas back, replace no further replicas, fail. */
        PAUSE,
        /** Put the failed replicas back and go on; fail at the end only if too many failed. */
        CONTINUE
    }

    public UpdatePolicy {
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(failureAction, "failureAction");
        if (parallelism < 0) {
            throw new IllegalArgumentException("parallelism must be at least 0, not " + parallelism);
        }
        if (!(maxFailureRatio >= 0 && maxFailureRatio <= 1)) {
            throw new IllegalArgumentException("maxFailureRatio must be between 0 and 1, not " + maxFailureRatio);
        }
    }

    /** How many of {@code replicas} are replaced in one batch. */
    public int batchSize(int replicas) {
        return parallelism == 0 ? Math.max(1, replicas) : parallelism;
    }

    /** True when {@code failed} failures out of {@code total} replicas are within {@link #maxFailureRatio()}. */
    public boolean tolerates(int failed, int total) {
        return failed == 0 || (total > 0 && failed <= maxFailureRatio * total);
    }
}
