package dev.berth.deployer.internal.docker;

import java.util.Map;

/** A container as listed by the engine. */
public record ContainerInfo(String id, String name, boolean running, Map<String, String> labels) {
    public ContainerInfo {
        labels = Map.copyOf(labels);
    }

    public String label(String key) {
        return labels.getOrDefault(key, "");
    }
}
