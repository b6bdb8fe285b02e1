package dev.berth.deployer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.deployer.internal.SpecFields;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * What applying one revision of a stack would change, service by service, by the deployer's own rule:
 * a container is recreated when what its config hash covers changed (its spec without replicas, update
 * policy and gate; the files it mounts; its build context), scaled when only the replica count did.
 * Pure; immutable.
 *
 * @param from the revision the stack's containers run, or null when none runs or it is not known
 * @param to the revision to apply (a sha, or a description such as {@code work tree})
 * @param services one entry per service of either side, in the next revision's order then removals
 * @param changedFiles the repository files of the stack that differ between the two sides
 */
public record StackDiff(
        StackRef stack, @Nullable String from, String to, List<ServiceChange> services, List<String> changedFiles) {
    /** What would happen to a service. */
    public enum Action {
        CREATE,
        RECREATE,
        SCALE,
        REMOVE,
        UNCHANGED
    }

    /**
     * @param running how many containers of the service run now (aside ones not counted)
     * @param replicas how many the next revision asks for
     * @param details why: the changed fields ({@code image: "a" → "b"}) and files
     */
    public record ServiceChange(String service, Action action, int running, int replicas, List<String> details) {
        public ServiceChange {
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(action, "action");
            details = List.copyOf(details);
        }
    }

    /**
     * One side of the comparison: a parsed revision and the files it carries.
     *
     * @param files repository path to content, for the stack's directory and the paths it uses
     */
    public record Side(ComposeStack compose, Map<String, byte[]> files) {
        public Side {
            Objects.requireNonNull(compose, "compose");
            files = Map.copyOf(files);
        }
    }

    public StackDiff {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(to, "to");
        services = List.copyOf(services);
        changedFiles = List.copyOf(changedFiles);
    }

    /** True when applying would touch a container. */
    public boolean hasChanges() {
        return services.stream().anyMatch(s -> s.action() != Action.UNCHANGED);
    }

    /**
     * Compares the next revision with what runs.
     *
     * @param current the revision the containers run, or null when it is not known (then every service
     *     that runs is taken as recreated, since nothing says what it runs)
     * @param running containers per service on the engine now
     * @param json the event mapper, so specs compare as the config hash reads them
     */
    public static StackDiff compute(
            StackRef stack,
            @Nullable String from,
            String to,
            @Nullable Side current,
            Side next,
            Map<String, Integer> running,
            ObjectMapper json) {
        List<String> changedFiles = current == null ? List.of() : changedFiles(current.files(), next.files());
        List<ServiceChange> changes = new ArrayList<>();
        for (ServiceSpec service : next.compose().services()) {
            int now = running.getOrDefault(service.name(), 0);
            Optional<ServiceSpec> before =
                    current == null ? Optional.empty() : current.compose().service(service.name());
            List<String> details = new ArrayList<>();
            Action action;
            if (now == 0) {
                action = service.replicas() == 0 ? Action.UNCHANGED : Action.CREATE;
                if (before.isPresent() && service.replicas() > 0) {
                    details.add("no container runs");
                }
            } else if (before.isEmpty()) {
                action = Action.RECREATE;
                details.add(
                        current == null
                                ? "the running revision's desired state is not in berth.state"
                                : "not in the running revision");
            } else {
                details.addAll(SpecFields.differences(json, before.get(), service));
                List<String> roots = new ArrayList<>(SpecFields.readPaths(current.compose(), before.get()));
                roots.addAll(SpecFields.readPaths(next.compose(), service));
                SpecFields.touched(roots, changedFiles).forEach(f -> details.add("file " + f + " changed"));
                action = !details.isEmpty()
                        ? Action.RECREATE
                        : now != service.replicas() ? Action.SCALE : Action.UNCHANGED;
            }
            changes.add(new ServiceChange(service.name(), action, now, service.replicas(), details));
        }
        TreeSet<String> gone = new TreeSet<>(running.keySet());
        if (current != null) {
            current.compose().services().forEach(s -> gone.add(s.name()));
        }
        for (String name : gone) {
            int now = running.getOrDefault(name, 0);
            if (now > 0 && next.compose().service(name).isEmpty()) {
                changes.add(new ServiceChange(name, Action.REMOVE, now, 0, List.of("not in " + to)));
            }
        }
        return new StackDiff(stack, from, to, changes, changedFiles);
    }

    private static List<String> changedFiles(Map<String, byte[]> before, Map<String, byte[]> after) {
        TreeSet<String> paths = new TreeSet<>(before.keySet());
        paths.addAll(after.keySet());
        return paths.stream()
                .filter(p -> !Arrays.equals(before.get(p), after.get(p)))
                .toList();
    }
}
