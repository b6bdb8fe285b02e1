package dev.berth.deployer;

import dev.berth.common.Service;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.EventPublisher;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackRemoved;
import dev.berth.common.kafka.EventConsumerLoop;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.ReceivedEvent;
import dev.berth.common.kafka.Topics;
import dev.berth.deployer.internal.StackApplier;
import dev.berth.deployer.internal.docker.DockerEngine;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deployer worker: one member of the deployer consumer group on {@code berth.changes}. It applies
 * each stack change of its environments to its Docker Engine, one record at a time in partition
 * order, and commits a record's offset only after the deployment reached its outcome. Owns its
 * engine client and consumer.
 */
public final class Deployer implements Service {
    private static final Logger log = LoggerFactory.getLogger(Deployer.class);

    private final DeployerConfig config;
    private final DockerEngine engine;
    private final EventCodec codec = new EventCodec();
    private final StackApplier applier;
    private final EventConsumerLoop loop;

    /**
     * Builds a stopped worker; {@link #start()} starts its consumer thread ({@code berth-deployer-...}).
     *
     * @param publisher where deployment events go; shared, not closed by the deployer
     * @param clock the time of events and durations
     * @param registry receives {@code berth.deployments} (tag {@code outcome}) and {@code berth.deployment.duration}
     */
    public Deployer(
            DeployerConfig config, KafkaSettings kafka, EventPublisher publisher, Clock clock, MeterRegistry registry) {
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(publisher, "publisher");
        this.engine = new DockerEngine(config.dockerHost());
        this.applier = new StackApplier(
                engine,
                publisher,
                config,
                Objects.requireNonNull(clock, "clock"),
                URI.create("/berth/deployer/" + hostName()),
                codec.json(),
                Objects.requireNonNull(registry, "registry"));
        this.loop = new EventConsumerLoop(
                "deployer",
                kafka,
                config.groupId(),
                List.of(Topics.CHANGES),
                Map.of(
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        1,
                        // A deployment waits for health; the group must not evict a worker that waits.
                        ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                        maxPollIntervalMs(config)),
                this::handle);
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
            applier.apply(envelope, change);
        } else if (envelope.event() instanceof StackRemoved removal) {
            applier.remove(envelope, removal);
        }
    }

    @Override
    public void start() {
        if (!engine.ping()) {
            log.warn("Docker Engine at {} does not answer yet; deployments wait for it", engine.host());
        }
        loop.start();
    }

    /** True when the engine answers and the consumer polls. */
    public boolean isReady() {
        return loop.isPolling() && engine.ping();
    }

    @Override
    public void stop() {
        loop.stop();
    }

    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        boolean stopped = loop.awaitStop(timeout);
        engine.close();
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
