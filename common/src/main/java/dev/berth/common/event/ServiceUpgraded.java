package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.util.Objects;

/** A running service of a stack was replaced by a new spec or image (CDEvents {@code service.upgraded}). */
public record ServiceUpgraded(
        StackRef stack, String deploymentId, Commit commit, String service, String image, String containerId)
        implements BerthEvent {
    public ServiceUpgraded {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(containerId, "containerId");
    }
}
