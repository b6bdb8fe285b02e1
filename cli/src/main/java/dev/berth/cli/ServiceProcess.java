package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.Service;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.ops.OpsServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Berth service in its own process, as a container runs it: waits for Kafka and creates the
 * topics, starts the service and its operations endpoint, and on {@link #stop()} (safe from a
 * shutdown hook) stops them newest first and closes the resources the wiring handed over.
 */
final class ServiceProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("dev.berth.cli");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    /**
     * What the wiring hands back: the services (one per environment the process serves, started in this
     * order), when they can do their work, and whether their loops are alive.
     */
    record Component(List<Service> services, BooleanSupplier ready, BooleanSupplier healthy) {
        Component {
            services = List.copyOf(services);
            if (services.isEmpty()) {
                throw new IllegalArgumentException("no service to run");
            }
            Objects.requireNonNull(ready, "ready");
            Objects.requireNonNull(healthy, "healthy");
        }

        Component(Service service, BooleanSupplier ready, BooleanSupplier healthy) {
            this(List.of(service), ready, healthy);
        }
    }

    /** Builds the service once Kafka answers; resources given to {@link #own} are closed after it stops. */
    interface Wiring {
        Component wire(KafkaSettings kafka, MeterRegistry registry, Clock clock, ServiceProcess process);
    }

    private final String role;
    private final ServiceOptions options;
    private final Clock clock = Clock.systemUTC();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<Service> started = new ArrayList<>();
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private @Nullable OpsServer ops;
    private volatile @Nullable DataDirGuard dataDir;
    private boolean stopping;

    ServiceProcess(String role, ServiceOptions options) {
        this.role = Objects.requireNonNull(role, "role");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Runs the service until the process is asked to stop: a signal, or an interrupt of the calling
     * thread (the service is stopped, then the interrupt flag restored); the command's exit code.
     */
    static int run(String role, ServiceOptions options, Wiring wiring) throws InterruptedException {
        boolean interrupted = false;
        try (ServiceProcess process = new ServiceProcess(role, options)) {
            process.start(wiring);
            Thread hook = new Thread(process::stop, "berth-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                process.awaitStop();
            } catch (InterruptedException e) {
                // Asked to stop: close() stops the services, waiting for them, before the flag is restored.
                interrupted = true;
            } finally {
                removeShutdownHook(hook);
            }
            process.failure().ifPresent(message -> {
                throw new BerthException(message);
            });
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Forgets a hook of a process stopped otherwise (run in-process, as tests do); a no-op in shutdown. */
    private static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down: the hook runs, or ran, and stops the process itself.
        }
    }

    /** Hands a resource to the process, which closes it after the services stopped. */
    <T extends AutoCloseable> T own(T resource) {
        synchronized (this) {
            owned.add(resource);
        }
        return resource;
    }

    synchronized void start(Wiring wiring) throws InterruptedException {
        var address = options.opsAddress();
        KafkaSettings kafka = options.kafkaSettings();
        log.info("berth {}: Kafka at {}", role, kafka.bootstrapServers());
        new TopicAdmin(kafka, clock).awaitBrokerAndCreateTopics(log::warn);
        bindJvmMetrics(registry);
        Component component = wiring.wire(kafka, registry, clock, this);
        // Not ready while not healthy: a dead or stalled loop, or a full data directory, does no work.
        BooleanSupplier healthy =
                () -> failure().isEmpty() && component.healthy().getAsBoolean();
        OpsServer server = new OpsServer(
                address,
                registry,
                () -> healthy.getAsBoolean() && component.ready().getAsBoolean(),
                healthy);
        List<Service> services = new ArrayList<>(component.services());
        services.add(server);
        for (Service service : services) {
            service.start();
            started.add(service);
        }
        ops = server;
        log.info("ops: http://{}:{}/health, /ready and /metrics", address.getHostString(), server.port());
        log.info("ready: berth {} runs until stopped (SIGTERM or Ctrl-C)", role);
    }

    /**
     * For a service that keeps files in --data-dir (mirrors, stack files): checks it is writable with
     * {@link DataDirGuard#MINIMUM_FREE} free, then watches it; when it fails the process stops with exit 1.
     */
    void guardDataDir(MeterRegistry metrics) {
        DataDirGuard guard = DataDirGuard.check(
                options.dataDir(),
                DataDirGuard.MINIMUM_FREE,
                message -> DataDirGuard.stopAfterFailure(message, this::stop, stopped));
        guard.register(metrics);
        guard.start();
        started.add(guard);
        dataDir = guard;
    }

    /** Why the process stopped on its own (its data directory failed), if it did. */
    Optional<String> failure() {
        DataDirGuard guard = dataDir;
        return guard == null ? Optional.empty() : guard.failure();
    }

    /** The port of the operations endpoint, once started. */
    int opsPort() {
        OpsServer server = ops;
        if (server == null) {
            throw new IllegalStateException("not started");
        }
        return server.port();
    }

    /** The JVM's memory, threads and CPU on the registry, as every Berth process reports them. */
    static void bindJvmMetrics(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops the services newest first, then closes what was handed over. Idempotent. */
    void stop() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        try {
            if (started.isEmpty() && owned.isEmpty()) {
                return;
            }
            log.info("stopping");
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
            for (int i = owned.size() - 1; i >= 0; i--) {
                try {
                    owned.get(i).close();
                } catch (Exception e) {
                    log.warn("closing {} failed: {}", owned.get(i), e.getMessage());
                }
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
