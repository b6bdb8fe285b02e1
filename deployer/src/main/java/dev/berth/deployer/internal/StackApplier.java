package dev.berth.deployer.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.BerthException;
import dev.berth.common.Commit;
import dev.berth.common.RetriableBerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentStarted;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventPublisher;
import dev.berth.common.event.ServiceDeployed;
import dev.berth.common.event.ServiceRemoved;
import dev.berth.common.event.ServiceUpgraded;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackRemoved;
import dev.berth.deployer.DeployerConfig;
import dev.berth.deployer.internal.docker.ContainerInfo;
import dev.berth.deployer.internal.docker.ContainerSpec;
import dev.berth.deployer.internal.docker.ContainerState;
import dev.berth.deployer.internal.docker.DockerEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one stack change to one engine: plan, check images, then create, replace or remove each
 * service, gating every new container on its health. Publishes every step. Runs on the consumer
 * thread; one stack at a time.
 */
public final class StackApplier {
    private static final Logger log = LoggerFactory.getLogger("dev.berth.deployer");
    private static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration GATE_POLL = Duration.ofMillis(250);
    private static final String OLD_SUFFIX = "-berth-old";
    private static final int LOG_LINES = 20;

    private final DockerEngine engine;
    private final EventPublisher publisher;
    private final DeployerConfig config;
    private final Clock clock;
    private final URI source;
    private final ConfigHash configHash;
    private final ComposeParser parser = new ComposeParser();
    private final MeterRegistry registry;
    private final Timer duration;

    public StackApplier(
            DockerEngine engine,
            EventPublisher publisher,
            DeployerConfig config,
            Clock clock,
            URI source,
            ObjectMapper json,
            MeterRegistry registry) {
        this.engine = engine;
        this.publisher = publisher;
        this.config = config;
        this.clock = clock;
        this.source = source;
        this.configHash = new ConfigHash(json);
        this.registry = registry;
        this.duration = Timer.builder("berth.deployment.duration")
                .description("Time from a deployment's start to its outcome")
                .register(registry);
    }

    /** A failed step: what failed, for which service, with what evidence. */
    private static final class StepFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final @Nullable String service;
        final String evidence;

        StepFailure(@Nullable String service, String reason, String evidence) {
            super(reason, null, false, false);
            this.service = service;
            this.evidence = evidence;
        }
    }

    /** Brings the stack to the state {@code change} describes. */
    public void apply(Envelope incoming, StackChanged change) throws InterruptedException {
        engine.requireReachable();
        StackRef stack = change.stack();
        Commit commit = change.commit();
        String deploymentId = UUID.randomUUID().toString();
        Instant begin = clock.instant();
        String network = stack.project() + "_default";
        ComposeStack desired;
        StackResources resources;
        Map<String, String> hashes = new LinkedHashMap<>();
        try {
            desired = parser.parse(change.composeFile(), change.compose(), change.variables());
            resources = StackResources.prepare(engine, config, clock, change, desired);
            desired = resources.buildImages();
            for (ServiceSpec service : desired.services()) {
                // Files the container reads (bind mounts, secrets, configs) count as its config.
                hashes.put(
                        service.name(),
                        configHash.of(service, requireImage(service) + resources.filesDigest(service), network));
            }
        } catch (StepFailure f) {
            fail(incoming, stack, deploymentId, commit, begin, f);
            return;
        } catch (ComposeException e) {
            fail(incoming, stack, deploymentId, commit, begin, new StepFailure(null, e.getMessage(), ""));
            return;
        } catch (RetriableBerthException e) {
            throw e;
        } catch (BerthException e) {
            fail(incoming, stack, deploymentId, commit, begin, failure(e));
            return;
        }
        List<Step> steps = Planner.plan(desired, hashes, engine.containers(Labels.STACK, stack.key()));
        List<String> changes = steps.stream()
                .filter(s -> s.action() != Step.Action.UNCHANGED)
                .map(Step::describe)
                .toList();
        if (changes.isEmpty()) {
            log.info("up to date {} @{}", stack, commit.shortSha());
            succeed(incoming, stack, deploymentId, commit, begin, List.of(), "deployed");
            return;
        }
        log.info("deploying {} @{}: {}", stack, commit.shortSha(), String.join(", ", changes));
        publish(incoming, new DeploymentStarted(stack, deploymentId, commit, changes));
        try {
            resources.createNetworksAndVolumes();
            for (Step step : steps) {
                applyStep(incoming, stack, deploymentId, commit, resources, step);
            }
            StackResources.removeNetworks(engine, stack, resources.networkNames());
        } catch (StepFailure f) {
            fail(incoming, stack, deploymentId, commit, begin, f);
            return;
        } catch (RetriableBerthException e) {
            throw e;
        } catch (BerthException e) {
            fail(incoming, stack, deploymentId, commit, begin, failure(e));
            return;
        }
        succeed(incoming, stack, deploymentId, commit, begin, changes, "deployed");
    }

    /** Removes every container of the stack, then its network. Named volumes stay. */
    public void remove(Envelope incoming, StackRemoved removal) throws InterruptedException {
        engine.requireReachable();
        StackRef stack = removal.stack();
        Commit commit = removal.commit();
        String deploymentId = UUID.randomUUID().toString();
        Instant begin = clock.instant();
        Map<String, List<ContainerInfo>> byService = new LinkedHashMap<>();
        for (ContainerInfo c : engine.containers(Labels.STACK, stack.key())) {
            byService
                    .computeIfAbsent(c.label(Labels.SERVICE), k -> new ArrayList<>())
                    .add(c);
        }
        List<String> changes =
                byService.keySet().stream().sorted().map(s -> "remove " + s).toList();
        if (!changes.isEmpty()) {
            log.info("removing {} @{}: {}", stack, commit.shortSha(), String.join(", ", changes));
            publish(incoming, new DeploymentStarted(stack, deploymentId, commit, changes));
        }
        for (String service : byService.keySet().stream().sorted().toList()) {
            byService.get(service).forEach(this::stopAndRemove);
            publish(incoming, new ServiceRemoved(stack, deploymentId, commit, service));
        }
        StackResources.removeNetworks(engine, stack, Set.of());
        succeed(incoming, stack, deploymentId, commit, begin, changes, "removed");
    }

    private void applyStep(
            Envelope incoming, StackRef stack, String deploymentId, Commit commit, StackResources resources, Step step)
            throws StepFailure, InterruptedException {
        String name = stack.project() + "-" + step.service() + "-1";
        switch (step.action()) {
            case UNCHANGED -> {
                return;
            }
            case REMOVE -> {
                step.current().forEach(this::stopAndRemove);
                publish(incoming, new ServiceRemoved(stack, deploymentId, commit, step.service()));
                return;
            }
            case CREATE, REPLACE -> {
                // continues below
            }
        }
        ServiceSpec service = step.desired();
        List<ContainerInfo> old = step.current();
        ContainerSpec spec = resources.withVolumesOf(
                containerSpec(stack, deploymentId, commit, resources, name, step, service), old);
        // Stop-first: the old container frees its name and ports but is kept, so it can come back.
        for (ContainerInfo c : old) {
            engine.stop(c.id(), stopGrace(c));
            engine.rename(c.id(), c.name() + OLD_SUFFIX);
        }
        String created = null;
        try {
            created = engine.create(spec);
            engine.start(created);
            Duration took = gate(step.service(), created);
            log.info("healthy {} {} ({} s)", stack, step.service(), seconds(took));
        } catch (StepFailure | BerthException | InterruptedException e) {
            if (created != null) {
                engine.remove(created);
            }
            for (ContainerInfo c : old) {
                engine.rename(c.id(), c.name());
                // Back as it was: a container that had stopped on its own is not started by a failed replace.
                if (c.running()) {
                    engine.start(c.id());
                }
            }
            if (e instanceof StepFailure f) {
                throw f;
            }
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            if (e instanceof RetriableBerthException r) {
                // The engine went away mid-step; the old container is back, the change is applied again later.
                throw r;
            }
            throw new StepFailure(step.service(), "service \"" + step.service() + "\": " + e.getMessage(), "");
        }
        for (ContainerInfo c : old) {
            engine.remove(c.id());
        }
        BerthEvent done = step.action() == Step.Action.CREATE
                ? new ServiceDeployed(stack, deploymentId, commit, step.service(), service.image(), created)
                : new ServiceUpgraded(stack, deploymentId, commit, step.service(), service.image(), created);
        publish(incoming, done);
    }

    /** A failure whose first line is the reason and the rest (a build's output) the evidence. */
    private static StepFailure failure(BerthException e) {
        String message = String.valueOf(e.getMessage());
        int nl = message.indexOf('\n');
        return nl < 0
                ? new StepFailure(null, message, "")
                : new StepFailure(null, message.substring(0, nl), message.substring(nl + 1));
    }

    /** Stops a container as Compose does (its stop signal, then its grace period), then removes it. */
    private void stopAndRemove(ContainerInfo container) {
        if (container.running()) {
            engine.stop(container.id(), stopGrace(container));
        }
        engine.remove(container.id());
    }

    /** The grace period a running container asked for when Berth created it; Compose's 10 s otherwise. */
    private static Duration stopGrace(ContainerInfo container) {
        try {
            return Duration.ofSeconds(Long.parseLong(container.label(Labels.STOP_GRACE_PERIOD)));
        } catch (NumberFormatException e) {
            return DEFAULT_STOP_GRACE;
        }
    }

    private static ContainerSpec containerSpec(
            StackRef stack,
            String deploymentId,
            Commit commit,
            StackResources resources,
            String name,
            Step step,
            ServiceSpec service) {
        Map<String, String> labels = new LinkedHashMap<>(service.labels());
        labels.put(Labels.STACK, stack.key());
        labels.put(Labels.SERVICE, step.service());
        labels.put(Labels.REVISION, commit.sha());
        labels.put(Labels.CONFIG_HASH, step.configHash());
        labels.put(Labels.DEPLOYMENT, deploymentId);
        labels.put(Labels.COMPOSE_PROJECT, stack.project());
        labels.put(Labels.COMPOSE_SERVICE, step.service());
        labels.put(Labels.COMPOSE_NUMBER, "1");
        Duration grace = service.options().stopGracePeriod();
        if (grace != null) {
            labels.put(Labels.STOP_GRACE_PERIOD, String.valueOf(grace.toSeconds()));
        }
        return resources.containerSpec(name, service, labels);
    }

    /**
     * Waits until a started container passes: {@code healthy} when it has a health check, otherwise
     * running without a restart for the monitor period. Returns how long it took.
     */
    private Duration gate(String service, String id) throws StepFailure, InterruptedException {
        Instant start = clock.instant();
        Instant deadline = start.plus(config.healthTimeout());
        // A monitor period longer than the health timeout could never pass; the timeout bounds both.
        Duration monitor = config.monitorPeriod().compareTo(config.healthTimeout()) > 0
                ? config.healthTimeout()
                : config.monitorPeriod();
        while (true) {
            ContainerState state = engine.state(id);
            Instant now = clock.instant();
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
                    return Duration.between(start, now);
                }
                if (state.health().equals("unhealthy")) {
                    throw new StepFailure(
                            service,
                            "service \"" + service + "\" is unhealthy: its health check failed",
                            evidence(id, state));
                }
            } else if (!Duration.between(start, now).minus(monitor).isNegative()) {
                return Duration.between(start, now);
            }
            if (now.isAfter(deadline)) {
                throw new StepFailure(
                        service,
                        "service \"" + service + "\" did not turn healthy within "
                                + config.healthTimeout().toSeconds() + " s",
                        evidence(id, state));
            }
            Thread.sleep(GATE_POLL.toMillis());
        }
    }

    private String evidence(String id, ContainerState state) throws InterruptedException {
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

    /** The image id of a service's image, pulling it once when the engine lacks it. */
    private String requireImage(ServiceSpec service) throws StepFailure, InterruptedException {
        Optional<String> id = engine.imageId(service.image());
        if (id.isPresent()) {
            return id.get();
        }
        try {
            engine.pull(service.image(), config.pullTimeout());
        } catch (RetriableBerthException e) {
            throw e;
        } catch (BerthException e) {
            throw new StepFailure(
                    service.name(),
                    "image \"" + service.image() + "\" of service \"" + service.name()
                            + "\" is not on the engine and could not be pulled: " + e.getMessage()
                            + "; build or load it on the host, or fix the image name",
                    "");
        }
        return engine.imageId(service.image())
                .orElseThrow(() -> new StepFailure(
                        service.name(),
                        "image \"" + service.image() + "\" of service \"" + service.name()
                                + "\" is missing after its pull",
                        ""));
    }

    /** Publishes the success; logs {@code <verb> dev/demo @1a2b3c4 in 1.2 s} unless nothing changed. */
    private void succeed(
            Envelope incoming,
            StackRef stack,
            String id,
            Commit commit,
            Instant begin,
            List<String> changes,
            String verb) {
        Duration took = Duration.between(begin, clock.instant());
        publish(incoming, new DeploymentSucceeded(stack, id, commit, changes, took));
        if (!changes.isEmpty() || verb.equals("removed")) {
            log.info("{} {} @{} in {} s", verb, stack, commit.shortSha(), seconds(took));
        }
        record("succeeded", took);
    }

    private void fail(Envelope incoming, StackRef stack, String id, Commit commit, Instant begin, StepFailure f) {
        Duration took = Duration.between(begin, clock.instant());
        publish(incoming, new DeploymentFailed(stack, id, commit, f.service, f.getMessage(), f.evidence, took));
        log.info(
                "failed {} @{}: {}{}",
                stack,
                commit.shortSha(),
                f.getMessage(),
                f.evidence.isEmpty() ? "" : "\n" + f.evidence.indent(9).stripTrailing());
        record("failed", took);
    }

    /** {@code 1.4}, whatever the default locale. */
    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f", duration.toMillis() / 1000.0);
    }

    private void record(String outcome, Duration took) {
        Counter.builder("berth.deployments")
                .description("Deployments by outcome")
                .tag("outcome", outcome)
                .register(registry)
                .increment();
        duration.record(took);
    }

    private void publish(Envelope incoming, BerthEvent event) {
        publisher.publish(incoming.follow(source, clock, event));
    }
}
