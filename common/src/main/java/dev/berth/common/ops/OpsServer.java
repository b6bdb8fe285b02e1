package dev.berth.common.ops;

import dev.berth.common.BerthException;
import dev.berth.common.Service;
import dev.berth.common.http.HttpCall;
import dev.berth.common.http.HttpLimits;
import dev.berth.common.http.HttpListener;
import dev.berth.common.http.HttpReply;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One small HTTP endpoint per service: {@code /health} (the process is alive: its loops run),
 * {@code /ready} (it can do its work: Kafka, and Docker for a deployer) and {@code /metrics}
 * (Prometheus text format). Serves on an {@link HttpListener} with {@link #LIMITS}: several requests
 * at once on bounded threads named {@code berth-ops-http-<n>}, a request must arrive whole within 5
 * s, 64 connections at most, 16 per client address; a slow or greedy client cannot hold up
 * {@code /health}. Owns its server.
 */
public final class OpsServer implements Service {
    /** What the ops port accepts: the {@link HttpLimits} defaults, with a body of at most 64 KiB. */
    public static final HttpLimits LIMITS = HttpLimits.withMaxBody(64 * 1024);

    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final InetSocketAddress bindAddress;
    private final PrometheusMeterRegistry registry;
    private final BooleanSupplier ready;
    private final BooleanSupplier healthy;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile HttpListener server;

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
        HttpListener listener = new HttpListener("berth-ops-http", bindAddress, LIMITS, this::handle);
        try {
            listener.start();
        } catch (IOException e) {
            throw new BerthException(
                    "could not listen on " + bindAddress + " for /health, /ready and /metrics: " + e.getMessage()
                            + "; choose another port with --ops-port",
                    e);
        }
        server = listener;
    }

    private HttpReply handle(HttpCall call) {
        if (!"GET".equals(call.method()) && !"HEAD".equals(call.method())) {
            return HttpReply.text(405, "use GET\n").withHeader("Allow", "GET, HEAD");
        }
        return switch (call.path()) {
            case "/health" -> {
                boolean isHealthy = healthy.getAsBoolean();
                yield plain(isHealthy ? 200 : 503, isHealthy ? "UP\n" : "DOWN\n");
            }
            case "/ready" -> {
                boolean isReady = ready.getAsBoolean();
                yield plain(isReady ? 200 : 503, isReady ? "READY\n" : "NOT READY\n");
            }
            case "/metrics" -> new HttpReply(200, PROMETHEUS_TEXT, registry.scrape(), Map.of());
            default -> HttpReply.text(404, "no such path: use /health, /ready or /metrics\n");
        };
    }

    private static HttpReply plain(int status, String body) {
        return new HttpReply(status, "text/plain", body, Map.of());
    }

    /** The port it listens on, once started. */
    public int port() {
        HttpListener s = server;
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        return s.port();
    }

    @Override
    public synchronized void stop() {
        if (server != null && stopped.getCount() > 0) {
            server.stop();
        }
        stopped.countDown();
    }

    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
