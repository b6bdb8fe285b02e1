package dev.berth.common.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.berth.common.BerthException;
import dev.berth.common.Service;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One small HTTP endpoint per service: {@code /health} (the process is alive: its loops run),
 * {@code /ready} (it can do its work: Kafka, and Docker for a deployer) and {@code /metrics}
 * (Prometheus text format).
 * Serves on one named thread; owns its server.
 */
public final class OpsServer implements Service {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final InetSocketAddress bindAddress;
    private final PrometheusMeterRegistry registry;
    private final BooleanSupplier ready;
    private final BooleanSupplier healthy;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile HttpServer server;
    private volatile ExecutorService executor;

    /**
     * @param bindAddress where to listen; port 0 picks a free port, see {@link #port()}
     * @param ready answers whether the service can do its work now
     */
    public OpsServer(InetSocketAddress bindAddress, PrometheusMeterRegistry registry, BooleanSupplier ready) {
        this(bindAddress, registry, ready, () -> true);
    }

    /**
     * @param bindAddress where to listen; port 0 picks a free port, see {@link #port()}
     * @param ready answers whether the service can do its work now
     * @param healthy answers whether the process is alive: false when a loop it needs died or stalled,
     *     so that a supervisor restarts it
     */
    public OpsServer(
            InetSocketAddress bindAddress,
            PrometheusMeterRegistry registry,
            BooleanSupplier ready,
            BooleanSupplier healthy) {
        this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.ready = Objects.requireNonNull(ready, "ready");
        this.healthy = Objects.requireNonNull(healthy, "healthy");
    }

    @Override
    public String name() {
        return "ops";
    }

    @Override
    public synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            server = HttpServer.create(bindAddress, 16);
        } catch (IOException e) {
            throw new BerthException(
                    "could not listen on " + bindAddress + " for /health, /ready and /metrics: " + e.getMessage()
                            + "; choose another port with --ops-port",
                    e);
        }
        executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "berth-ops-http"));
        server.setExecutor(executor);
        server.createContext("/health", ex -> {
            boolean isHealthy = healthy.getAsBoolean();
            respond(ex, isHealthy ? 200 : 503, "text/plain", isHealthy ? "UP\n" : "DOWN\n");
        });
        server.createContext("/ready", ex -> {
            boolean isReady = ready.getAsBoolean();
            respond(ex, isReady ? 200 : 503, "text/plain", isReady ? "READY\n" : "NOT READY\n");
        });
        server.createContext("/metrics", ex -> respond(ex, 200, PROMETHEUS_TEXT, registry.scrape()));
        server.start();
    }

    /** The port it listens on, once started. */
    public int port() {
        HttpServer s = server;
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        return s.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public synchronized void stop() {
        if (server != null && stopped.getCount() > 0) {
            server.stop(0);
            executor.shutdown();
        }
        stopped.countDown();
    }

    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return false;
        }
        ExecutorService e = executor;
        return e == null || e.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
