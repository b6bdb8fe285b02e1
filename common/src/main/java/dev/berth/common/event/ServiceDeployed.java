package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.util.Objects;

/** A service of a stack now runs for the first time (CDEvents {@code service.deployed}). */
public record ServiceDeployed(
        StackRef stack, String deploymentId, Commit commit, String service, String image, String containerId)
        implements BerthEvent {
    public ServiceDeployed {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(containerId, "containerId");
    }
}
