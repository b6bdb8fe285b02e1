package dev.berth.deployer;

import dev.berth.common.BerthException;
import dev.berth.common.Service;
import dev.berth.common.StackRef;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.EventPublisher;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackRemoved;
import dev.berth.common.event.StackRetryRequested;
import dev.berth.common.event.StackRollbackRequested;
import dev.berth.common.kafka.EventConsumerLoop;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.KafkaTransactions;
import dev.berth.common.kafka.ReceivedEvent;
import dev.berth.common.kafka.Topics;
import dev.berth.deployer.internal.EngineMonitor;
import dev.berth.deployer.internal.RevisionKeeper;
import dev.berth.deployer.internal.StackApplier;
import dev.berth.deployer.internal.Takeover;
import dev.berth.deployer.internal.docker.DockerEngine;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deployer worker: one member of the deployer consumer group on {@code berth.changes}. It applies
 * each stack change of its environments to its Docker Engine, one record at a time in partition
 * order, and commits a record's offset only after the deployment reached its outcome; the independent
 * services of one deployment are applied at once on its apply threads ({@code berth-deployer-apply-N}).
 * Owns its engine client, consumer and apply threads.
 */
public final class Deployer implements Service {
    private static final Logger log = LoggerFactory.getLogger(Deployer.class);
    /** How many services of one deployment are applied at once. */
    static final int APPLY_THREADS = 16;

    private final DeployerConfig config;
    private final DockerEngine engine;
    private final EventCodec codec = new EventCodec();
    private final StackApplier applier;
    private final StackHistoryStore history;
    private final RevisionKeeper keeper;
    private final Takeover takeover;
    private final URI source;
    private final EventConsumerLoop loop;
    private final ExecutorService applying;
    private final EngineMonitor monitor;

    /**
     * Builds a stopped worker; {@link #start()} starts its consumer thread ({@code berth-deployer-...}).
     *
     * @param publisher where deployment events go; shared, not closed by the deployer
     * @param clock the time of events and durations
     * @param registry receives {@code berth.deployments} (tag {@code outcome}) and {@code berth.deployment.duration}
     */
    public Deployer(
            DeployerConfig config, KafkaSettings kafka, EventPublisher publisher, Clock clock, MeterRegistry registry) {
        this(config, kafka, publisher, clock, registry, (String) null);
    }

    /**
     * Builds a stopped worker that is a static member of its group ({@code group.instance.id}): restarted
     * after a crash with the same {@code instanceId}, it takes its partitions back at once instead of
     * after the dead member's session timeout. Two running workers must never share an id.
     *
     * @param instanceId the worker's stable id in its group, or null for a dynamic member
     */
    public Deployer(
            DeployerConfig config,
            KafkaSettings kafka,
            EventPublisher publisher,
            Clock clock,
            MeterRegistry registry,
            @Nullable String instanceId) {
        this(
                config,
                kafka,
                publisher,
                clock,
                registry,
                new KafkaStackHistoryStore(
                        new KafkaStateStore(kafka, "berth-deployer-" + UUID.randomUUID()),
                        new EventCodec(),
                        // One transactional id per partition of berth.changes, shared by the group: the
                        // worker given a partition fences the one that had it.
                        new KafkaTransactions(kafka, config.groupId(), Topics.CHANGES)),
                instanceId);
    }

    /**
     * Builds a stopped worker that keeps its stacks' histories in {@code history}, which it takes over
     * whenever the group gives it partitions, and closes when it stops. The store must write in
     * transactions (a {@link KafkaStackHistoryStore} given {@link KafkaTransactions} of the worker's
     * group on {@code berth.changes}): terminal events are written with the history.
     */
    public Deployer(
            DeployerConfig config,
            KafkaSettings kafka,
            EventPublisher publisher,
            Clock clock,
            MeterRegistry registry,
            StackHistoryStore history) {
        this(config, kafka, publisher, clock, registry, history, null);
    }

    /**
     * As {@link #Deployer(DeployerConfig, KafkaSettings, EventPublisher, Clock, MeterRegistry,
     * StackHistoryStore)}, a static member of its group when {@code instanceId} is given.
     */
    public Deployer(
            DeployerConfig config,
            KafkaSettings kafka,
            EventPublisher publisher,
            Clock clock,
            MeterRegistry registry,
            StackHistoryStore history,
            @Nullable String instanceId) {
        this.history = Objects.requireNonNull(history, "history");
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(publisher, "publisher");
        this.engine = new DockerEngine(config.dockerHost());
        this.applying = applyExecutor();
        this.source = URI.create("/berth/deployer/" + hostName());
        this.applier = new StackApplier(
                engine,
                publisher,
                config,
                Objects.requireNonNull(clock, "clock"),
                source,
                codec.json(),
                Objects.requireNonNull(registry, "registry"),
                applying);
        this.takeover = new Takeover(engine);
        this.keeper = new RevisionKeeper(applier, history, takeover, clock);
        this.loop = new EventConsumerLoop(
                "deployer",
                kafka,
                config.groupId(),
                List.of(Topics.CHANGES),
                consumerProperties(config, instanceId),
                this::handle,
                new EventConsumerLoop.Rebalance() {
                    @Override
                    public void assigned(Collection<TopicPartition> partitions) throws InterruptedException {
                        takeOver(partitions);
                    }

                    @Override
                    public void revoked(Collection<TopicPartition> partitions) {
                        history.giveUp(numbers(partitions));
                    }
                });
        loop.bindTo(registry);
        this.monitor = new EngineMonitor(engine, "deployer" + describe(config.environments()), loop::start);
    }

    private static String describe(Set<String> environments) {
        return environments.isEmpty() ? "" : " of " + String.join(", ", new TreeSet<>(environments));
    }

    private static Map<String, Object> consumerProperties(DeployerConfig config, @Nullable String instanceId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        // A deployment waits for health; the group must not evict a worker that waits.
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, maxPollIntervalMs(config));
        if (instanceId != null) {
            // A static member: its restart gets its partitions back at once (the rebalance callback
            // still runs, so the takeover fences the dead member's transactions and ends its rollouts).
            props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        }
        return props;
    }

    private static Set<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
    }

    /**
     * The group gave this worker partitions: fence their previous owner and read what it wrote, then end
     * at once what it left in flight on those partitions' stacks (found in their histories and by the
     * labels of containers kept aside), instead of waiting for each stack's next record.
     */
    private void takeOver(Collection<TopicPartition> partitions) throws InterruptedException {
        Set<Integer> given = numbers(partitions);
        history.takeOver(given);
        Set<StackRef> stacks = new TreeSet<>(Comparator.comparing(StackRef::key));
        stacks.addAll(history.stacks(given));
        for (String key : takeover.unsettledStacks()) {
            try {
                StackRef stack = StackRef.parse(key);
                if (given.contains(history.partitionOf(stack))) {
                    stacks.add(stack);
                }
            } catch (BerthException e) {
                log.warn("a container labelled berth.stack={} is not Berth's: {}", key, e.getMessage());
            }
        }
        for (StackRef stack : stacks) {
            if (!config.applies(stack.environment())) {
                continue;
            }
            try {
                keeper.recoverOnAssignment(stack, source);
            } catch (BerthException e) {
                // The stack's next record runs the same recovery first.
                log.warn(
                        "takeover of {} at assignment failed, retried before its next record: {}",
                        stack,
                        e.getMessage());
            }
        }
    }

    /**
     * The threads that apply the independent services of a deployment at once
     * ({@code berth-deployer-apply-N}); they wait on the engine, so more than the cores. Idle ones end.
     */
    private static ExecutorService applyExecutor() {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(
                APPLY_THREADS, APPLY_THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, "berth-deployer-apply-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    /**
     * A deployment waits for pulls and health gates between two polls; the group must not evict a
     * worker that waits. At least 15 minutes.
     */
    static int maxPollIntervalMs(DeployerConfig config) {
        Duration longest = config.pullTimeout().plus(config.healthTimeout()).plus(Duration.ofMinutes(10));
        long ms = Math.max(Duration.ofMinutes(15).toMillis(), longest.toMillis());
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }

    private void handle(ReceivedEvent record) throws InterruptedException {
        Envelope envelope = record.decode(codec);
        if (!config.applies(envelope.event().stack().environment())) {
            return;
        }
        if (envelope.event() instanceof StackChanged change) {
            keeper.onChange(envelope, change);
        } else if (envelope.event() instanceof StackRemoved removal) {
            keeper.onRemoval(envelope, removal);
        } else if (envelope.event() instanceof StackRollbackRequested rollback) {
            keeper.onRollback(envelope, rollback);
        } else if (envelope.event() instanceof StackRetryRequested retry) {
            keeper.onRetry(envelope, retry);
        }
    }

    /**
     * Returns at once: the worker joins its group once its engine first answered (pinged on its own
     * thread, {@code berth-deployer-engine}, with a backoff, saying what it waits for).
     */
    @Override
    public void start() {
        monitor.start("deployer");
    }

    /** False when the consumer loop died or stalled: the process needs a restart. */
    public boolean isHealthy() {
        return loop.isHealthy();
    }

    /** True when the engine answered its last ping and the consumer polls; read from memory, never waits. */
    public boolean isReady() {
        return loop.isPolling() && monitor.answers();
    }

    @Override
    public void stop() {
        monitor.stop();
        loop.stop();
    }

    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean stopped = loop.awaitStop(timeout);
        // Two phases: the consumer is gone, so no new work; let running steps end, then interrupt them.
        applying.shutdown();
        long left = Math.max(0, deadline - System.nanoTime());
        if (!applying.awaitTermination(left, TimeUnit.NANOSECONDS)) {
            applying.shutdownNow();
            stopped = applying.awaitTermination(5, TimeUnit.SECONDS) && stopped;
        }
        engine.close();
        history.close();
        return stopped;
    }

    @Override
    public String name() {
        return "deployer";
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
