package dev.berth.deployer.internal;

import dev.berth.common.StackRef;
import dev.berth.deployer.internal.docker.ContainerInfo;
import dev.berth.deployer.internal.docker.DockerEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a deployment left on the engine when the deployer running it stopped mid-way: the containers a
 * stop-first replacement kept aside ({@code <name>-berth-old}, stopped) and the temporary ones of a
 * start-first replacement ({@code <name>-berth-new}), and a failed new one being removed after the
 * old one came back ({@code <name>-berth-failed}). {@link #settle} puts them back as they were before
 * the replacement, so that applying a revision afterwards starts from whole replicas. Thread-safe.
 */
public final class Takeover {
    static final String OLD_SUFFIX = "-berth-old";
    static final String NEW_SUFFIX = "-berth-new";
    static final String FAILED_SUFFIX = "-berth-failed";

    private final DockerEngine engine;

    public Takeover(DockerEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    /** True when some container of the stack is kept aside or temporary. */
    public boolean unsettled(StackRef stack) {
        return engine.containers(Labels.STACK, stack.key()).stream().anyMatch(Takeover::aside);
    }

    /** The stacks (keys {@code env/stack}) of which some container is kept aside or temporary. */
    public Set<String> unsettledStacks() {
        return engine.containers(Labels.STACK).stream()
                .filter(Takeover::aside)
                .map(c -> c.label(Labels.STACK))
                .collect(Collectors.toSet());
    }

    /**
     * Removes temporary start-first containers and renames each container kept aside back to its name
     * (removing the new replica that took the name, if one was made), starting it again. Returns what it
     * did, one line per container; empty when nothing was left aside.
     */
    public List<String> settle(StackRef stack) {
        List<ContainerInfo> containers = engine.containers(Labels.STACK, stack.key());
        List<String> done = new ArrayList<>();
        for (ContainerInfo c : containers) {
            if (c.name().endsWith(NEW_SUFFIX)) {
                engine.remove(c.id());
                done.add("removed the temporary " + c.name());
            } else if (c.name().endsWith(FAILED_SUFFIX)) {
                engine.remove(c.id());
                done.add("removed the failed " + c.name());
            }
        }
        Set<String> names = containers.stream().map(ContainerInfo::name).collect(Collectors.toSet());
        for (ContainerInfo c : containers) {
            if (!c.name().endsWith(OLD_SUFFIX)) {
                continue;
            }
            String name = c.name().substring(0, c.name().length() - OLD_SUFFIX.length());
            if (names.contains(name)) {
                containers.stream()
                        .filter(other -> other.name().equals(name))
                        .forEach(other -> engine.remove(other.id()));
                done.add("removed the unfinished new " + name);
            }
            engine.rename(c.id(), name);
            engine.start(c.id());
            done.add("put " + name + " back from aside");
        }
        return done;
    }

    private static boolean aside(ContainerInfo c) {
        return c.name().endsWith(OLD_SUFFIX)
                || c.name().endsWith(NEW_SUFFIX)
                || c.name().endsWith(FAILED_SUFFIX);
    }
}
