package dev.berth.deployer.internal;

import dev.berth.common.compose.ServiceSpec;
import dev.berth.deployer.internal.docker.ContainerInfo;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One step of a plan for one service: which of its replicas are created, replaced or removed.
 *
 * @param desired the service as the stack declares it; null when the service left the stack
 * @param current every container that runs the service now
 * @param create the replica numbers to create
 * @param replace the containers to replace one at a time, in number order (their config hash changed
 *     or they stopped); each new container takes the number of the one it replaces
 * @param remove the containers to stop and remove, highest number first (scaled down, duplicates)
 */
record Step(
        Action action,
        String service,
        @Nullable ServiceSpec desired,
        String configHash,
        List<ContainerInfo> current,
        List<Integer> create,
        List<ContainerInfo> replace,
        List<ContainerInfo> remove) {
    enum Action {
        /** The service has no container yet. */
        CREATE,
        /** Some replicas run another config (and the count may change too). */
        REPLACE,
        /** Only the number of replicas changes. */
        SCALE,
        /** The service left the stack. */
        REMOVE,
        UNCHANGED
    }

    Step {
        current = List.copyOf(current);
        create = List.copyOf(create);
        replace = List.copyOf(replace);
        remove = List.copyOf(remove);
    }

    /** A step that leaves the service as it is. */
    static Step unchanged(ServiceSpec desired, String configHash, List<ContainerInfo> current) {
        return new Step(
                Action.UNCHANGED, desired.name(), desired, configHash, current, List.of(), List.of(), List.of());
    }

    /** How many replicas run after the step. */
    int replicas() {
        return desired == null ? 0 : desired.replicas();
    }

    /** {@code create web}, {@code scale web 1 -> 3}, as people read plans. */
    String describe() {
        String verb = action.name().toLowerCase(Locale.ROOT);
        return switch (action) {
            case CREATE -> "create " + service + (replicas() == 1 ? "" : " (" + replicas() + " replicas)");
            case REPLACE ->
                "replace " + service
                        + (current.size() != replicas()
                                ? " (scale " + current.size() + " -> " + replicas() + ")"
                                : replicas() == 1 ? "" : " (" + replicas() + " replicas)");
            case SCALE -> "scale " + service + " " + current.size() + " -> " + replicas();
            case REMOVE, UNCHANGED -> verb + " " + service;
        };
    }
}
