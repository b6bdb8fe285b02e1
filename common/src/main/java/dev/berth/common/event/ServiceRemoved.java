package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.util.Objects;

/** A service's containers were removed, because the service or its whole stack left the repository (CDEvents {@code service.removed}). */
public record ServiceRemoved(StackRef stack, String deploymentId, Commit commit, String service) implements BerthEvent {
    public ServiceRemoved {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(service, "service");
    }
}
