package dev.berth.deployer.internal;

import dev.berth.deployer.internal.docker.ContainerState;
import dev.berth.deployer.internal.docker.DockerEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Waits until a started container passes: {@code healthy} when it has a health check, otherwise
 * running without a restart for the monitor period; or, for a one-shot service others wait for with
 * {@code service_completed_successfully}, exited with code 0. Follows the container's events and
 * inspects it once at the start and after each event, never on a fixed short period while the event
 * stream is alive. Thread-safe: one gate serves parallel services.
 */
final class Gate {
    /** Inspects again after this long without an event, in case the stream lost one. */
    private static final Duration QUIET_INSPECT = Duration.ofSeconds(5);
    /** How often to inspect when the event stream broke. */
    private static final Duration FALLBACK_INSPECT = Duration.ofMillis(500);

    private static final int LOG_LINES = 20;

    enum Kind {
        /** Healthy, or running for the monitor period without a health check. */
        READY,
        /** Exited with code 0. */
        COMPLETED,
        /** A container that already ran (an unchanged dependency): healthy, or running without a health check. */
        CHECK
    }

    private final DockerEngine engine;
    private final Clock clock;
    private final Duration timeout;
    private final Duration monitor;

    Gate(DockerEngine engine, Clock clock, Duration timeout, Duration monitorPeriod) {
        this.engine = engine;
        this.clock = clock;
        this.timeout = timeout;
        // A monitor period longer than the health timeout could never pass; the timeout bounds both.
        this.monitor = monitorPeriod.compareTo(timeout) > 0 ? timeout : monitorPeriod;
    }

    /**
     * Waits for container {@code id} of {@code service}; returns how long it took.
     *
     * @param since when the container was started: the monitor period and the timeout count from then
     * @param events the container's events, from {@link ContainerWatch#follow}
     */
    Duration await(
            String service, String id, Kind kind, Instant since, ContainerWatch watch, BlockingQueue<String> events)
            throws StepFailure, InterruptedException {
        Instant start = since;
        Instant deadline = start.plus(timeout);
        while (true) {
            ContainerState state = engine.state(id);
            Instant now = clock.instant();
            Duration took = Duration.between(start, now);
            Duration monitor = kind == Kind.CHECK ? Duration.ZERO : this.monitor;
            if (kind == Kind.COMPLETED) {
                if (!state.running() && !state.restarting()) {
                    if (state.exitCode() == 0) {
                        return took;
                    }
                    throw new StepFailure(
                            service,
                            "service \"" + service + "\" exited with code " + state.exitCode()
                                    + "; the services that depend on it with condition"
                                    + " service_completed_successfully were not started",
                            evidence(id, state));
                }
                if (state.restartCount() > 0 || state.restarting()) {
                    throw new StepFailure(
                            service,
                            "service \"" + service + "\" restarted instead of completing; a one-shot service"
                                    + " needs restart: \"no\"",
                            evidence(id, state));
                }
            } else {
                if (!state.running() && !state.restarting()) {
                    throw new StepFailure(
                            service,
                            "service \"" + service + "\" exited with code " + state.exitCode()
                                    + " instead of turning healthy",
                            evidence(id, state));
                }
                if (state.restartCount() > 0 || state.restarting()) {
                    throw new StepFailure(
                            service, "service \"" + service + "\" restarted while starting", evidence(id, state));
                }
                if (state.health() != null) {
                    if (state.health().equals("healthy")) {
                        return took;
                    }
                    if (state.health().equals("unhealthy")) {
                        throw new StepFailure(
                                service,
                                "service \"" + service + "\" is unhealthy: its health check failed",
                                evidence(id, state));
                    }
                } else if (!took.minus(monitor).isNegative()) {
                    return took;
                }
            }
            if (!now.isBefore(deadline)) {
                throw new StepFailure(
                        service,
                        kind == Kind.COMPLETED
                                ? "service \"" + service + "\" did not complete within " + timeout.toSeconds() + " s"
                                : "service \"" + service + "\" did not turn healthy within " + timeout.toSeconds()
                                        + " s",
                        evidence(id, state));
            }
            Instant wake = deadline;
            if (kind != Kind.COMPLETED && state.health() == null) {
                Instant passes = start.plus(monitor);
                wake = passes.isBefore(wake) ? passes : wake;
            }
            Duration idle = watch.alive() ? QUIET_INSPECT : FALLBACK_INSPECT;
            Duration wait = Duration.between(now, wake);
            wait = wait.compareTo(idle) > 0 ? idle : wait;
            // Any event of the container (or the quiet period) means: look again.
            if (events.poll(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS) != null) {
                events.clear();
            }
        }
    }

    /** What the gate saw: the last health checks, the exit code, the last lines of output. */
    String evidence(String id, ContainerState state) throws InterruptedException {
        StringBuilder text = new StringBuilder();
        if (!state.healthLog().isEmpty()) {
            text.append("last health checks:\n");
            state.healthLog().forEach(l -> text.append("  ").append(l).append('\n'));
        }
        if (!state.running()) {
            text.append("exit code: ").append(state.exitCode()).append('\n');
        }
        String logs = engine.logTail(id, LOG_LINES);
        if (!logs.isEmpty()) {
            text.append("last output:\n").append(logs.indent(2));
        }
        return text.toString().strip();
    }
}
