package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.util.List;
import java.util.Objects;

/**
 * A deployer began applying a commit to a stack.
 *
 * @param plan one readable line per step, such as {@code create web} or {@code remove old-worker}
 */
public record DeploymentStarted(StackRef stack, String deploymentId, Commit commit, List<String> plan)
        implements BerthEvent {
    public DeploymentStarted {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(commit, "commit");
        plan = List.copyOf(plan);
    }
}
