package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A deployment could not complete.
 *
 * @param service the service at fault, when one is
 * @param reason what went wrong and what to do about it
 * @param evidence what the gate saw (last health-check output, exit code), empty when none
 * @param rolledBackTo the revision (commit sha) the stack was rolled back to after the failure; null
 *     when nothing was rolled back (nothing had been touched, or there was no good revision to go back to)
 */
public record DeploymentFailed(
        StackRef stack,
        String deploymentId,
        Commit commit,
        @Nullable String service,
        String reason,
        String evidence,
        Duration duration,
        @Nullable String rolledBackTo)
        implements BerthEvent {
    /** A failure after which nothing was rolled back. */
    public DeploymentFailed(
            StackRef stack,
            String deploymentId,
            Commit commit,
            @Nullable String service,
            String reason,
            String evidence,
            Duration duration) {
        this(stack, deploymentId, commit, service, reason, evidence, duration, null);
    }

    public DeploymentFailed {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(duration, "duration");
    }
}
