package dev.berth.deployer.internal.docker;

import dev.berth.common.compose.ServiceSpec;
import java.util.Map;

/**
 * One container to create: a service's spec plus what Berth adds, its name, its labels (the
 * service's own and Berth's) and its network, where the service name is its alias.
 */
public record ContainerSpec(String name, ServiceSpec service, Map<String, String> labels, String network) {
    public ContainerSpec {
        labels = Map.copyOf(labels);
    }
}
