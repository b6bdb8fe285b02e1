package dev.berth.deployer.internal;

import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.deployer.StackHealth;
import dev.berth.deployer.internal.docker.ContainerInfo;
import dev.berth.deployer.internal.docker.ContainerState;
import dev.berth.deployer.internal.docker.DockerEngine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** Reads {@link StackHealth} from the containers' labels and states. */
public final class LiveStacks {
    private LiveStacks() {}

    /** Every stack with a container on the engine, ordered by environment and name. */
    public static Map<StackRef, StackHealth> read(DockerEngine engine) {
        Map<String, List<ContainerInfo>> byStack = new TreeMap<>();
        for (ContainerInfo c : engine.containers(Labels.STACK)) {
            byStack.computeIfAbsent(c.label(Labels.STACK), k -> new ArrayList<>())
                    .add(c);
        }
        Map<StackRef, StackHealth> result = new LinkedHashMap<>();
        byStack.forEach((key, containers) -> {
            StackRef stack;
            try {
                stack = StackRef.parse(key);
            } catch (BerthException e) {
                return; // not a label Berth wrote
            }
            TreeSet<String> revisions = new TreeSet<>();
            int running = 0;
            int healthy = 0;
            int unhealthy = 0;
            int starting = 0;
            int completed = 0;
            Map<String, Integer> services = new TreeMap<>();
            for (ContainerInfo c : containers) {
                revisions.add(c.label(Labels.REVISION));
                if (!c.name().endsWith(Takeover.OLD_SUFFIX)) {
                    services.merge(c.label(Labels.SERVICE), 1, Integer::sum);
                }
                ContainerState state;
                try {
                    state = engine.state(c.id());
                } catch (BerthException e) {
                    continue; // removed between the listing and the inspect
                }
                if (state.running()) {
                    running++;
                    if ("healthy".equals(state.health())) {
                        healthy++;
                    } else if ("starting".equals(state.health())) {
                        starting++;
                    }
                } else if (!state.restarting() && state.exitCode() == 0) {
                    completed++;
                }
                if (state.restarting() || "unhealthy".equals(state.health())) {
                    unhealthy++;
                }
            }
            revisions.remove("");
            result.put(
                    stack,
                    new StackHealth(
                            stack,
                            revisions,
                            containers.size(),
                            running,
                            healthy,
                            unhealthy,
                            starting,
                            completed,
                            services));
        });
        return result;
    }
}
