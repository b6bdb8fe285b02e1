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
        }
        if (!refused.isEmpty()) {
            throw new BerthException((composeFile.isEmpty() ? "" : composeFile + ": ") + String.join("; ", refused)
                    + "; this engine speaks API " + engine + ": upgrade the engine, or remove the key"
                    + (refused.size() == 1 ? "" : "s"));
        }
    }
}
