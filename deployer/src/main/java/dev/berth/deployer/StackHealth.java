package dev.berth.deployer;

import dev.berth.common.StackRef;
import dev.berth.deployer.internal.LiveStacks;
import dev.berth.deployer.internal.docker.DockerEngine;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a stack's containers are doing on an engine right now, read from their Berth labels and their
 * state: what {@code berth status} shows beside each stack's history.
 *
 * @param stack the stack the containers are labelled with
 * @param revisions the revisions the containers run (more than one while a rollout is under way or was cut)
 * @param containers how many containers carry the stack's label, stopped ones included
 * @param running how many of them run
 * @param healthy how many run and report {@code healthy}
 * @param unhealthy how many report {@code unhealthy}, or restart
 * @param starting how many run and report {@code starting}
 * @param completed how many stopped with exit code 0 (one-shot services that are done)
 * @param services how many containers each service has, those kept aside for a rollback not counted
 */
public record StackHealth(
        StackRef stack,
        java.util.SortedSet<String> revisions,
        int containers,
        int running,
        int healthy,
        int unhealthy,
        int starting,
        int completed,
        Map<String, Integer> services) {
    public StackHealth {
        Objects.requireNonNull(stack, "stack");
        services = Map.copyOf(services);
        revisions = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(revisions));
    }

    /**
     * One word and a count, as a table shows it: {@code healthy 3/3}, {@code running 2/2} (no
     * healthchecks), {@code starting 1/3}, {@code unhealthy 1/3}, {@code degraded 1/2} (a container
     * stopped that should run).
     */
    public String summary() {
        int expected = containers - completed;
        if (unhealthy > 0) {
            return "unhealthy " + unhealthy + "/" + expected;
        }
        if (running < expected) {
            return "degraded " + running + "/" + expected;
        }
        if (starting > 0) {
            return "starting " + starting + "/" + expected;
        }
        return (healthy == running ? "healthy " : "running ") + running + "/" + expected;
    }

    /**
     * Reads every stack Berth deployed on an engine.
     *
     * @param dockerHost the engine's URL, or null for {@code $DOCKER_HOST} or the local socket
     * @throws dev.berth.common.RetriableBerthException when the engine cannot be reached
     */
    public static Map<StackRef, StackHealth> read(@Nullable String dockerHost) {
        try (DockerEngine engine = new DockerEngine(dockerHost)) {
            engine.requireReachable();
            return LiveStacks.read(engine);
        }
    }
}
