package dev.berth.deployer.internal;

import dev.berth.common.compose.ServiceSpec;
import dev.berth.deployer.internal.docker.ContainerInfo;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One step of a plan for one service.
 *
 * @param desired the service as the stack declares it; null for a removal
 * @param current the containers that run the service now
 */
record Step(
        Action action, String service, @Nullable ServiceSpec desired, String configHash, List<ContainerInfo> current) {
    enum Action {
        CREATE,
        REPLACE,
        REMOVE,
        UNCHANGED
    }

    Step {
        current = List.copyOf(current);
    }

    /** {@code create web}, as people read plans. */
    String describe() {
        return action.name().toLowerCase(java.util.Locale.ROOT) + " " + service;
    }
}
