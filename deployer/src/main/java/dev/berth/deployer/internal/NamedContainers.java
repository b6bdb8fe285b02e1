package dev.berth.deployer.internal;

import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.deployer.internal.docker.ContainerInfo;
import dev.berth.deployer.internal.docker.DockerEngine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The containers the {@code container_name} services of a stack ask for by name, as the engine has them.
 * Berth finds its containers by labels; a name is the one thing another owner can hold too. Before a
 * plan, each name is checked: free, or the service's own container, is fine; a container of another
 * stack, or one Berth does not manage, fails the deployment before anything is touched, unless the
 * environment adopts containers {@code docker compose} created ({@code adopt}): such a container is then
 * handed to the plan as the service's one replica, which replaces it like any update (stop-first, renamed
 * aside, put back when the new one fails its gate). Thread-safe.
 */
final class NamedContainers {
    /** The name a stop-first replacement keeps its old container under; {@link Takeover} knows it too. */
    private static final String OLD_SUFFIX = Takeover.OLD_SUFFIX;

    private final DockerEngine engine;

    NamedContainers(DockerEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    /**
     * Checks every {@code container_name} of {@code desired} against the engine and returns the
     * containers the plan takes over, labelled (in this listing only) as the service's replica 1: a
     * container of the stack that ran another service under that name, and, when {@code adopt}, a
     * container {@code docker compose} created. First it puts back a container this deployer renamed
     * aside while adopting it and left so (a deployer stopped mid-way), so that a deployment after a
     * crash starts from what was there before.
     *
     * @param log receives one line per container put back or adopted
     * @throws StepFailure naming the container and what to do, when a name is another stack's or held by a
     *     container Berth may not replace
     */
    List<ContainerInfo> claim(StackRef stack, ComposeStack desired, boolean adopt, Consumer<String> log)
            throws StepFailure {
        List<ContainerInfo> claimed = new ArrayList<>();
        for (ServiceSpec service : desired.services()) {
            String name = service.containerName();
            if (name == null || service.replicas() == 0) {
                continue;
            }
            putBackAdopted(stack, name, log);
            Optional<ContainerInfo> holder = engine.container(name);
            if (holder.isEmpty()) {
                continue;
            }
            ContainerInfo c = holder.get();
            String owner = c.label(Labels.STACK);
            String where =
                    "stack " + stack + ": service \"" + service.name() + "\" has container_name \"" + name + "\", but ";
            if (owner.equals(stack.key())) {
                if (!c.label(Labels.SERVICE).equals(service.name())) {
                    // The service was renamed (or the name moved to another service): its container is replaced.
                    claimed.add(asReplica(c, service));
                }
            } else if (!owner.isEmpty()) {
                throw new StepFailure(
                        service.name(),
                        where + "the container \"" + name + "\" on the engine belongs to stack " + owner
                                + (c.label(Labels.SERVICE).isEmpty()
                                        ? ""
                                        : " (service \"" + c.label(Labels.SERVICE) + "\")")
                                + "; two stacks on one engine cannot share a container name: give one of them"
                                + " another container_name (`berth validate --environments` finds such clashes);"
                                + " nothing was changed",
                        "");
            } else if (c.label(Labels.COMPOSE_PROJECT).isEmpty()) {
                throw new StepFailure(
                        service.name(),
                        where + "a container \"" + name + "\" that neither Berth nor docker compose created is on"
                                + " the engine (it has no berth.stack nor com.docker.compose.project label); Berth"
                                + " never removes it silently, and adoption"
                                + (adopt ? " (on for this environment)" : " (--adopt, deploy.adopt)")
                                + " replaces only containers docker compose created: remove it (docker rm -f " + name
                                + ") or rename it (docker rename " + name + " " + name + "-old), then deploy again;"
                                + " nothing was changed",
                        "");
            } else if (!adopt) {
                String project = c.label(Labels.COMPOSE_PROJECT);
                throw new StepFailure(
                        service.name(),
                        where + "a container \"" + name + "\" that Berth does not manage is on the engine (created"
                                + " by docker compose, project \"" + project + "\", service \""
                                + c.label(Labels.COMPOSE_SERVICE) + "\"); Berth never removes it silently: remove"
                                + " it (docker rm -f " + name + ", or docker compose -p " + project + " down), or let"
                                + " Berth adopt it, replacing it at the first deployment gated like an update"
                                + " (berth run/deployer --adopt, or deploy.adopt: true in the environment file);"
                                + " nothing was changed",
                        "");
            } else {
                log.accept("adopting container " + name + " (docker compose project \""
                        + c.label(Labels.COMPOSE_PROJECT) + "\", service \"" + c.label(Labels.COMPOSE_SERVICE)
                        + "\") as service " + service.name() + " of " + stack
                        + ": it is replaced stop-first, and put back if the new one fails its gate");
                claimed.add(asReplica(c, service));
            }
        }
        return claimed;
    }

    /**
     * A container {@code docker compose} created that a stopped deployer left renamed aside while adopting
     * it ({@code <name>-berth-old}, no berth labels): it takes its name back (from the unfinished new
     * container of the stack, which goes) and starts again, as {@link Takeover} does for Berth's own.
     */
    private void putBackAdopted(StackRef stack, String name, Consumer<String> log) {
        Optional<ContainerInfo> aside = engine.container(name + OLD_SUFFIX);
        if (aside.isEmpty()
                || !aside.get().label(Labels.STACK).isEmpty()
                || aside.get().label(Labels.COMPOSE_PROJECT).isEmpty()) {
            return;
        }
        Optional<ContainerInfo> holder = engine.container(name);
        if (holder.isPresent()) {
            if (!holder.get().label(Labels.STACK).equals(stack.key())) {
                return; // not this stack's to undo: the checks that follow say whose it is
            }
            engine.remove(holder.get().id());
            log.accept("removed the unfinished new " + name + " of an interrupted adoption");
        }
        engine.rename(aside.get().id(), name);
        engine.start(aside.get().id());
        log.accept("put the adopted container " + name + " back from aside, as it was before the interrupted"
                + " adoption");
    }

    /** The container as the plan sees it: replica 1 of the service, with the config hash it lacks. */
    private static ContainerInfo asReplica(ContainerInfo c, ServiceSpec service) {
        Map<String, String> labels = new HashMap<>(c.labels());
        labels.put(Labels.SERVICE, service.name());
        labels.put(Labels.COMPOSE_NUMBER, "1");
        labels.remove(Labels.CONFIG_HASH);
        return new ContainerInfo(c.id(), c.name(), c.running(), labels);
    }

    /** The stack's containers with the claimed ones in place of (or beside) the listed ones. */
    static List<ContainerInfo> merge(List<ContainerInfo> listed, List<ContainerInfo> claimed) {
        Map<String, ContainerInfo> byId = new LinkedHashMap<>();
        listed.forEach(c -> byId.put(c.id(), c));
        claimed.forEach(c -> byId.put(c.id(), c));
        return List.copyOf(byId.values());
    }
}
