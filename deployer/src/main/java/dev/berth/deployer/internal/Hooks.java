package dev.berth.deployer.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.BerthException;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.deployer.internal.docker.DockerEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs a service's lifecycle hooks in its containers, as Compose does through the engine's exec:
 * {@code post_start} after a container starts (a failure fails the container's gate), {@code pre_stop}
 * before Berth stops it (a failure is logged and the stop goes on). A container's {@code pre_stop}
 * hooks travel on its label {@link Labels#PRE_STOP}, so they run as it was created, even once its
 * service left the stack. Thread-safe.
 */
final class Hooks {
    private static final TypeReference<List<ServiceSpec.Hook>> HOOKS = new TypeReference<>() {};

    private final DockerEngine engine;
    private final ObjectMapper json;
    private final Clock clock;
    private final Consumer<String> warn;

    Hooks(DockerEngine engine, ObjectMapper json, Clock clock, Consumer<String> warn) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.json = Objects.requireNonNull(json, "json");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.warn = Objects.requireNonNull(warn, "warn");
    }

    /** The value of {@link Labels#PRE_STOP} for a service's containers; empty when it has none. */
    String label(ServiceSpec service) {
        if (service.preStop().isEmpty()) {
            return "";
        }
        try {
            return json.writeValueAsString(service.preStop());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the pre_stop hooks of " + service.name(), e);
        }
    }

    /**
     * Runs {@code post_start} hooks one after the other in container {@code id}, all within {@code within};
     * the first that fails (an exit code other than 0, or still running then) fails the container, with
     * its exit code and output as the evidence.
     */
    void postStart(String service, String id, List<ServiceSpec.Hook> hooks, Duration within)
            throws StepFailure, InterruptedException {
        Instant deadline = clock.instant().plus(within);
        for (int i = 0; i < hooks.size(); i++) {
            ServiceSpec.Hook hook = hooks.get(i);
            String what = "post_start[" + i + "] " + hook.command();
            DockerEngine.ExecResult result;
            try {
                result = engine.exec(id, hook, left(deadline));
            } catch (BerthException e) {
                throw new StepFailure(
                        service, "service \"" + service + "\": " + what + " could not run: " + e.getMessage(), "");
            }
            if (!result.succeeded()) {
                throw new StepFailure(
                        service,
                        "service \"" + service + "\": " + what
                                + (result.exitCode() == null
                                        ? " was still running after " + within.toSeconds()
                                                + " s (the health timeout): make it finish sooner"
                                        : " failed with exit code " + result.exitCode())
                                + "; the container counts as failing its gate",
                        "post_start[" + i + "] exit code: "
                                + (result.exitCode() == null ? "none (still running)" : result.exitCode())
                                + "\noutput:\n" + result.output());
            }
        }
    }

    /**
     * Runs the {@code pre_stop} hooks a container was created with ({@code label}, the value of
     * {@link Labels#PRE_STOP}), all within {@code grace}; a hook that fails or runs out of time is logged,
     * and the rest still run. Never throws but for an interrupt: the stop must go on.
     */
    void preStop(String id, String name, String label, Duration grace) throws InterruptedException {
        if (label.isEmpty()) {
            return;
        }
        List<ServiceSpec.Hook> hooks;
        try {
            hooks = json.readValue(label, HOOKS);
        } catch (JsonProcessingException e) {
            warn.accept("container " + name + ": its label " + Labels.PRE_STOP + " is not a list of hooks ("
                    + e.getOriginalMessage() + "); it is stopped without its pre_stop hooks");
            return;
        }
        Instant deadline = clock.instant().plus(grace);
        for (int i = 0; i < hooks.size(); i++) {
            ServiceSpec.Hook hook = hooks.get(i);
            String what = "container " + name + ": pre_stop[" + i + "] " + hook.command();
            Duration left = left(deadline);
            if (left.isZero()) {
                warn.accept(what + " did not run: the stop grace period (" + grace.toSeconds()
                        + " s) was used up; the container is stopped without it");
                continue;
            }
            try {
                DockerEngine.ExecResult result = engine.exec(id, hook, left);
                if (!result.succeeded()) {
                    warn.accept(what
                            + (result.exitCode() == null
                                    ? " was still running when the stop grace period ended"
                                    : " failed with exit code " + result.exitCode())
                            + "; the container is stopped anyway. Output: " + result.output());
                }
            } catch (BerthException e) {
                warn.accept(what + " could not run (" + e.getMessage() + "); the container is stopped anyway");
            }
        }
    }

    private Duration left(Instant deadline) {
        Duration left = Duration.between(clock.instant(), deadline);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
