package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.util.Objects;

/**
 * A service a failed deployment had changed runs its last good revision again (CDEvents
 * {@code service.rolledback}).
 *
 * @param deploymentId the deployment that failed and was rolled back
 * @param commit the revision the service was restored to
 * @param image the image the restored service runs
 * @param containerId the container that runs it now
 */
public record ServiceRolledBack(
        StackRef stack, String deploymentId, Commit commit, String service, String image, String containerId)
        implements BerthEvent {
    public ServiceRolledBack {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(containerId, "containerId");
    }
}
