package dev.berth.deployer.internal;

import dev.berth.common.RetriableBerthException;
import dev.berth.common.compose.GateSpec;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.deployer.internal.docker.ContainerState;
import dev.berth.deployer.internal.docker.DockerEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Waits until a started container passes: {@code healthy} when it has a health check, otherwise
 * running without a restart for the monitor period; or, for a one-shot service others wait for with
 * {@code service_completed_successfully}, exited with code 0. A service whose restart policy does not
 * start it again after a clean exit ({@code no}, Compose's default, or {@code on-failure}) also passes
 * by exiting with code 0, as {@code docker compose up -d} accepts a job nothing waits for (a
 * bucket-creating or migration job); exiting with any other code fails. A service's {@code x-berth} probe must
 * pass too. A container with a health check must then stay up for its stability window (the service's
 * {@code update_config.monitor}, else the deployer's monitor period) after it turned healthy: the gate
 * returns at once so dependants start, and leaves a {@link ContainerWatch.Stay} that
 * {@link #awaitStays} checks before the deployment counts as good, so the windows of a stack's services
 * overlap. Follows the container's events and inspects it once at the start and after each event, never
 * on a fixed short period while the event stream is alive (a pending probe is retried at its own
 * interval). The timeout holds whatever the engine does: an inspect is given up when the timeout
 * passes, and a pass seen after it does not count. Thread-safe: one gate serves parallel services.
 */
final class Gate {
    /** Inspects again after this long without an event, in case the stream lost one. */
    private static final Duration QUIET_INSPECT = Duration.ofSeconds(5);
    /** The least time an inspect is given, even when the gate's deadline is nearer. */
    private static final Duration MIN_INSPECT = Duration.ofMillis(500);
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
     * @param stability how long a container with a health check must stay up after it turned healthy
     *     (zero for not at all)
     * @param probe the {@code x-berth} probe, or null
     * @param mayComplete true when exiting with code 0 passes too: the restart policy will not start the
     *     container again ({@link dev.berth.common.compose.ContainerOptions#restartsAfterSuccess})
     */
    record Rule(
            Duration timeout,
            Duration monitor,
            Duration stability,
            GateSpec.@Nullable Probe probe,
            boolean mayComplete) {
        Rule {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(monitor, "monitor");
            Objects.requireNonNull(stability, "stability");
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

    /**
     * A service's rule: its {@code x-berth} gate timeout over the deployer's, its {@code update_config}
     * monitor over the deployer's monitor period (both for running without a health check and for
     * staying up after turning healthy), its probe, whether its restart policy lets it complete.
     */
    Rule rule(ServiceSpec service) {
        Duration timeout = service.gate().timeout() != null ? service.gate().timeout() : this.timeout;
        Duration ownMonitor = service.update().monitor();
        Duration stability = ownMonitor != null ? ownMonitor : this.monitor;
        Duration monitor = stability.compareTo(timeout) > 0 ? timeout : stability;
        return new Rule(
                timeout,
                monitor,
                stability,
                service.gate().probe(),
                !service.options().restartsAfterSuccess());
    }

    /**
     * How a container passed.
     *
     * @param took from its start to its pass
     * @param completed true when it passed by exiting with code 0
     */
    record Pass(Duration took, boolean completed) {}

    /**
     * Waits for container {@code id} of {@code service}; returns how it passed. A container
     * with a health check that passed leaves a {@link ContainerWatch.Stay} in {@code watch}.
     *
     * @param since when the container was started: the monitor period and the timeout count from then
     * @param events the container's events, from {@link ContainerWatch#follow}
     */
    Pass await(
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
        while (true) {
            ContainerState state = inspect(service, id, deadline, rule.timeout());
            Instant now = clock.instant();
            Duration took = Duration.between(start, now);
            boolean late = now.isAfter(deadline);
            Duration monitor = kind == Kind.CHECK ? Duration.ZERO : rule.monitor();
            if (kind == Kind.COMPLETED) {
                if (!state.running() && !state.restarting()) {
                    if (state.exitCode() == 0 && !late) {
                        return new Pass(took, true);
                    }
                    if (state.exitCode() != 0) {
                        throw new StepFailure(
                                service,
                                "service \"" + service + "\" exited with code " + state.exitCode()
                                        + "; the services that depend on it with condition"
                                        + " service_completed_successfully were not started",
                                evidence(id, state, ""));
                    }
                }
                if (state.restartCount() > 0 || state.restarting()) {
                    throw new StepFailure(
                            service,
                            "service \"" + service + "\" restarted instead of completing; a one-shot service"
                                    + " needs restart: \"no\"",
                            evidence(id, state, ""));
                }
            } else if (completed(kind, rule, state)) {
                if (!late) {
                    return new Pass(took, true);
                }
            } else {
                failIfDown(service, id, state, probeEvidence);
                if (!late) {
                    if (!probed && !now.isBefore(nextProbe)) {
                        Prober.Result result =
                                prober.probe(probe, addresses(service, id, probe.port(), deadline, rule.timeout()));
                        probed = result.passed();
                        probeEvidence = result.evidence();
                        now = clock.instant();
                        nextProbe = now.plus(probe.interval());
                    }
                    boolean healthy = state.health() != null
                            ? state.health().equals("healthy")
                            : !took.minus(monitor).isNegative();
                    if (healthy && probed && !now.isAfter(deadline)) {
                        if (kind == Kind.READY
                                && state.health() != null
                                && !rule.stability().isZero()) {
                            // Healthy once is not enough: it must stay up through its window, checked
                            // with the other services' windows before the deployment counts as good.
                            watch.mustStayUp(new ContainerWatch.Stay(
                                    service, id, now.plus(rule.stability()), rule.stability(), state.restartCount()));
                        }
                        return new Pass(took, false);
                    }
                }
            }
            if (!now.isBefore(deadline)) {
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
            Instant wake = deadline;
            if (kind != Kind.COMPLETED && state.health() == null) {
                Instant passes = start.plus(monitor);
                wake = passes.isBefore(wake) ? passes : wake;
            }
            if (!probed && nextProbe.isBefore(wake)) {
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

    /** A new container that exited with code 0, never restarted, and whose restart policy lets it end there. */
    private static boolean completed(Kind kind, Rule rule, ContainerState state) {
        return kind == Kind.READY
                && rule.mayComplete()
                && !state.running()
                && !state.restarting()
                && state.restartCount() == 0
                && state.exitCode() == 0;
    }

    /** A container that exited, restarts or turned unhealthy fails, with what the gate saw. */
    private void failIfDown(String service, String id, ContainerState state, String probeEvidence)
            throws StepFailure, InterruptedException {
        if (!state.running() && !state.restarting()) {
            throw new StepFailure(
                    service,
                    "service \"" + service + "\" exited with code " + state.exitCode() + " instead of turning healthy",
                    evidence(id, state, probeEvidence));
        }
        if (state.restartCount() > 0 || state.restarting()) {
            throw new StepFailure(
                    service,
                    "service \"" + service + "\" restarted while starting",
                    evidence(id, state, probeEvidence));
        }
        if ("unhealthy".equals(state.health())) {
            throw new StepFailure(
                    service,
                    "service \"" + service + "\" is unhealthy: its health check failed",
                    evidence(id, state, probeEvidence));
        }
    }

    /**
     * Inspects a container, given up when the gate's deadline passes first: an engine that does not
     * answer in time fails the gate (a {@link StepFailure}) instead of holding it past its timeout.
     */
    private ContainerState inspect(String service, String id, Instant deadline, Duration timeout) throws StepFailure {
        return bounded(service, deadline, timeout, within -> engine.state(id, within));
    }

    /** Where the probe reaches the container, asked of the engine within the gate's deadline. */
    private List<java.net.InetSocketAddress> addresses(
            String service, String id, int port, Instant deadline, Duration timeout) throws StepFailure {
        return bounded(service, deadline, timeout, within -> engine.addresses(id, port, within));
    }

    /** Runs an engine call given at most the time left before the gate's deadline (at least {@link #MIN_INSPECT}). */
    private <T> T bounded(
            String service, Instant deadline, Duration timeout, java.util.function.Function<Duration, T> call)
            throws StepFailure {
        Duration left = Duration.between(clock.instant(), deadline);
        Duration within = left.compareTo(MIN_INSPECT) < 0
                ? MIN_INSPECT
                : left.compareTo(DockerEngine.CALL_TIMEOUT) > 0 ? DockerEngine.CALL_TIMEOUT : left;
        try {
            return call.apply(within);
        } catch (RetriableBerthException e) {
            if (clock.instant().isBefore(deadline)) {
                throw e;
            }
            throw new StepFailure(
                    service,
                    "service \"" + service + "\" did not pass its gate within " + timeout.toSeconds() + " s: "
                            + e.getMessage(),
                    "");
        }
    }

    /**
     * Checks that every container that passed with a health check in this deployment stays up through
     * its stability window: waits until the last window ends (woken early by the containers' events) and
     * fails on the first that exited, restarted or turned unhealthy meanwhile. The windows run while the
     * rest of the deployment goes on, so they overlap.
     *
     * @param removeFailed removes the container that failed, once its evidence is taken
     */
    void awaitStays(ContainerWatch watch, java.util.function.Consumer<String> removeFailed)
            throws StepFailure, InterruptedException {
        List<ContainerWatch.Stay> stays = new ArrayList<>(watch.stays());
        while (!stays.isEmpty()) {
            Instant now = clock.instant();
            Instant wake = now.plus(QUIET_INSPECT);
            for (java.util.Iterator<ContainerWatch.Stay> it = stays.iterator(); it.hasNext(); ) {
                ContainerWatch.Stay stay = it.next();
                try {
                    checkStay(stay, engine.state(stay.id()), now);
                } catch (StepFailure f) {
                    // The evidence is taken; the container goes (a rollback, if any, brings the last good one).
                    removeFailed.accept(stay.id());
                    throw f;
                }
                if (!now.isBefore(stay.until())) {
                    it.remove();
                } else if (stay.until().isBefore(wake)) {
                    wake = stay.until();
                }
            }
            if (stays.isEmpty()) {
                return;
            }
            Duration wait = Duration.between(clock.instant(), wake);
            watch.awaitStayEvent(Math.max(1, wait.toMillis()));
        }
    }

    private void checkStay(ContainerWatch.Stay stay, ContainerState state, Instant now)
            throws StepFailure, InterruptedException {
        Instant passed = stay.until().minus(stay.window());
        String window = " " + seconds(Duration.between(passed, now)) + " s after passing its gate, within its"
                + " stability window (monitor " + seconds(stay.window()) + " s): a new container must stay up that"
                + " long after turning healthy before the revision counts as good";
        String problem = null;
        if (!state.running() && !state.restarting()) {
            problem = "exited with code " + state.exitCode();
        } else if (state.restarting() || state.restartCount() > stay.restarts()) {
            problem = "restarted";
        } else if ("unhealthy".equals(state.health())) {
            problem = "turned unhealthy";
        }
        if (problem != null) {
            throw new StepFailure(
                    stay.service(),
                    "service \"" + stay.service() + "\" " + problem + window,
                    evidence(stay.id(), state, ""));
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
