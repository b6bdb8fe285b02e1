package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A deployment ended with every changed service healthy (or, for a removal, gone).
 *
 * @param changed one readable line per step that was applied; empty when nothing had to change
 */
public record DeploymentSucceeded(
        StackRef stack, String deploymentId, Commit commit, List<String> changed, Duration duration)
        implements BerthEvent {
    public DeploymentSucceeded {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(commit, "commit");
        changed = List.copyOf(changed);
        Objects.requireNonNull(duration, "duration");
    }
}
