package dev.berth.deployer.internal;

import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.deployer.internal.docker.ContainerInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Compares a stack's desired services with the containers that run it. Pure; thread-safe. */
final class Planner {
    private Planner() {}

    /** The name of replica {@code number} of a service: {@code <project>-<service>-<number>}, as Compose names it. */
    static String containerName(String project, String service, int number) {
        return project + "-" + service + "-" + number;
    }

    /**
     * The name replica {@code number} of a service takes: its {@code container_name} when it sets one
     * (it then has one replica), else {@link #containerName(String, String, int)}.
     */
    static String containerName(String project, ServiceSpec service, int number) {
        String name = service.containerName();
        return name != null ? name : containerName(project, service.name(), number);
    }

    /** A plan in which no stopped container counts as completed. */
    static List<Step> plan(
            String project, ComposeStack desired, Map<String, String> hashes, List<ContainerInfo> running) {
        return plan(project, desired, hashes, running, Set.of());
    }

    /**
     * The steps, one per service in the stack's order (dependencies first), then the removals of the
     * services that left the stack, each before the services it depends on.
     *
     * @param hashes the config hash of each desired service
     * @param completed ids of stopped containers that count as done: one-shot services that exited 0
     */
    static List<Step> plan(
            String project,
            ComposeStack desired,
            Map<String, String> hashes,
            List<ContainerInfo> running,
            Set<String> completed) {
        Map<String, List<ContainerInfo>> byService = byService(running);
        List<Step> steps = new ArrayList<>();
        for (ServiceSpec service : desired.services()) {
            String hash = hashes.getOrDefault(service.name(), "");
            steps.add(
                    serviceStep(project, service, hash, byService.getOrDefault(service.name(), List.of()), completed));
        }
        List<Step> removals = new ArrayList<>();
        byService.forEach((name, containers) -> {
            if (desired.service(name).isEmpty()) {
                removals.add(new Step(
                        Step.Action.REMOVE,
                        name,
                        null,
                        "",
                        containers,
                        List.of(),
                        List.of(),
                        containers.stream()
                                .sorted(Comparator.comparingInt(Planner::number).reversed())
                                .toList()));
            }
        });
        steps.addAll(removalOrder(removals));
        return steps;
    }

    private static Step serviceStep(
            String project, ServiceSpec service, String hash, List<ContainerInfo> current, Set<String> completed) {
        // The container each wanted number keeps: the one with the right name, else a running one.
        Map<Integer, ContainerInfo> kept = new TreeMap<>();
        List<ContainerInfo> extra = new ArrayList<>();
        List<ContainerInfo> candidates = new ArrayList<>(current);
        candidates.sort(Comparator.comparing(
                        (ContainerInfo c) -> !c.name().equals(containerName(project, service, number(c))))
                .thenComparing(c -> !c.running())
                .thenComparing(ContainerInfo::name));
        for (ContainerInfo c : candidates) {
            int n = number(c);
            if (n >= 1 && n <= service.replicas() && !kept.containsKey(n)) {
                kept.put(n, c);
            } else {
                extra.add(c);
            }
        }
        List<Integer> create = new ArrayList<>();
        List<ContainerInfo> replace = new ArrayList<>();
        for (int n = 1; n <= service.replicas(); n++) {
            ContainerInfo c = kept.get(n);
            if (c == null) {
                create.add(n);
            } else if (!c.label(Labels.CONFIG_HASH).equals(hash)
                    || !c.name().equals(containerName(project, service, n))
                    || !(c.running() || completed.contains(c.id()))) {
                replace.add(c);
            }
        }
        // Highest numbers first, as Compose scales down; containers without a number before them.
        extra.sort(Comparator.comparingInt(Planner::number).reversed());
        Step.Action action;
        if (current.isEmpty()) {
            action = create.isEmpty() ? Step.Action.UNCHANGED : Step.Action.CREATE;
        } else if (!replace.isEmpty()) {
            action = Step.Action.REPLACE;
        } else if (!create.isEmpty() || !extra.isEmpty()) {
            action = Step.Action.SCALE;
        } else {
            action = Step.Action.UNCHANGED;
        }
        return new Step(action, service.name(), service, hash, current, create, replace, extra);
    }

    /** The replica number a container carries, or {@code Integer.MAX_VALUE} when it has none (removed first). */
    static int number(ContainerInfo container) {
        try {
            return Integer.parseInt(container.label(Labels.COMPOSE_NUMBER));
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    private static Map<String, List<ContainerInfo>> byService(List<ContainerInfo> containers) {
        Map<String, List<ContainerInfo>> byService = new LinkedHashMap<>();
        for (ContainerInfo c : containers) {
            byService
                    .computeIfAbsent(c.label(Labels.SERVICE), k -> new ArrayList<>())
                    .add(c);
        }
        return byService;
    }

    /**
     * Removal steps in reverse dependency order (read from the containers' {@code depends_on} label): a
     * service goes before the services it depends on; otherwise in name order.
     */
    static List<Step> removalOrder(List<Step> removals) {
        Map<String, Step> byName = new TreeMap<>();
        removals.forEach(s -> byName.put(s.service(), s));
        Map<String, Set<String>> dependents = new HashMap<>();
        for (Step step : byName.values()) {
            for (String dependency : dependencies(step.current())) {
                if (byName.containsKey(dependency) && !dependency.equals(step.service())) {
                    dependents.computeIfAbsent(dependency, k -> new HashSet<>()).add(step.service());
                }
            }
        }
        List<Step> ordered = new ArrayList<>();
        Set<String> done = new HashSet<>();
        while (ordered.size() < byName.size()) {
            boolean progressed = false;
            for (Step step : byName.values()) {
                if (!done.contains(step.service())
                        && done.containsAll(dependents.getOrDefault(step.service(), Set.of()))) {
                    ordered.add(step);
                    done.add(step.service());
                    progressed = true;
                }
            }
            if (!progressed) {
                // Labels that form a cycle (edited by hand): the rest in name order.
                byName.values().stream()
                        .filter(s -> !done.contains(s.service()))
                        .forEach(s -> {
                            ordered.add(s);
                            done.add(s.service());
                        });
            }
        }
        return ordered;
    }

    /** The services named by the {@code depends_on} label of the containers ({@code db:service_healthy:false,...}). */
    private static Set<String> dependencies(List<ContainerInfo> containers) {
        Set<String> names = new HashSet<>();
        for (ContainerInfo c : containers) {
            for (String entry : c.label(Labels.DEPENDS_ON).split(",")) {
                String name = entry.split(":", 2)[0].strip();
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** The {@code depends_on} label Berth writes, as Compose does: {@code name:condition:restart,...}. */
    static String dependsOnLabel(ServiceSpec service) {
        List<String> entries = new ArrayList<>();
        service.dependsOn().forEach((name, d) -> entries.add(name + ":" + d.condition() + ":" + d.restart()));
        return String.join(",", entries);
    }

    /** The services another service waits for with {@code service_completed_successfully}: one-shot jobs. */
    static Set<String> completionTargets(ComposeStack desired) {
        Set<String> targets = new HashSet<>();
        for (ServiceSpec service : desired.services()) {
            service.dependsOn().forEach((name, d) -> {
                if (d.condition().equals(ServiceSpec.Dependency.COMPLETED)) {
                    targets.add(name);
                }
            });
        }
        return targets;
    }
}
