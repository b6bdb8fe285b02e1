package dev.berth.deployer;

import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.deployer.internal.docker.DockerEngine;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What {@code berth status --check} finds wrong with a stack's containers against the revision that
 * should run: a replica that is missing, a container that is stopped (or was created and never
 * started) although it should run, and a stray container (a service or a replica number the revision
 * does not have, or one kept aside by a rollout that did not end). Pure logic over what the engine
 * listed; {@link #read} lists it. Thread-safe (stateless).
 */
public final class StackCheck {
    private static final String STACK = "berth.stack";
    private static final String SERVICE = "berth.service";
    private static final String NUMBER = "com.docker.compose.container-number";
    private static final String DEPENDS_ON = "com.docker.compose.depends_on";
    private static final Pattern EXITED = Pattern.compile("Exited \\((-?\\d+)\\)");

    /**
     * One container of a stack, as listed.
     *
     * @param number its replica number, 0 when its label is missing or not a number
     * @param state the engine's state word ({@code running}, {@code exited}, {@code created}...)
     * @param exitCode the exit code of a container that exited, else null
     * @param dependsOn its {@code com.docker.compose.depends_on} label ({@code db:service_completed_successfully:false,...})
     */
    public record Container(
            String name,
            String service,
            int number,
            String state,
            @Nullable Integer exitCode,
            String dependsOn) {
        public Container {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(dependsOn, "dependsOn");
        }
    }

    private StackCheck() {}

    /**
     * Lists the containers of every stack Berth deployed on an engine.
     *
     * @param dockerHost the engine's URL, or null for the local socket
     * @throws dev.berth.common.RetriableBerthException when the engine cannot be reached
     */
    public static Map<StackRef, List<Container>> read(@Nullable String dockerHost) {
        Map<StackRef, List<Container>> result = new TreeMap<>(java.util.Comparator.comparing(StackRef::key));
        try (DockerEngine engine = new DockerEngine(dockerHost)) {
            for (DockerEngine.ListedContainer c : engine.listed(STACK)) {
                StackRef stack;
                try {
                    stack = StackRef.parse(c.labels().getOrDefault(STACK, ""));
                } catch (BerthException e) {
                    continue; // not a label Berth wrote
                }
                result.computeIfAbsent(stack, k -> new ArrayList<>()).add(container(c));
            }
        }
        return result;
    }

    private static Container container(DockerEngine.ListedContainer c) {
        int number;
        try {
            number = Integer.parseInt(c.labels().getOrDefault(NUMBER, ""));
        } catch (NumberFormatException e) {
            number = 0;
        }
        Matcher exited = EXITED.matcher(c.status());
        Integer exit = exited.find() ? Integer.valueOf(exited.group(1)) : null;
        return new Container(
                c.name(),
                c.labels().getOrDefault(SERVICE, ""),
                number,
                c.state(),
                exit,
                c.labels().getOrDefault(DEPENDS_ON, ""));
    }

    /**
     * The problems of one stack's containers, each a sentence naming the container; empty when all is
     * well.
     *
     * @param desired the revision that should run (its last good one), or null when unknown: then only
     *     stopped containers and containers kept aside are found
     */
    public static List<String> problems(List<Container> containers, @Nullable ComposeStack desired) {
        List<String> problems = new ArrayList<>();
        Set<String> oneShot = oneShot(containers, desired);
        Map<String, Map<Integer, Container>> byService = new TreeMap<>();
        for (Container c : containers) {
            if (c.name().endsWith("-berth-old")
                    || c.name().endsWith("-berth-new")
                    || c.name().endsWith("-berth-failed")) {
                problems.add("container " + c.name() + " was kept aside by a rollout that did not end (service \""
                        + c.service() + "\")");
                continue;
            }
            byService.computeIfAbsent(c.service(), k -> new TreeMap<>()).put(c.number(), c);
            stopped(c, oneShot).ifPresent(problems::add);
        }
        if (desired == null) {
            return problems;
        }
        Map<String, Integer> wanted = new LinkedHashMap<>();
        for (ServiceSpec service : desired.services()) {
            wanted.put(service.name(), service.replicas());
        }
        wanted.forEach((service, replicas) -> {
            Map<Integer, Container> present = byService.getOrDefault(service, Map.of());
            for (int n = 1; n <= replicas; n++) {
                if (!present.containsKey(n)) {
                    problems.add("service \"" + service + "\": replica " + n + " of " + replicas + " is missing");
                }
            }
        });
        byService.forEach((service, present) -> present.forEach((number, c) -> {
            Integer replicas = wanted.get(service);
            if (replicas == null) {
                problems.add("stray container " + c.name() + ": service \"" + service
                        + "\" is not in the revision that should run");
            } else if (number < 1 || number > replicas) {
                problems.add("stray container " + c.name() + ": service \"" + service + "\" has " + replicas
                        + " replica" + (replicas == 1 ? "" : "s") + ", not a number " + number);
            }
        }));
        return problems;
    }

    private static java.util.Optional<String> stopped(Container c, Set<String> oneShot) {
        if (c.state().equals("running")) {
            return java.util.Optional.empty();
        }
        if (c.state().equals("created")) {
            return java.util.Optional.of("container " + c.name() + " was created but never started");
        }
        if (c.state().equals("exited")
                && oneShot.contains(c.service())
                && Integer.valueOf(0).equals(c.exitCode())) {
            return java.util.Optional.empty(); // a one-shot service that completed
        }
        return java.util.Optional.of("container " + c.name() + " is " + c.state()
                + (c.exitCode() == null ? "" : " (exit code " + c.exitCode() + ")")
                + " but service \"" + c.service() + "\" should run");
    }

    /**
     * The services that may have exited with 0: those others wait for with
     * {@code service_completed_successfully} (from the containers' labels) and the desired revision's
     * {@link ComposeStack#oneShotServices}.
     */
    private static Set<String> oneShot(List<Container> containers, @Nullable ComposeStack desired) {
        Set<String> targets = new HashSet<>();
        for (Container c : containers) {
            for (String entry : c.dependsOn().split(",")) {
                String[] parts = entry.split(":");
                if (parts.length >= 2 && parts[1].equals(ServiceSpec.Dependency.COMPLETED)) {
                    targets.add(parts[0]);
                }
            }
        }
        if (desired != null) {
            targets.addAll(desired.oneShotServices());
        }
        return targets;
    }
}
