package dev.berth.deployer.internal.docker;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a gate needs to know of a container right now.
 *
 * @param health the HEALTHCHECK status ({@code starting}, {@code healthy}, {@code unhealthy}), or null without one
 * @param healthLog the outputs of its last health checks, oldest first
 */
public record ContainerState(
        boolean running,
        boolean restarting,
        long exitCode,
        int restartCount,
        @Nullable String health,
        List<String> healthLog) {
    public ContainerState {
        healthLog = List.copyOf(healthLog);
    }
}
