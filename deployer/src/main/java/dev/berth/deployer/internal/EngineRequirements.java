package dev.berth.deployer.internal;

import dev.berth.common.BerthException;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.deployer.internal.docker.ApiVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The service keys that need a newer engine than the oldest Berth runs on, each with the Docker Engine
 * API version that applies it. {@code berth validate} has no engine to ask, so the deployer checks a
 * stack against its engine before it touches anything: an older engine would ignore the field, and the
 * container would run other than the file says. Pure.
 */
final class EngineRequirements {
    /** One key and the API version it needs. */
    private record Requirement(String key, ApiVersion version, Predicate<ServiceSpec> uses) {}

    /** A per-network key ({@code networks.<net>.<key>}) and the API version it needs. */
    private record EndpointRequirement(String key, ApiVersion version, Predicate<ServiceSpec.ServiceNetwork> uses) {}

    private static final List<EndpointRequirement> ENDPOINT_REQUIREMENTS = List.of(
            new EndpointRequirement("mac_address", new ApiVersion(1, 44), n -> n.macAddress() != null),
            new EndpointRequirement("gw_priority", new ApiVersion(1, 48), n -> n.gwPriority() != null),
            new EndpointRequirement("interface_name", new ApiVersion(1, 49), n -> n.interfaceName() != null));

    private static final List<Requirement> REQUIREMENTS = List.of(
            new Requirement(
                    "annotations", new ApiVersion(1, 43), s -> !s.annotations().isEmpty()),
            new Requirement(
                    "healthcheck.start_interval",
                    new ApiVersion(1, 44),
                    s -> s.healthcheck() != null && s.healthcheck().startInterval() != null));

    private EngineRequirements() {}

    /**
     * Why a per-network {@code mac_address} cannot be applied, if it cannot: the engine takes a MAC
     * address for the network a container is created on, and ignores one given when the container joins
     * another network (checked on Docker 26.1). Compose v2 creates a container on all its networks at once
     * on API 1.44 and later; Berth creates it on its first and joins the others, and refuses rather than
     * give a container another address than the file says.
     */
    private static java.util.Optional<String> macAddressBeyondTheFirstNetwork(ServiceSpec service) {
        List<java.util.Map.Entry<String, ServiceSpec.ServiceNetwork>> order = StackResources.networkOrder(service);
        String first = order.get(0).getKey();
        ServiceSpec.ServiceNetwork created = order.get(0).getValue();
        for (java.util.Map.Entry<String, ServiceSpec.ServiceNetwork> e : order) {
            ServiceSpec.ServiceNetwork n = e.getValue();
            if (n.macAddress() == null) {
                continue;
            }
            if (!e.getKey().equals(first)) {
                return java.util.Optional.of("networks." + e.getKey() + ".mac_address cannot be applied: Berth"
                        + " gives a MAC address only on the network the container is created on, its first by"
                        + " priority (" + first + "); set it there, or give " + e.getKey() + " the highest priority");
            }
            if (!created.linkLocalIps().isEmpty()
                    || !created.driverOpts().isEmpty()
                    || created.gwPriority() != null
                    || created.interfaceName() != null) {
                return java.util.Optional.of("networks." + first + ".mac_address cannot be applied together with"
                        + " link_local_ips, driver_opts, gw_priority or interface_name on that network: Berth"
                        + " passes those by joining the network again, which drops the address");
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * Throws {@link BerthException} naming every service key of {@code stack} that {@code engine} is too
     * old to apply, with the API version each needs.
     */
    static void check(ComposeStack stack, ApiVersion engine) {
        check(stack, "", engine);
    }

    /**
     * As {@link #check(ComposeStack, ApiVersion)}, the message starting with the stack's compose file
     * ({@code stacks/web/compose.yaml: service "web": ...}) unless {@code composeFile} is empty.
     */
    static void check(ComposeStack stack, String composeFile, ApiVersion engine) {
        List<String> refused = new ArrayList<>();
        for (ServiceSpec service : stack.services()) {
            String where = "service \"" + service.name() + "\": ";
            for (Requirement r : REQUIREMENTS) {
                if (!engine.atLeast(r.version()) && r.uses().test(service)) {
                    refused.add(where + r.key() + " needs Docker Engine API " + r.version());
                }
            }
            service.networks().forEach((network, attachment) -> {
                for (EndpointRequirement r : ENDPOINT_REQUIREMENTS) {
                    if (!engine.atLeast(r.version()) && r.uses().test(attachment)) {
                        refused.add(where + "networks." + network + "." + r.key() + " needs Docker Engine API "
                                + r.version());
                    }
                }
            });
            macAddressBeyondTheFirstNetwork(service).ifPresent(reason -> refused.add(where + reason));
        }
        if (!refused.isEmpty()) {
            throw new BerthException((composeFile.isEmpty() ? "" : composeFile + ": ") + String.join("; ", refused)
                    + "; this engine speaks API " + engine + ": upgrade the engine, or remove the key"
                    + (refused.size() == 1 ? "" : "s"));
        }
    }
}
