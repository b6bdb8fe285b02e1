package dev.berth.deployer.internal;

import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.deployer.internal.docker.ContainerInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Compares a stack's desired services with the containers that run it. Pure; thread-safe. */
final class Planner {
    private Planner() {}

    /**
     * The steps, in the stack's order, then removals in name order.
     *
     * @param hashes the config hash of each desired service
     */
    static List<Step> plan(ComposeStack desired, Map<String, String> hashes, List<ContainerInfo> running) {
        Map<String, List<ContainerInfo>> byService = new LinkedHashMap<>();
        for (ContainerInfo c : running) {
            byService
                    .computeIfAbsent(c.label(Labels.SERVICE), k -> new ArrayList<>())
                    .add(c);
        }
        List<Step> steps = new ArrayList<>();
        for (ServiceSpec service : desired.services()) {
            String hash = hashes.get(service.name());
            List<ContainerInfo> current = byService.getOrDefault(service.name(), List.of());
            Step.Action action;
            if (current.isEmpty()) {
                action = Step.Action.CREATE;
            } else if (current.size() == 1
                    && current.get(0).running()
                    && current.get(0).label(Labels.CONFIG_HASH).equals(hash)) {
                action = Step.Action.UNCHANGED;
            } else {
                action = Step.Action.REPLACE;
            }
            steps.add(new Step(action, service.name(), service, hash, current));
        }
        byService.keySet().stream()
                .filter(name -> desired.service(name).isEmpty())
                .sorted()
                .forEach(name -> steps.add(new Step(Step.Action.REMOVE, name, null, "", byService.get(name))));
        return steps;
    }
}
