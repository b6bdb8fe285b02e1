package dev.berth.deployer.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.BerthException;
import dev.berth.common.Commit;
import dev.berth.common.LogContext;
import dev.berth.common.RetriableBerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.compose.PortMapping;
import dev.berth.common.compose.PullPolicy;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.common.compose.UpdatePolicy;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentStarted;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventPublisher;
import dev.berth.common.event.ServiceDeployed;
import dev.berth.common.event.ServiceRemoved;
import dev.berth.common.event.ServiceRolledBack;
import dev.berth.common.event.ServiceUpgraded;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackRemoved;
import dev.berth.common.ops.Stages;
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
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one stack change to one engine: plan, check images and ports, then bring each service to
 * its desired replicas in dependency order (independent services at once, on the apply executor),
 * gating every new container on its health, and finally remove the services that left the stack.
 * Publishes every step, each text redacted of host secrets. Called from the consumer thread, one stack
 * at a time; the executor belongs to the caller.
 */
public final class StackApplier {
    private static final Logger log = LoggerFactory.getLogger("dev.berth.deployer");
    private static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
    private static final String OLD_SUFFIX = "-berth-old";
    private static final String NEW_SUFFIX = "-berth-new";
    private static final String FAILED_SUFFIX = "-berth-failed";
    // The outcomes berth.deployments counts.
    private static final String SUCCEEDED = "succeeded";
    private static final String FAILED = "failed";

    private final DockerEngine engine;
    private final EventPublisher publisher;
    private final DeployerConfig config;
    private final Clock clock;
    private final URI source;
    private final ConfigHash configHash;
    private final ComposeParser parser;
    private final MeterRegistry registry;
    private final Stages stages;
    private final Timer duration;
    private final ExecutorService executor;
    private final Gate gate;
    private final NamedContainers named;
    private final Hooks hooks;
    /** When this deployer last pulled each image (by {@code image@platform}), for refreshing pull policies. */
    private final Map<String, Instant> lastPulls = new ConcurrentHashMap<>();

    /**
     * @param executor runs the services of a deployment in parallel; owned (and shut down) by the caller
     */
    public StackApplier(
            DockerEngine engine,
            EventPublisher publisher,
            DeployerConfig config,
            Clock clock,
            URI source,
            ObjectMapper json,
            MeterRegistry registry,
            ExecutorService executor) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.source = Objects.requireNonNull(source, "source");
        this.configHash = new ConfigHash(json);
        this.parser = new ComposeParser(config.policy(), config.updateDefaults());
        this.registry = Objects.requireNonNull(registry, "registry");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.gate = new Gate(engine, clock, config.healthTimeout(), config.monitorPeriod());
        this.named = new NamedContainers(engine);
        this.hooks = new Hooks(
                engine, json, clock, line -> log.warn(config.hostVariables().redact(line)));
        this.stages = new Stages(registry);
        this.duration = Timer.builder("berth.deployment.duration")
                .description("Time from a deployment's start to its outcome")
                .register(registry);
        // Each series is exported at 0 from the start: Prometheus's increase() cannot see the first
        // increment of a series that appears at 1, so the deployment-failed and rollback alerts
        // would miss a deployer's first failure (an environment served without being named in the
        // configuration gets its rollback series at that first rollback).
        List.of(SUCCEEDED, FAILED).forEach(this::deployments);
        config.environments().forEach(this::rollbacks);
    }

    private Counter deployments(String outcome) {
        return Counter.builder("berth.deployments")
                .description("Deployments by outcome")
                .tag("outcome", outcome)
                .register(registry);
    }

    private Counter rollbacks(String environment) {
        return Counter.builder("berth.rollbacks")
                .description("Stacks put back on their last good revision after a failed gate")
                .tag("environment", environment)
                .register(registry);
    }

    /**
     * One deployment: the change it answers, the ids its events carry and, once the stack is parsed,
     * its resources (workspace, networks, volumes, built images).
     */
    private record Deployment(
            Envelope incoming,
            StackRef stack,
            String id,
            Commit commit,
            Instant begin,
            @Nullable StackResources resources,
            Terminal terminal) {
        Deployment(Envelope incoming, StackRef stack, String id, Commit commit, Instant begin, Terminal terminal) {
            this(incoming, stack, id, commit, begin, null, terminal);
        }

        Deployment with(StackResources prepared) {
            return new Deployment(incoming, stack, id, commit, begin, prepared, terminal);
        }

        StackResources requireResources() {
            return Objects.requireNonNull(resources, "resources are prepared before any container is made");
        }
    }

    /** What becomes of a deployment's terminal event ({@code deployment.succeeded} or {@code deployment.failed}). */
    public enum Terminal {
        /** Published by the applier as the deployment ends. */
        PUBLISH,
        /**
         * Handed back in {@link Result#terminal()}, unpublished: the caller writes it together with the
         * deployment's history entry, in one transaction.
         */
        RETURN
    }

    /**
     * How a deployment ended.
     *
     * @param reason the failure's reason (with the rollback's outcome), empty when it succeeded
     * @param terminal the deployment's terminal event when the caller asked for it back ({@link
     *     Terminal#RETURN}) instead of its publication; null when it was published
     */
    public record Result(
            String deploymentId,
            Kind kind,
            String reason,
            @Nullable Envelope terminal) {
        /** The outcomes a history tells apart. */
        public enum Kind {
            /** Nothing had to change. */
            UNCHANGED,
            /** Every changed service passed its gate. */
            SUCCEEDED,
            /** Failed before any container was touched. */
            FAILED,
            /** A gate failed and the stack went back to the last good revision. */
            ROLLED_BACK,
            /** A gate failed and there was no good revision to go back to (or going back failed too). */
            GATE_FAILED
        }

        public Result {
            Objects.requireNonNull(deploymentId, "deploymentId");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(reason, "reason");
        }

        /** The terminal event handed back; fails when it was published instead. */
        public Envelope requireTerminal() {
            return Objects.requireNonNull(terminal, "the terminal event was asked for back (Terminal.RETURN)");
        }
    }

    /** Brings the stack to the state {@code change} describes, without a revision to roll back to. */
    public Result apply(Envelope incoming, StackChanged change) throws InterruptedException {
        return apply(incoming, change, null, UUID.randomUUID().toString(), false, Terminal.PUBLISH);
    }

    /**
     * Brings the stack to the state {@code change} describes. When a gate fails, every service this
     * deployment changed goes back to {@code lastGood} (an ordinary apply of that desired state, one
     * service at a time in reverse dependency order), each restored service is published as
     * {@code service.rolledback}, and the one {@code deployment.failed} says so.
     *
     * @param lastGood the desired state of the last good revision; null when there is none
     * @param deploymentId the id every event of this deployment carries
     */
    public Result apply(Envelope incoming, StackChanged change, @Nullable StackChanged lastGood, String deploymentId)
            throws InterruptedException {
        return apply(incoming, change, lastGood, deploymentId, true, Terminal.PUBLISH);
    }

    /**
     * As {@link #apply(Envelope, StackChanged, StackChanged, String)}, with the terminal event published
     * or handed back as {@code terminal} says.
     */
    public Result apply(
            Envelope incoming,
            StackChanged change,
            @Nullable StackChanged lastGood,
            String deploymentId,
            Terminal terminal)
            throws InterruptedException {
        return apply(incoming, change, lastGood, deploymentId, true, terminal);
    }

    /** @param tracked false without a history: a failure then says nothing about rolling back */
    private Result apply(
            Envelope incoming,
            StackChanged change,
            @Nullable StackChanged lastGood,
            String deploymentId,
            boolean tracked,
            Terminal terminal)
            throws InterruptedException {
        // Every log line of the deployment, on this thread and the rollout's, carries its id.
        try (LogContext context = LogContext.of(LogContext.DEPLOYMENT, deploymentId)) {
            return applyAs(incoming, change, lastGood, deploymentId, tracked, terminal);
        }
    }

    private Result applyAs(
            Envelope incoming,
            StackChanged change,
            @Nullable StackChanged lastGood,
            String deploymentId,
            boolean tracked,
            Terminal terminal)
            throws InterruptedException {
        engine.requireReachable();
        StackRef stack = change.stack();
        Deployment d = new Deployment(incoming, stack, deploymentId, change.commit(), clock.instant(), terminal);
        Planned planned;
        try {
            planned = plan(d, change);
        } catch (StepFailure f) {
            return fail(d, f, Result.Kind.FAILED);
        } catch (ComposeException e) {
            return fail(d, new StepFailure(null, e.getMessage(), ""), Result.Kind.FAILED);
        } catch (RetriableBerthException e) {
            throw e;
        } catch (BerthException e) {
            return fail(d, failure(e), Result.Kind.FAILED);
        }
        d = planned.deployment();
        List<Step> steps = planned.steps();
        List<String> changes = steps.stream()
                .filter(s -> s.action() != Step.Action.UNCHANGED)
                .map(Step::describe)
                .toList();
        if (changes.isEmpty()) {
            info("up to date " + stack + " @" + d.commit().shortSha() + " ("
                    + Duration.between(d.begin(), clock.instant()).toMillis() + " ms)");
            return succeed(d, List.of(), "deployed", Result.Kind.UNCHANGED);
        }
        info("deploying " + stack + " @" + d.commit().shortSha() + ": " + String.join(", ", changes));
        publish(d, new DeploymentStarted(stack, d.id(), d.commit(), changes));
        Set<String> oneShot = Planner.completionTargets(planned.desired());
        Deployment prepared = d;
        Rollout.Outcome outcome;
        try (ContainerWatch watch = ContainerWatch.open(engine, stack, clock)) {
            d.requireResources().createNetworksAndVolumes();
            outcome = new Rollout(
                            executor,
                            (step, progress) ->
                                    applyStep(prepared, watch, step, oneShot.contains(step.service()), progress),
                            event -> publish(prepared, event))
                    .run(steps);
            outcome = awaitStays(watch, outcome);
            if (outcome.succeeded()) {
                // Services that left the stack go once the new ones are up, dependents first.
                for (Step step : steps) {
                    if (step.action() == Step.Action.REMOVE) {
                        step.remove().forEach(this::stopAndRemove);
                        publish(d, new ServiceRemoved(stack, d.id(), d.commit(), step.service()));
                    }
                }
                StackResources.removeNetworks(
                        engine, stack, d.requireResources().networkNames());
            }
        } catch (RetriableBerthException e) {
            throw e;
        } catch (BerthException e) {
            return fail(d, failure(e), Result.Kind.FAILED);
        }
        if (!outcome.succeeded()) {
            // Without a history, or when a failed service's failure_action (pause, continue) asked to keep
            // what passed, there is no whole-stack rollback: the failed replicas were put back by their step.
            boolean keeps = outcome.failures().stream()
                    .map(StepFailure::service)
                    .filter(Objects::nonNull)
                    .flatMap(name -> planned.desired().service(name).stream())
                    .anyMatch(spec -> spec.update().failureAction() != UpdatePolicy.FailureAction.ROLLBACK);
            if (!tracked || keeps) {
                return fail(d, summary(outcome), Result.Kind.GATE_FAILED);
            }
            return rollBack(d, steps, outcome, lastGood);
        }
        return succeed(d, changes, "deployed", Result.Kind.SUCCEEDED);
    }

    /** A parsed, prepared and planned deployment. */
    private record Planned(Deployment deployment, ComposeStack desired, List<Step> steps) {}

    /** Parses the change, prepares its resources (files, built images) and plans it against the engine. */
    private Planned plan(Deployment d, StackChanged change) throws StepFailure, InterruptedException {
        // Deployer mode: variables the environment and .env leave unset come from this host.
        ComposeStack desired = parser.parse(
                change.composeFile(), change.compose(), change.variables(), change.files(), config.hostVariables());
        // Before anything is touched: what this engine is too old to apply, and names another owner may hold.
        EngineRequirements.check(desired, change.composeFile(), engine.apiVersion());
        List<ContainerInfo> claimed = named.claim(d.stack(), desired, config.adopt(), this::info);
        d = d.with(StackResources.prepare(engine, config, clock, change, desired, this::info));
        d.requireResources().checkExistingVolumes(config.policy());
        desired = d.requireResources().buildImages();
        // One listing: the labels carry what the planner needs (service, number, config hash).
        List<ContainerInfo> current =
                NamedContainers.merge(engine.containers(Labels.STACK, d.stack().key()), claimed);
        Map<String, String> hashes = hashes(desired, d.requireResources());
        List<Step> steps = Planner.plan(d.stack().project(), desired, hashes, current, completed(desired, current));
        if (steps.stream().anyMatch(s -> !s.create().isEmpty() || !s.replace().isEmpty())) {
            checkPorts(d.stack(), desired);
        }
        return new Planned(d, desired, steps);
    }

    /**
     * After a failed gate: puts every service the deployment changed back to {@code lastGood}, then
     * publishes the deployment's one failure. Without a last good revision, only the failed replicas
     * were put back (by their own step).
     */
    private Result rollBack(Deployment d, List<Step> steps, Rollout.Outcome outcome, @Nullable StackChanged lastGood)
            throws InterruptedException {
        StepFailure failed = summary(outcome);
        if (lastGood == null) {
            return fail(
                    d,
                    new StepFailure(
                            failed.service(),
                            failed.reason() + "; there was no good revision to roll back to, so only the failed"
                                    + " service was put back as it was",
                            failed.evidence()),
                    Result.Kind.GATE_FAILED);
        }
        // What this deployment touched: its changed services, except those a failed dependency kept from starting.
        List<String> touched = steps.stream()
                .filter(s -> s.action() != Step.Action.UNCHANGED && s.action() != Step.Action.REMOVE)
                .map(Step::service)
                .filter(service -> !outcome.skipped().contains(service))
                .toList();
        String target = lastGood.commit().shortSha();
        info("rolling back " + d.stack() + " @" + d.commit().shortSha() + " to @" + target + ": "
                + String.join(", ", touched));
        try {
            restore(d, lastGood, touched);
        } catch (StepFailure f) {
            return fail(
                    d,
                    new StepFailure(
                            failed.service(),
                            failed.reason() + "; rolling back to " + target + " failed too: " + f.reason(),
                            failed.evidence() + (f.evidence().isEmpty() ? "" : "\n" + f.evidence())),
                    Result.Kind.GATE_FAILED);
        } catch (RetriableBerthException e) {
            throw e;
        } catch (BerthException e) {
            return fail(
                    d,
                    new StepFailure(
                            failed.service(),
                            failed.reason() + "; rolling back to " + target + " failed too: " + e.getMessage(),
                            failed.evidence()),
                    Result.Kind.GATE_FAILED);
        }
        return fail(
                d,
                new StepFailure(
                        failed.service(),
                        failed.reason() + "; the stack was rolled back to " + target + " ("
                                + lastGood.commit().subjectLine() + ")",
                        failed.evidence()),
                Result.Kind.ROLLED_BACK,
                lastGood.commit().sha());
    }

    /**
     * Applies the last good desired state again under the failed deployment's id: services the failed
     * revision added go first, then the changed ones one at a time, dependents before their
     * dependencies. A service whose containers still carry the old config hash is left alone.
     * Publishes {@code service.rolledback} for each service in {@code touched}.
     */
    private void restore(Deployment failed, StackChanged lastGood, List<String> touched)
            throws StepFailure, InterruptedException {
        Deployment r = new Deployment(
                failed.incoming(), failed.stack(), failed.id(), lastGood.commit(), failed.begin(), failed.terminal());
        Planned planned = plan(r, lastGood);
        Deployment d = planned.deployment();
        Set<String> oneShot = Planner.completionTargets(planned.desired());
        List<Step> steps = planned.steps();
        try (ContainerWatch watch = ContainerWatch.open(engine, d.stack(), clock)) {
            d.requireResources().createNetworksAndVolumes();
            for (Step step : steps) {
                if (step.action() == Step.Action.REMOVE) {
                    step.remove().forEach(this::stopAndRemove);
                    publish(d, new ServiceRemoved(d.stack(), d.id(), d.commit(), step.service()));
                }
            }
            Rollout.Progress quiet = new Rollout.Progress() {
                @Override
                public void started() {}

                @Override
                public void publish(BerthEvent event) {}
            };
            for (Step step : reversed(steps)) {
                if (step.action() != Step.Action.UNCHANGED && step.action() != Step.Action.REMOVE) {
                    applyStep(d, watch, step, oneShot.contains(step.service()), quiet);
                }
            }
        }
        List<ContainerInfo> now = engine.containers(Labels.STACK, d.stack().key());
        for (Step step : reversed(steps)) {
            ServiceSpec spec = step.desired();
            if (!touched.contains(step.service()) || spec == null || spec.replicas() == 0) {
                continue;
            }
            String container = now.stream()
                    .filter(c -> c.label(Labels.SERVICE).equals(step.service()))
                    .min(Comparator.comparingInt(Planner::number))
                    .map(ContainerInfo::id)
                    .orElse("");
            publish(d, new ServiceRolledBack(d.stack(), d.id(), d.commit(), step.service(), imageOf(spec), container));
        }
        StackResources.removeNetworks(engine, d.stack(), d.requireResources().networkNames());
    }

    private static List<Step> reversed(List<Step> steps) {
        List<Step> copy = new ArrayList<>(steps);
        Collections.reverse(copy);
        return copy;
    }

    /**
     * The failure of a deployment that touched nothing (a rollback to an unknown revision), handed back
     * unpublished in {@link Result#terminal()}.
     */
    public Result reject(Envelope incoming, StackRef stack, Commit commit, String reason) {
        Deployment d =
                new Deployment(incoming, stack, UUID.randomUUID().toString(), commit, clock.instant(), Terminal.RETURN);
        return fail(d, new StepFailure(null, reason, ""), Result.Kind.FAILED);
    }

    /**
     * The one terminal event of a deployment whose deployer stopped before it ended (found by the worker
     * that took the stack over): a {@code deployment.failed} under its own id, handed back unpublished in
     * {@link Result#terminal()}.
     */
    public Result interrupted(Envelope incoming, StackRef stack, Commit commit, String deploymentId, String reason) {
        Deployment d = new Deployment(incoming, stack, deploymentId, commit, clock.instant(), Terminal.RETURN);
        return fail(d, new StepFailure(null, reason, ""), Result.Kind.FAILED);
    }

    /** Removes every container of the stack, dependents first, then its network. Named volumes stay. */
    public void remove(Envelope incoming, StackRemoved removal) throws InterruptedException {
        remove(incoming, removal, UUID.randomUUID().toString(), Terminal.PUBLISH);
    }

    /**
     * Removes every container of the stack, dependents first, then its network, as deployment
     * {@code deploymentId}; the terminal event is published or handed back as {@code terminal} says.
     */
    public Result remove(Envelope incoming, StackRemoved removal, String deploymentId, Terminal terminal)
            throws InterruptedException {
        try (LogContext context = LogContext.of(LogContext.DEPLOYMENT, deploymentId)) {
            return removeAs(incoming, removal, deploymentId, terminal);
        }
    }

    private Result removeAs(Envelope incoming, StackRemoved removal, String deploymentId, Terminal terminal)
            throws InterruptedException {
        engine.requireReachable();
        StackRef stack = removal.stack();
        Deployment d = new Deployment(incoming, stack, deploymentId, removal.commit(), clock.instant(), terminal);
        List<Step> steps = Planner.plan(
                stack.project(), new ComposeStack(List.of()), Map.of(), engine.containers(Labels.STACK, stack.key()));
        List<String> changes = steps.stream().map(Step::describe).toList();
        if (!changes.isEmpty()) {
            info("removing " + stack + " @" + d.commit().shortSha() + ": " + String.join(", ", changes));
            publish(d, new DeploymentStarted(stack, d.id(), d.commit(), changes));
        }
        for (Step step : steps) {
            step.remove().forEach(this::stopAndRemove);
            publish(d, new ServiceRemoved(stack, d.id(), d.commit(), step.service()));
        }
        StackResources.removeNetworks(engine, stack, Set.of());
        return succeed(d, changes, "removed", Result.Kind.SUCCEEDED);
    }

    /**
     * The config hash of each service that runs at least one replica. Image ids are looked up once
     * per image name and deployment, pulling an image the engine lacks.
     */
    private Map<String, String> hashes(ComposeStack desired, StackResources resources)
            throws StepFailure, InterruptedException {
        Map<String, String> imageIds = new HashMap<>();
        Map<String, String> hashes = new LinkedHashMap<>();
        for (ServiceSpec service : desired.services()) {
            if (service.replicas() == 0) {
                continue;
            }
            String image = imageOf(service);
            String imageId = imageIds.get(image);
            if (imageId == null) {
                imageId = requireImage(service);
                imageIds.put(image, imageId);
            }
            // Files the container reads (bind mounts, secrets, configs) count as its config.
            hashes.put(
                    service.name(),
                    configHash.of(service, imageId + resources.filesDigest(service), resources.networkNames(service)));
        }
        return hashes;
    }

    /**
     * The stopped containers of one-shot services ({@link ComposeStack#oneShotServices}) that exited 0:
     * they are done, not to be run again.
     */
    private Set<String> completed(ComposeStack desired, List<ContainerInfo> current) {
        Set<String> oneShot = desired.oneShotServices();
        Set<String> done = new HashSet<>();
        for (ContainerInfo c : current) {
            if (!c.running() && oneShot.contains(c.label(Labels.SERVICE))) {
                ContainerState state = engine.state(c.id());
                if (!state.restarting() && state.exitCode() == 0) {
                    done.add(c.id());
                }
            }
        }
        return done;
    }

    /**
     * Fails before anything is touched when a fixed host port of the stack is published by a
     * container of another stack of the same environment.
     */
    private void checkPorts(StackRef stack, ComposeStack desired) throws StepFailure {
        List<DockerEngine.PublishedPort> others = engine.publishedPorts(Labels.STACK).stream()
                .filter(p -> {
                    String owner = p.labels().getOrDefault(Labels.STACK, "");
                    return owner.startsWith(stack.environment() + "/") && !owner.equals(stack.key());
                })
                .toList();
        if (others.isEmpty()) {
            return;
        }
        for (ServiceSpec service : desired.services()) {
            if (service.replicas() == 0) {
                continue;
            }
            for (PortMapping port : service.ports()) {
                if (port.hostPort() == null || port.hostPortEnd() != null) {
                    continue;
                }
                for (DockerEngine.PublishedPort used : others) {
                    if (used.port() == port.hostPort()
                            && used.protocol().equalsIgnoreCase(port.protocol())
                            && sameAddress(port.hostIp(), used.hostIp())) {
                        throw new StepFailure(
                                service.name(),
                                "stack " + stack + ": service \"" + service.name() + "\" publishes port "
                                        + port.hostPort() + (port.protocol().equals("tcp") ? "" : "/" + port.protocol())
                                        + ", already used by " + used.labels().get(Labels.STACK)
                                        + "; publish another host port, or free it in the other stack first",
                                "");
                    }
                }
            }
        }
    }

    /** True when two host addresses can collide: equal, or either is every address. */
    private static boolean sameAddress(String wanted, String used) {
        Set<String> any = Set.of("", "0.0.0.0", "::");
        return any.contains(wanted) || any.contains(used) || wanted.equals(used);
    }

    /**
     * A rollout that succeeded is good only once every new container with a health check stayed up
     * through its stability window (which ran while the later services started); else it failed.
     */
    private Rollout.Outcome awaitStays(ContainerWatch watch, Rollout.Outcome outcome) throws InterruptedException {
        if (!outcome.succeeded()) {
            return outcome;
        }
        try {
            gate.awaitStays(watch, id -> {
                watch.unfollow(id);
                engine.remove(id);
            });
            return outcome;
        } catch (StepFailure f) {
            return new Rollout.Outcome(List.of(f), List.of());
        }
    }

    /** Applies one service's step on an apply thread: scale down, replace one at a time, create the missing. */
    private void applyStep(Deployment d, ContainerWatch watch, Step step, boolean oneShot, Rollout.Progress progress)
            throws StepFailure, InterruptedException {
        ServiceSpec service = Objects.requireNonNull(step.desired());
        if (step.action() == Step.Action.UNCHANGED) {
            // A dependency that did not change, waited for with service_healthy: it must be healthy now.
            for (ContainerInfo c :
                    step.current().stream().filter(ContainerInfo::running).toList()) {
                gate.await(
                        step.service(),
                        c.id(),
                        Gate.Kind.CHECK,
                        clock.instant(),
                        watch,
                        watch.follow(c.id()),
                        gate.rule(service));
                watch.unfollow(c.id());
            }
            return;
        }
        Gate.Kind kind = oneShot ? Gate.Kind.COMPLETED : Gate.Kind.READY;
        step.remove().forEach(this::stopAndRemove);
        Map<Integer, String> fresh = new TreeMap<>(replaceReplicas(d, watch, step, kind));
        fresh.putAll(createReplicas(d, watch, step, kind, progress));
        BerthEvent done;
        if (step.replicas() == 0) {
            done = new ServiceRemoved(d.stack(), d.id(), d.commit(), step.service());
        } else {
            String container = fresh.isEmpty()
                    ? remaining(step)
                    : fresh.values().iterator().next();
            done = step.action() == Step.Action.CREATE
                    ? new ServiceDeployed(d.stack(), d.id(), d.commit(), step.service(), imageOf(service), container)
                    : new ServiceUpgraded(d.stack(), d.id(), d.commit(), step.service(), imageOf(service), container);
        }
        progress.publish(done);
    }

    /** The id of the lowest-numbered container a scale-down leaves. */
    private static String remaining(Step step) {
        return step.current().stream()
                .filter(c -> !step.remove().contains(c))
                .min(Comparator.comparingInt(Planner::number))
                .map(ContainerInfo::id)
                .orElse("");
    }

    /**
     * One replica being replaced: its old container, and the new one started for it.
     *
     * @param startFirst true when the new container runs beside the old one under a temporary name;
     *     false when the old one was stopped and renamed aside first
     */
    private record Replacement(ContainerInfo old, int number, String created, Instant since, boolean startFirst) {}

    /**
     * Replaces a service's replicas as its {@code update_config} says: in batches of
     * {@code parallelism}, {@code delay} apart, start-first when asked and no fixed host port stands in
     * the way, else stop-first (the old container stopped and kept aside until the new one passes, so
     * putting it back is a restart). A failure beyond {@code max_failure_ratio} rolls back the batch,
     * pauses the update or, with {@code continue}, fails the step once every batch ran. Returns the new
     * container ids by number.
     */
    private Map<Integer, String> replaceReplicas(Deployment d, ContainerWatch watch, Step step, Gate.Kind kind)
            throws StepFailure, InterruptedException {
        ServiceSpec service = Objects.requireNonNull(step.desired());
        UpdatePolicy policy = service.update();
        List<ContainerInfo> olds = step.replace();
        Map<Integer, String> fresh = new TreeMap<>();
        if (olds.isEmpty()) {
            return fresh;
        }
        boolean startFirst = policy.order() == UpdatePolicy.Order.START_FIRST && canStartFirst(service);
        if (policy.order() == UpdatePolicy.Order.START_FIRST && service.containerName() != null) {
            info("replacing " + d.stack() + " " + step.service() + " stop-first: its container_name \""
                    + service.containerName() + "\" names one container, so the new one takes it once the old one"
                    + " is stopped and renamed aside");
        } else if (policy.order() == UpdatePolicy.Order.START_FIRST && !startFirst) {
            info("replacing " + d.stack() + " " + step.service() + " stop-first: it publishes a fixed host port"
                    + " (or uses the host's network), which two containers cannot share");
        }
        int total = olds.size();
        int batch = policy.batchSize(total);
        List<StepFailure> failed = new ArrayList<>();
        for (int first = 0; first < total; first += batch) {
            if (first > 0 && !policy.delay().isZero()) {
                Thread.sleep(policy.delay().toMillis());
            }
            List<ContainerInfo> group = olds.subList(first, Math.min(first + batch, total));
            List<ContainerInfo> aside = new ArrayList<>();
            List<Replacement> started = new ArrayList<>();
            Map<Replacement, StepFailure> failures = new LinkedHashMap<>();
            try {
                if (!startFirst) {
                    // Stop-first: the old containers free their names and ports but are kept aside, so they
                    // come back as they were when the new ones fail. All first, so the batch starts together.
                    for (ContainerInfo old : group) {
                        preStop(old.id(), old.name(), old.label(Labels.PRE_STOP), stopGrace(old));
                        engine.stop(old.id(), stopGrace(old));
                        engine.rename(old.id(), old.name() + OLD_SUFFIX);
                        aside.add(old);
                    }
                }
                for (ContainerInfo old : group) {
                    int number = Planner.number(old);
                    // Start-first: the new container runs beside the old one under a temporary name.
                    String created = createAndStart(d, watch, step, number, List.of(old), startFirst ? NEW_SUFFIX : "");
                    started.add(new Replacement(old, number, created, clock.instant(), startFirst));
                    aside.remove(old);
                }
                // Started together: each one's gate counts from its own start.
                for (Replacement r : started) {
                    try {
                        awaitGate(d, watch, step, r.created(), r.number(), kind, r.since());
                    } catch (StepFailure f) {
                        failures.put(r, f);
                    }
                }
            } catch (BerthException | InterruptedException e) {
                for (Replacement r : started) {
                    revert(watch, service, r);
                }
                aside.forEach(this::restoreOld);
                throw asFailure(step, e);
            }
            failed.addAll(failures.values());
            boolean tolerated = policy.tolerates(failed.size(), total);
            if (!tolerated && policy.failureAction() == UpdatePolicy.FailureAction.ROLLBACK) {
                for (Replacement r : started) {
                    revert(watch, service, r);
                }
                throw failed.get(0);
            }
            for (Replacement r : started) {
                if (failures.containsKey(r)) {
                    revert(watch, service, r);
                } else {
                    fresh.put(r.number(), finishReplacement(d, step, r));
                }
            }
            if (!tolerated && policy.failureAction() == UpdatePolicy.FailureAction.PAUSE) {
                StepFailure cause = failed.get(0);
                throw new StepFailure(
                        step.service(),
                        "service \"" + step.service() + "\": update paused (failure_action: pause) after a replica"
                                + " failed its gate: " + cause.reason() + "; " + fresh.size() + " of " + total
                                + " replicas run the new revision, the others the previous one",
                        cause.evidence());
            }
        }
        if (!failed.isEmpty()) {
            StepFailure cause = failed.get(0);
            String counted = failed.size() + " of " + total + " replicas of \"" + step.service()
                    + "\" failed their gate and run the previous revision";
            if (!policy.tolerates(failed.size(), total)) {
                throw new StepFailure(
                        step.service(),
                        "service \"" + step.service() + "\": " + counted + ", more than max_failure_ratio "
                                + policy.maxFailureRatio() + " allows: " + cause.reason(),
                        cause.evidence());
            }
            info(counted + ", within max_failure_ratio " + policy.maxFailureRatio() + ": " + cause.reason());
        }
        return fresh;
    }

    /**
     * False when two containers of the service cannot run at once: a fixed host port, the host's network,
     * or a {@code container_name}, which the new container must take from the old one.
     */
    private static boolean canStartFirst(ServiceSpec service) {
        return service.containerName() == null
                && !service.publishesFixedHostPort()
                && !"host".equals(service.options().networkMode());
    }

    /** The new container passed: the old one goes, and a start-first container takes the replica's name. */
    private String finishReplacement(Deployment d, Step step, Replacement r) {
        if (r.startFirst()) {
            stopAndRemove(r.old());
            engine.rename(
                    r.created(),
                    Planner.containerName(d.stack().project(), Objects.requireNonNull(step.desired()), r.number()));
        } else {
            engine.remove(r.old().id());
        }
        return r.created();
    }

    /**
     * The new container failed: it goes, and the old one is as it was (restarted if it was stopped for
     * it). Stop-first, the old one is back before the failed one is removed: the failed one is killed
     * (freeing its ports) and renamed out of the way, the old one takes its name back and starts, and
     * only then is the failed one removed, so the service is down for a kill, two renames and a start.
     */
    private void revert(ContainerWatch watch, ServiceSpec service, Replacement r) {
        watch.unfollow(r.created());
        preStopIfRunning(r.created(), service);
        if (r.startFirst()) {
            engine.remove(r.created());
            return;
        }
        engine.stop(r.created(), Duration.ZERO);
        engine.rename(r.created(), r.old().name() + FAILED_SUFFIX);
        restoreOld(r.old());
        engine.remove(r.created());
    }

    private void restoreOld(ContainerInfo old) {
        engine.rename(old.id(), old.name());
        // Back as it was: a container that had stopped on its own is not started by a failed replace.
        if (old.running()) {
            engine.start(old.id());
        }
    }

    /**
     * Creates and starts the missing replicas together, then waits for each; when one fails, every
     * replica created here goes. Returns the new ids by number.
     */
    private Map<Integer, String> createReplicas(
            Deployment d, ContainerWatch watch, Step step, Gate.Kind kind, Rollout.Progress progress)
            throws StepFailure, InterruptedException {
        Map<Integer, String> created = new LinkedHashMap<>();
        Map<Integer, Instant> since = new HashMap<>();
        try {
            for (int number : step.create()) {
                created.put(number, createAndStart(d, watch, step, number, List.of(), ""));
                since.put(number, clock.instant());
            }
            progress.started();
            // They start together, so each one's gate counts from its own start, not from the previous gate.
            for (Map.Entry<Integer, String> replica : created.entrySet()) {
                awaitGate(d, watch, step, replica.getValue(), replica.getKey(), kind, since.get(replica.getKey()));
            }
        } catch (StepFailure | BerthException | InterruptedException e) {
            ServiceSpec service = Objects.requireNonNull(step.desired());
            for (String id : created.values()) {
                watch.unfollow(id);
                preStopIfRunning(id, service);
                engine.remove(id);
            }
            throw asFailure(step, e);
        }
        return created;
    }

    /**
     * @param previous the container this one replaces, whose anonymous volumes it keeps (as Compose does)
     * @param suffix added to the replica's name while it runs beside the one it replaces; empty otherwise
     */
    private String createAndStart(
            Deployment d, ContainerWatch watch, Step step, int number, List<ContainerInfo> previous, String suffix) {
        ContainerSpec spec = containerSpec(d, step, number);
        if (!suffix.isEmpty()) {
            spec = new ContainerSpec(
                    spec.name() + suffix,
                    spec.service(),
                    spec.labels(),
                    spec.networks(),
                    spec.networkMode(),
                    spec.mounts(),
                    spec.links(),
                    spec.volumesFrom());
        }
        String id = engine.create(d.requireResources().withVolumesOf(spec, previous));
        watch.follow(id);
        try {
            engine.start(id);
        } catch (RuntimeException e) {
            // Never left Created: the engine's refusal (the evidence) goes on in the failure.
            watch.unfollow(id);
            try {
                engine.remove(id);
            } catch (BerthException removal) {
                e.addSuppressed(removal);
            }
            throw e;
        }
        return id;
    }

    private void awaitGate(
            Deployment d, ContainerWatch watch, Step step, String id, int number, Gate.Kind kind, Instant since)
            throws StepFailure, InterruptedException {
        try {
            ServiceSpec service = Objects.requireNonNull(step.desired());
            Gate.Rule rule = gate.rule(service);
            if (!service.postStart().isEmpty()) {
                hooks.postStart(step.service(), id, service.postStart(), rule.timeout());
            }
            Gate.Pass pass = gate.await(step.service(), id, kind, since, watch, watch.follow(id), rule);
            String replica = step.replicas() > 1 ? step.service() + "-" + number : step.service();
            info((pass.completed() ? "completed " : "healthy ") + d.stack() + " " + replica + " ("
                    + seconds(pass.took()) + " s)");
        } finally {
            watch.unfollow(id);
        }
    }

    /**
     * What a failed replica fails the step with: a failure as it is, an engine refusal as a failure of
     * the service; interrupts and an engine that went away (the change is applied again later) go on.
     */
    private static StepFailure asFailure(Step step, Exception e) throws InterruptedException {
        if (e instanceof InterruptedException interrupted) {
            throw interrupted;
        }
        if (e instanceof RetriableBerthException retriable) {
            throw retriable;
        }
        if (e instanceof StepFailure failure) {
            return failure;
        }
        return new StepFailure(step.service(), "service \"" + step.service() + "\": " + e.getMessage(), "");
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
            preStop(container.id(), container.name(), container.label(Labels.PRE_STOP), stopGrace(container));
            engine.stop(container.id(), stopGrace(container));
        }
        engine.remove(container.id());
    }

    /**
     * Runs a container's {@code pre_stop} hooks before Berth stops it, within its grace period; the stop
     * goes on whatever they do. An interrupt skips what is left of them and stays set for the caller.
     */
    private void preStop(String id, String name, String label, Duration grace) {
        try {
            hooks.preStop(id, name, label, grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A new container of {@code service} that failed goes: its {@code pre_stop} hooks run first when it
     * still runs (one that exited or never started has nothing to run them in).
     */
    private void preStopIfRunning(String id, ServiceSpec service) {
        String label = hooks.label(service);
        if (label.isEmpty()) {
            return;
        }
        try {
            if (!engine.state(id).running()) {
                return;
            }
        } catch (RuntimeException e) {
            // Gone or unreadable: there is nothing to run the hooks in, and it is removed next either way.
            return;
        }
        preStop(id, service.name() + " (new)", label, stopGrace(service));
    }

    /** The grace period a service's containers are stopped with: its stop_grace_period, or Compose's 10 s. */
    private static Duration stopGrace(ServiceSpec service) {
        Duration grace = service.options().stopGracePeriod();
        return grace == null ? DEFAULT_STOP_GRACE : grace;
    }

    /** The grace period a running container asked for when Berth created it; Compose's 10 s otherwise. */
    private static Duration stopGrace(ContainerInfo container) {
        try {
            return Duration.ofSeconds(Long.parseLong(container.label(Labels.STOP_GRACE_PERIOD)));
        } catch (NumberFormatException e) {
            return DEFAULT_STOP_GRACE;
        }
    }

    private ContainerSpec containerSpec(Deployment d, Step step, int number) {
        ServiceSpec service = Objects.requireNonNull(step.desired());
        StackRef stack = d.stack();
        Map<String, String> labels = new LinkedHashMap<>(service.labels());
        labels.put(Labels.STACK, stack.key());
        labels.put(Labels.SERVICE, step.service());
        labels.put(Labels.REVISION, d.commit().sha());
        labels.put(Labels.CONFIG_HASH, step.configHash());
        labels.put(Labels.DEPLOYMENT, d.id());
        labels.put(Labels.COMPOSE_PROJECT, stack.project());
        labels.put(Labels.COMPOSE_SERVICE, step.service());
        labels.put(Labels.COMPOSE_NUMBER, String.valueOf(number));
        if (!service.dependsOn().isEmpty()) {
            labels.put(Labels.DEPENDS_ON, Planner.dependsOnLabel(service));
        }
        Duration grace = service.options().stopGracePeriod();
        if (grace != null) {
            labels.put(Labels.STOP_GRACE_PERIOD, String.valueOf(grace.toSeconds()));
        }
        String preStop = hooks.label(service);
        if (!preStop.isEmpty()) {
            labels.put(Labels.PRE_STOP, preStop);
        }
        return d.requireResources()
                .containerSpec(Planner.containerName(stack.project(), service, number), service, labels);
    }

    /** The image a service runs. */
    private static String imageOf(ServiceSpec service) {
        return Objects.requireNonNull(service.image(), () -> "service " + service.name() + " has no image");
    }

    /**
     * The image id of a service's image, pulled as its {@code pull_policy} says: {@code missing} (the
     * default, and {@code build}, whose image the deployer built) when the engine lacks it,
     * {@code always} at each deployment, {@code daily}/{@code weekly}/{@code every_<duration>} when this
     * deployer last pulled it longer ago than that (or never), {@code never} not at all.
     */
    private String requireImage(ServiceSpec service) throws StepFailure, InterruptedException {
        String image = imageOf(service);
        PullPolicy policy = service.pull();
        Optional<String> id = engine.imageId(image);
        boolean pull = switch (policy.mode()) {
            case ALWAYS -> true;
            case NEVER -> false;
            case MISSING, BUILD -> id.isEmpty();
            case REFRESH -> id.isEmpty() || due(image, service.platform(), Objects.requireNonNull(policy.every()));
        };
        if (!pull) {
            return id.orElseThrow(() -> new StepFailure(
                    service.name(),
                    "image \"" + image + "\" of service \"" + service.name() + "\" is not on the engine, and its"
                            + " pull_policy is never: load it on the host, or change the pull_policy",
                    ""));
        }
        try {
            engine.pull(image, service.platform(), config.pullTimeout());
            lastPulls.put(image + "@" + service.platform(), clock.instant());
        } catch (RetriableBerthException e) {
            throw e;
        } catch (BerthException e) {
            if (id.isPresent() && policy.mode() == PullPolicy.Mode.REFRESH) {
                // A refresh that fails keeps the image the engine has, as a stale cache would.
                info("pulling " + image + " for service " + service.name() + " failed, keeping the local image: "
                        + e.getMessage());
                return id.get();
            }
            throw new StepFailure(
                    service.name(),
                    "image \"" + image + "\" of service \"" + service.name() + "\" could not be pulled"
                            + (policy.mode() == PullPolicy.Mode.ALWAYS ? " (pull_policy always)" : "") + ": "
                            + e.getMessage() + "; build or load it on the host, or fix the image name",
                    "");
        }
        return engine.imageId(image)
                .orElseThrow(() -> new StepFailure(
                        service.name(),
                        "image \"" + image + "\" of service \"" + service.name() + "\" is missing after its pull",
                        ""));
    }

    /** True when this deployer never pulled {@code image} for {@code platform}, or did so {@code every} ago or more. */
    private boolean due(String image, @Nullable String platform, Duration every) {
        Instant last = lastPulls.get(image + "@" + platform);
        return last == null || !clock.instant().isBefore(last.plus(every));
    }

    /** The first failure, with the others and the services they kept from starting as evidence. */
    private static StepFailure summary(Rollout.Outcome outcome) {
        StepFailure first = outcome.failures().get(0);
        StringBuilder evidence = new StringBuilder(first.evidence());
        for (StepFailure other :
                outcome.failures().subList(1, outcome.failures().size())) {
            evidence.append(evidence.isEmpty() ? "" : "\n")
                    .append("also failed: ")
                    .append(other.reason());
        }
        if (!outcome.skipped().isEmpty()) {
            evidence.append(evidence.isEmpty() ? "" : "\n")
                    .append("not started, a dependency they require failed: ")
                    .append(String.join(", ", outcome.skipped()));
        }
        return new StepFailure(first.service(), first.reason(), evidence.toString());
    }

    /** Publishes the success; logs {@code <verb> dev/demo @1a2b3c4 in 1.2 s} unless nothing changed. */
    private Result succeed(Deployment d, List<String> changes, String verb, Result.Kind kind) {
        Duration took = Duration.between(d.begin(), clock.instant());
        @Nullable
        Envelope terminal = terminal(d, new DeploymentSucceeded(d.stack(), d.id(), d.commit(), changes, took));
        if (!changes.isEmpty() || verb.equals("removed")) {
            info(verb + " " + d.stack() + " @" + d.commit().shortSha() + " in " + seconds(took) + " s");
        }
        if (!changes.isEmpty()) {
            String environment = d.stack().environment();
            stages.record(
                    Stages.Stage.PUBLISHED_TO_APPLIED,
                    environment,
                    Duration.between(d.incoming().time(), d.begin()));
            stages.record(Stages.Stage.APPLIED_TO_HEALTHY, environment, took);
        }
        record(SUCCEEDED, took);
        return new Result(d.id(), kind, "", terminal);
    }

    /** Publishes a terminal event, or returns it unpublished when the caller writes it. */
    private @Nullable Envelope terminal(Deployment d, BerthEvent event) {
        if (d.terminal() == Terminal.PUBLISH) {
            publish(d, event);
            return null;
        }
        return d.incoming().follow(source, clock, redact(config.hostVariables(), event));
    }

    private Result fail(Deployment d, StepFailure f, Result.Kind kind) {
        return fail(d, f, kind, null);
    }

    private Result fail(Deployment d, StepFailure f, Result.Kind kind, @Nullable String rolledBackTo) {
        Duration took = Duration.between(d.begin(), clock.instant());
        @Nullable
        Envelope terminal = terminal(
                d,
                new DeploymentFailed(
                        d.stack(), d.id(), d.commit(), f.service(), f.reason(), f.evidence(), took, rolledBackTo));
        info("failed " + d.stack() + " @" + d.commit().shortSha() + ": " + f.reason()
                + (f.evidence().isEmpty() ? "" : "\n" + f.evidence().indent(9).stripTrailing()));
        record(FAILED, took);
        if (rolledBackTo != null) {
            rollbacks(d.stack().environment()).increment();
        }
        return new Result(d.id(), kind, f.reason(), terminal);
    }

    /** {@code 1.4}, whatever the default locale. */
    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f", duration.toMillis() / 1000.0);
    }

    private void record(String outcome, Duration took) {
        deployments(outcome).increment();
        duration.record(took);
    }

    /** Logs a line with every host secret hidden. */
    private void info(String line) {
        log.info(config.hostVariables().redact(line));
    }

    /** Publishes with every host secret hidden; synchronised so events of parallel services stay whole. */
    private synchronized void publish(Deployment d, BerthEvent event) {
        publisher.publish(d.incoming().follow(source, clock, redact(config.hostVariables(), event)));
    }

    /** The event with each of its texts (plan, reason, evidence, image) redacted. */
    static BerthEvent redact(HostVariables host, BerthEvent event) {
        if (host.size() == 0) {
            return event;
        }
        if (event instanceof DeploymentStarted s) {
            return new DeploymentStarted(
                    s.stack(),
                    s.deploymentId(),
                    s.commit(),
                    s.plan().stream().map(host::redact).toList());
        }
        if (event instanceof DeploymentFailed f) {
            return new DeploymentFailed(
                    f.stack(),
                    f.deploymentId(),
                    f.commit(),
                    f.service(),
                    host.redact(f.reason()),
                    host.redact(f.evidence()),
                    f.duration(),
                    f.rolledBackTo());
        }
        if (event instanceof DeploymentSucceeded s) {
            return new DeploymentSucceeded(
                    s.stack(),
                    s.deploymentId(),
                    s.commit(),
                    s.changed().stream().map(host::redact).toList(),
                    s.duration());
        }
        if (event instanceof ServiceDeployed s) {
            return new ServiceDeployed(
                    s.stack(), s.deploymentId(), s.commit(), s.service(), host.redact(s.image()), s.containerId());
        }
        if (event instanceof ServiceUpgraded s) {
            return new ServiceUpgraded(
                    s.stack(), s.deploymentId(), s.commit(), s.service(), host.redact(s.image()), s.containerId());
        }
        if (event instanceof ServiceRolledBack s) {
            return new ServiceRolledBack(
                    s.stack(), s.deploymentId(), s.commit(), s.service(), host.redact(s.image()), s.containerId());
        }
        return event;
    }
}
