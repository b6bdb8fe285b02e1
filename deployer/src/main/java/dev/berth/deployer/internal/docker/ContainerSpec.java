package dev.berth.deployer.internal.docker;

import dev.berth.common.compose.HealthCheck;
import dev.berth.common.compose.PortMapping;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Everything needed to create one container, in Berth's terms. */
public record ContainerSpec(
        String name,
        String image,
        @Nullable List<String> command,
        Map<String, String> environment,
        List<PortMapping> ports,
        @Nullable HealthCheck healthcheck,
        Map<String, String> labels,
        String network,
        String alias) {}
