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
        List<String> refused = new ArrayList<>();
        for (ServiceSpec service : stack.services()) {
            for (Requirement r : REQUIREMENTS) {
                if (!engine.atLeast(r.version()) && r.uses().test(service)) {
                    refused.add("service \"" + service.name() + "\": " + r.key() + " needs Docker Engine API "
                            + r.version());
                }
            }
        }
        if (!refused.isEmpty()) {
            throw new BerthException(String.join("; ", refused) + "; this engine speaks API " + engine
                    + ": upgrade the engine, or remove the key" + (refused.size() == 1 ? "" : "s"));
        }
    }
}
