package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.Service;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.ops.OpsServer;
import dev.berth.deployer.Deployer;
import dev.berth.notifier.Notifier;
import dev.berth.notifier.NotifierConfig;
import dev.berth.watcher.Watcher;
import dev.berth.watcher.WatcherConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The all-in-one pipeline: an embedded broker (unless one is given), then notifier, deployer and
 * watcher in one process, with one operations endpoint. {@link #stop()} is safe from a shutdown
 * hook: it stops the services in reverse order, then the broker; deployed containers stay.
 */
final class AllInOne implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("dev.berth.cli");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    /**
     * What {@code berth run} was asked to do.
     *
     * @param environments the environments to run, one watcher and one deployer worker each
     * @param notifier the notifier's channels and routes for every environment
     * @param hostVariables the host's variables (for the start-up line: how many, never a value)
     */
    record Settings(
            List<Environments.Run> environments,
            NotifierConfig notifier,
            @Nullable String bootstrapServers,
            Path dataDir,
            Duration kafkaStartupTimeout,
            int opsPort,
            HostVariables hostVariables,
            @Nullable Path secretsFile) {
        Settings {
            environments = List.copyOf(environments);
            if (environments.isEmpty()) {
                throw new IllegalArgumentException("no environment to run");
            }
            Objects.requireNonNull(notifier, "notifier");
            Objects.requireNonNull(hostVariables, "hostVariables");
        }

        /** Where the deployer writes each revision's stack files. */
        Path workDir() {
            return workDir(dataDir);
        }

        static Path workDir(Path dataDir) {
            return dataDir.resolve("stacks");
        }
    }

    private final Settings settings;
    private final Clock clock = Clock.systemUTC();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<Service> started = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile @Nullable DataDirGuard dataDir;
    private @Nullable EmbeddedKafka kafka;
    private @Nullable KafkaEventPublisher publisher;
    private @Nullable KafkaStateStore state;
    private boolean stopping;

    AllInOne(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    synchronized void start() throws InterruptedException {
        // Configuration is checked when Settings are made: bad input failed before anything starts.
        List<Environments.Run> environments = settings.environments();
        for (Environments.Run environment : environments) {
            WatcherConfig watcherConfig = environment.watcher();
            try {
                Watcher.checkRepository(watcherConfig);
            } catch (BerthException e) {
                throw new Berth.UsageException(
                        (environment.file() == null ? "" : environment.file() + ": ") + e.getMessage());
            }
            log.info(
                    "berth run: environment {}{}, repository {} (branch {}{}, every {} s){}",
                    watcherConfig.environment(),
                    environment.file() == null ? "" : " (" + environment.file() + ")",
                    watcherConfig.repository(),
                    watcherConfig.branch(),
                    watcherConfig.stacksPath().equals(WatcherConfig.DEFAULT_STACKS_PATH)
                            ? ""
                            : ", stacks in " + watcherConfig.stacksPath() + "/",
                    watcherConfig.pollInterval().toSeconds(),
                    environment.file() == null
                            ? ""
                            : "; Docker "
                                    + (environment.deployer().dockerHost() == null
                                            ? "local socket"
                                            : environment.deployer().dockerHost()));
            log.info(
                    "policy{}: {}",
                    environments.size() == 1 ? "" : " of " + watcherConfig.environment(),
                    describe(watcherConfig.policy()));
        }
        log.info(
                "host variables: {} from {}the environment (values never shown); stack files in {}",
                settings.hostVariables().size(),
                settings.secretsFile() == null ? "" : settings.secretsFile() + " and ",
                settings.workDir());

        String bootstrap = settings.bootstrapServers();
        DataDirGuard guard = guardDataDir(bootstrap == null);
        if (bootstrap == null) {
            Path kafkaDir = settings.dataDir().resolve("kafka");
            long begin = System.nanoTime();
            kafka = EmbeddedKafka.start(kafkaDir, guard::fail);
            bootstrap = kafka.bootstrapServers();
            log.info(
                    "kafka: embedded broker at {} (data in {}, up in {} ms)",
                    bootstrap,
                    kafkaDir,
                    (System.nanoTime() - begin) / 1_000_000);
        }
        KafkaSettings kafkaSettings = new KafkaSettings(
                bootstrap,
                KafkaSettings.DEFAULT_PARTITIONS,
                KafkaSettings.DEFAULT_REPLICATION_FACTOR,
                settings.kafkaStartupTimeout(),
                Map.of());
        new TopicAdmin(kafkaSettings, clock).awaitBrokerAndCreateTopics(log::warn);
        writeBootstrapFile(bootstrap);

        EventCodec codec = new EventCodec();
        publisher = new KafkaEventPublisher(kafkaSettings, "berth-all-in-one", codec);
        state = new KafkaStateStore(kafkaSettings, "berth-watcher");
        Notifier notifier = new Notifier(settings.notifier(), kafkaSettings, codec, clock, registry);
        List<Deployer> deployers = new ArrayList<>();
        List<Watcher> watchers = new ArrayList<>();
        // Static members: berth run restarted on the same data directory takes its stacks back at once.
        String instanceId = DataDirs.instanceId(settings.dataDir());
        for (Environments.Run environment : environments) {
            deployers.add(new Deployer(
                    environment.deployer(),
                    kafkaSettings,
                    publisher,
                    clock,
                    registry,
                    instanceId + "-" + environment.watcher().environment()));
            watchers.add(Watcher.transactional(environment.watcher(), kafkaSettings, codec, state, clock, registry));
        }
        BooleanSupplier healthy = () -> guard.healthy()
                && notifier.isHealthy()
                && deployers.stream().allMatch(Deployer::isHealthy)
                && watchers.stream().allMatch(Watcher::isHealthy);
        OpsServer ops = new OpsServer(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), settings.opsPort()),
                registry,
                () -> healthy.getAsBoolean()
                        && notifier.isReady()
                        && deployers.stream().allMatch(Deployer::isReady)
                        && watchers.stream().allMatch(Watcher::isReady),
                healthy);
        ServiceProcess.bindJvmMetrics(registry);
        List<Service> services = new ArrayList<>();
        services.add(notifier);
        services.addAll(deployers);
        services.addAll(watchers);
        services.add(ops);
        for (Service service : services) {
            service.start();
            started.add(service);
        }
        log.info("ops: http://127.0.0.1:{}/health, /ready and /metrics", ops.port());
        log.info("ready: Ctrl-C stops Berth; deployed containers keep running");
    }

    /** Checks the data directory (writable, enough free space), then watches it while Berth runs. */
    private DataDirGuard guardDataDir(boolean embeddedBroker) {
        long minimum = embeddedBroker ? DataDirGuard.MINIMUM_FREE_WITH_BROKER : DataDirGuard.MINIMUM_FREE;
        DataDirGuard guard = DataDirGuard.check(
                settings.dataDir(), minimum, message -> DataDirGuard.stopAfterFailure(message, this::stop, stopped));
        guard.register(registry);
        guard.start();
        started.add(guard);
        dataDir = guard;
        return guard;
    }

    /** Why the pipeline stopped on its own (its data directory failed), if it did. */
    Optional<String> failure() {
        DataDirGuard guard = dataDir;
        return guard == null ? Optional.empty() : guard.failure();
    }

    /** The allowances, as --allow takes them. */
    static String describe(ComposePolicy policy) {
        List<String> allowed = policy.allowances();
        return allowed.isEmpty() ? "nothing beyond ordinary containers" : "allows " + String.join(", ", allowed);
    }

    private void writeBootstrapFile(String bootstrap) {
        try {
            Files.createDirectories(settings.dataDir());
            Files.writeString(DataDirs.bootstrapFile(settings.dataDir()), bootstrap + "\n");
        } catch (IOException e) {
            throw new BerthException(
                    "could not write " + DataDirs.bootstrapFile(settings.dataDir()) + ": " + e.getMessage()
                            + "; choose another --data-dir",
                    e);
        }
    }

    /** Blocks until {@link #stop()} has finished. */
    void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops everything that started, newest first, then the broker. Idempotent. */
    void stop() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        if (started.isEmpty() && kafka == null) {
            stopped.countDown();
            return;
        }
        log.info("stopping");
        try {
            for (int i = started.size() - 1; i >= 0; i--) {
                Service service = started.get(i);
                service.stop();
                try {
                    if (!service.awaitStop(STOP_TIMEOUT)) {
                        log.warn("{} did not stop within {} s", service.name(), STOP_TIMEOUT.toSeconds());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (state != null) {
                state.close();
            }
            if (publisher != null) {
                publisher.close();
            }
            if (kafka != null) {
                kafka.close();
            }
            log.info("stopped");
        } finally {
            stopped.countDown();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
