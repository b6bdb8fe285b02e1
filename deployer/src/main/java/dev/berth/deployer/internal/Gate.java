package dev.berth.deployer.internal;

import dev.berth.common.compose.GateSpec;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.deployer.internal.docker.ContainerState;
import dev.berth.deployer.internal.docker.DockerEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Waits until a started container passes: {@code healthy} when it has a health check, otherwise
 * running without a restart for the monitor period; or, for a one-shot service others wait for with
 * {@code service_completed_successfully}, exited with code 0. A service's {@code x-berth} probe must
 * pass too, and a service whose {@code update_config} sets {@code monitor} is watched that long after it
 * passed, failing if it dies, restarts or turns unhealthy. Follows the container's events and inspects
 * it once at the start and after each event, never on a fixed short period while the event stream is
 * alive (a pending probe is retried at its own interval). Thread-safe: one gate serves parallel services.
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

    /**
     * What one service's containers must do to pass.
     *
     * @param timeout how long a container may take to pass
     * @param monitor how long a container without a health check must run (at most {@code timeout})
     * @param watchAfterPass how long a container is watched after it passed (zero for not at all)
     * @param probe the {@code x-berth} probe, or null
     */
    record Rule(Duration timeout, Duration monitor, Duration watchAfterPass, GateSpec.@Nullable Probe probe) {
        Rule {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(monitor, "monitor");
            Objects.requireNonNull(watchAfterPass, "watchAfterPass");
        }
    }

    private final DockerEngine engine;
    private final Clock clock;
    private final Duration timeout;
    private final Duration monitor;
    private final Prober prober = new Prober();

    Gate(DockerEngine engine, Clock clock, Duration timeout, Duration monitorPeriod) {
        this.engine = engine;
        this.clock = clock;
        this.timeout = timeout;
        // A monitor period longer than the health timeout could never pass; the timeout bounds both.
        this.monitor = monitorPeriod.compareTo(timeout) > 0 ? timeout : monitorPeriod;
    }

    /** The deployer's own rule: its health timeout and monitor period, no probe. */
    Rule defaultRule() {
        return new Rule(timeout, monitor, Duration.ZERO, null);
    }

    /**
     * A service's rule: its {@code x-berth} gate timeout over the deployer's, its {@code update_config}
     * monitor over the deployer's monitor period (and then also watched after passing), its probe.
     */
    Rule rule(ServiceSpec service) {
        Duration timeout = service.gate().timeout() != null ? service.gate().timeout() : this.timeout;
        Duration ownMonitor = service.update().monitor();
        Duration monitor = ownMonitor != null ? ownMonitor : this.monitor;
        monitor = monitor.compareTo(timeout) > 0 ? timeout : monitor;
        return new Rule(
                timeout,
                monitor,
                ownMonitor == null ? Duration.ZERO : ownMonitor,
                service.gate().probe());
    }

    /** {@link #await(String, String, Kind, Instant, ContainerWatch, BlockingQueue, Rule)} with the default rule. */
    Duration await(
            String service, String id, Kind kind, Instant since, ContainerWatch watch, BlockingQueue<String> events)
            throws StepFailure, InterruptedException {
        return await(service, id, kind, since, watch, events, defaultRule());
    }

    /**
     * Waits for container {@code id} of {@code service}; returns how long it took to pass (the watch
     * after passing included).
     *
     * @param since when the container was started: the monitor period and the timeout count from then
     * @param events the container's events, from {@link ContainerWatch#follow}
     */
    Duration await(
            String service,
            String id,
            Kind kind,
            Instant since,
            ContainerWatch watch,
            BlockingQueue<String> events,
            Rule rule)
            throws StepFailure, InterruptedException {
        Instant start = since;
        Instant deadline = start.plus(rule.timeout());
        GateSpec.Probe probe = kind == Kind.COMPLETED ? null : rule.probe();
        boolean probed = probe == null;
        String probeEvidence = "";
        Instant nextProbe = start;
        Instant passed = null;
        while (true) {
            ContainerState state = engine.state(id);
            Instant now = clock.instant();
            Duration took = Duration.between(start, now);
            Duration monitor = kind == Kind.CHECK ? Duration.ZERO : rule.monitor();
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
                            evidence(id, state, ""));
                }
                if (state.restartCount() > 0 || state.restarting()) {
                    throw new StepFailure(
                            service,
                            "service \"" + service + "\" restarted instead of completing; a one-shot service"
                                    + " needs restart: \"no\"",
                            evidence(id, state, ""));
                }
            } else {
                String after = passed == null
                        ? ""
                        : " " + seconds(Duration.between(passed, now)) + " s after passing its gate (monitor "
                                + seconds(rule.watchAfterPass()) + " s)";
                if (!state.running() && !state.restarting()) {
                    throw new StepFailure(
                            service,
                            "service \"" + service + "\" exited with code " + state.exitCode()
                                    + (passed == null ? " instead of turning healthy" : after),
                            evidence(id, state, probeEvidence));
                }
                if (state.restartCount() > 0 || state.restarting()) {
                    throw new StepFailure(
                            service,
                            "service \"" + service + "\" restarted " + (passed == null ? "while starting" : after),
                            evidence(id, state, probeEvidence));
                }
                if ("unhealthy".equals(state.health())) {
                    throw new StepFailure(
                            service,
                            "service \"" + service + "\" is unhealthy: its health check failed"
                                    + (passed == null ? "" : after),
                            evidence(id, state, probeEvidence));
                }
                if (passed != null) {
                    if (!now.isBefore(passed.plus(rule.watchAfterPass()))) {
                        return took;
                    }
                } else {
                    if (!probed && !now.isBefore(nextProbe)) {
                        Prober.Result result = prober.probe(probe, engine.addresses(id, probe.port()));
                        probed = result.passed();
                        probeEvidence = result.evidence();
                        now = clock.instant();
                        nextProbe = now.plus(probe.interval());
                    }
                    boolean healthy = state.health() != null
                            ? state.health().equals("healthy")
                            : !took.minus(monitor).isNegative();
                    if (healthy && probed) {
                        if (rule.watchAfterPass().isZero() || kind == Kind.CHECK || state.health() == null) {
                            return took;
                        }
                        // Healthy once is not enough: it must stay up for the monitor period.
                        passed = now;
                    }
                }
            }
            if (passed == null && !now.isBefore(deadline)) {
                String reason = kind == Kind.COMPLETED
                        ? "service \"" + service + "\" did not complete within "
                                + rule.timeout().toSeconds() + " s"
                        : !probed && (state.health() == null || state.health().equals("healthy"))
                                ? "service \"" + service + "\" did not pass its probe (" + probe.describe()
                                        + ") within " + rule.timeout().toSeconds() + " s"
                                : "service \"" + service + "\" did not turn healthy within "
                                        + rule.timeout().toSeconds() + " s";
                throw new StepFailure(service, reason, evidence(id, state, probeEvidence));
            }
            Instant wake = passed != null ? passed.plus(rule.watchAfterPass()) : deadline;
            if (passed == null && kind != Kind.COMPLETED && state.health() == null) {
                Instant passes = start.plus(monitor);
                wake = passes.isBefore(wake) ? passes : wake;
            }
            if (passed == null && !probed && nextProbe.isBefore(wake)) {
                wake = nextProbe;
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

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f", d.toMillis() / 1000.0);
    }

    /** What the gate saw: the last health checks, the probe's last answer, the exit code, the last lines of output. */
    String evidence(String id, ContainerState state, String probe) throws InterruptedException {
        StringBuilder text = new StringBuilder();
        if (!state.healthLog().isEmpty()) {
            text.append("last health checks:\n");
            state.healthLog().forEach(l -> text.append("  ").append(l).append('\n'));
        }
        if (!probe.isEmpty()) {
            text.append("last ").append(probe).append('\n');
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
