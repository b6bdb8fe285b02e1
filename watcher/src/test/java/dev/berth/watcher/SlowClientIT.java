package dev.berth.watcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.common.http.HttpLimits;
import dev.berth.common.ops.OpsServer;
import dev.berth.watcher.internal.webhook.SignatureVerifier;
import dev.berth.watcher.internal.webhook.WebhookServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Slow and greedy clients on both listeners (the ops port and the push-webhook port) at once, over
 * real sockets on loopback: clients sending a byte a second (in the headers, in the body), a client
 * that never finishes its headers, and one client address that keeps 40 connections open. Meanwhile
 * {@code /health} must answer in under a second and a valid signed webhook must be taken at once,
 * every time, for longer than the request timeout; and the slow connections must be closed.
 */
class SlowClientIT {
    private static final byte[] SECRET = ("slow-client-" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
    private static final String REPO = "https://git.example/acme/config.git";
    private static final Duration WATCH = HttpLimits.DEFAULT_REQUEST_TIMEOUT.plusSeconds(3);

    private final AtomicInteger polls = new AtomicInteger();
    private final SignatureVerifier signer = new SignatureVerifier(SECRET, Clock.systemUTC());
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
    private final ScheduledExecutorService attackers = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "slow-client-attacker");
        t.setDaemon(true);
        return t;
    });
    /** Idle connections by port; touched by one attacker task per port only. */
    private final java.util.Map<Integer, List<Socket>> holders = new java.util.concurrent.ConcurrentHashMap<>();

    private OpsServer ops;
    private WebhookServer webhooks;

    @BeforeEach
    void start() {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        ops = new OpsServer(any, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> true);
        ops.start();
        webhooks = new WebhookServer(
                any,
                new SignatureVerifier(SECRET, Clock.systemUTC()),
                REPO,
                "main",
                polls::incrementAndGet,
                "slow-client-webhook",
                new SimpleMeterRegistry(),
                "dev",
                Clock.systemUTC());
        webhooks.start();
    }

    @AfterEach
    void stop() throws IOException {
        attackers.shutdownNow();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
        webhooks.stop();
        ops.stop();
    }

    @Test
    void healthAndASignedWebhookAreServedAtOnceWhileSlowClientsHoldBothListeners() throws Exception {
        // Warm up (classes, JIT, the client's connection pool) before any attack starts.
        get(ops.port(), "/health");
        signedPush(webhooks.port());
        polls.set(0);
        List<Socket> slow = new ArrayList<>();
        for (int port : new int[] {ops.port(), webhooks.port()}) {
            for (int i = 0; i < 5; i++) {
                slow.add(trickle(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "s".repeat(60)));
            }
            slow.add(trickle(
                    port,
                    "POST /hooks/git HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\n" + "b".repeat(60)));
            Socket neverFinishes = open(port);
            neverFinishes.getOutputStream().write(bytes("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
            slow.add(neverFinishes);
            attackers.scheduleAtFixedRate(() -> holdOpen(port, 40), 0, 200, TimeUnit.MILLISECONDS);
        }

        long end = System.nanoTime() + WATCH.toNanos();
        int[] rounds = {0};
        await().atMost(WATCH.plusSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    assertThat(timed(() -> get(ops.port(), "/health")))
                            .as("/health in round %d", rounds[0])
                            .isLessThan(Duration.ofSeconds(1));
                    int before = polls.get();
                    assertThat(timed(() -> signedPush(webhooks.port())))
                            .as("signed webhook in round %d", rounds[0])
                            .isLessThan(Duration.ofSeconds(1));
                    assertThat(polls).hasValue(before + 1);
                    rounds[0]++;
                    return System.nanoTime() > end;
                });
        assertThat(rounds[0]).isGreaterThanOrEqualTo(5);

        // Every slow connection was closed by the server: it never delivered a whole request in time.
        for (Socket s : slow) {
            s.setSoTimeout(5000);
            assertThat(readUntilClosed(s.getInputStream())).isTrue();
        }
    }

    private Duration timed(ThrowingRunnable action) throws Exception {
        long t0 = System.nanoTime();
        action.run();
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private void get(int port, String path) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("UP\n");
    }

    private void signedPush(int port) throws Exception {
        String body = "{\"ref\":\"refs/heads/main\",\"after\":\"" + UUID.randomUUID() + "\",\"repository\":{"
                + "\"clone_url\":\"" + REPO + "\"}}";
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hooks/git"))
                        .timeout(Duration.ofSeconds(5))
                        .header("Content-Type", "application/json")
                        .header("X-GitHub-Event", "push")
                        .header("X-Hub-Signature-256", "sha256=" + signer.sign(bytes(body)))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).startsWith("accepted");
    }

    /** A connection that sends {@code request} one byte a second, for at most 60 bytes, on the attackers' timer. */
    private Socket trickle(int port, String request) throws IOException {
        Socket s = open(port);
        byte[] b = bytes(request);
        AtomicInteger next = new AtomicInteger();
        attackers.scheduleAtFixedRate(
                () -> {
                    int i = next.getAndIncrement();
                    if (i < Math.min(b.length, 60) && !s.isClosed()) {
                        try {
                            s.getOutputStream().write(b[i]);
                            s.getOutputStream().flush();
                        } catch (IOException e) {
                            next.set(Integer.MAX_VALUE / 2); // closed by the server
                        }
                    }
                },
                0,
                1,
                TimeUnit.SECONDS);
        return s;
    }

    /** Keeps {@code count} idle connections from this client open, reopening those the server closed. */
    private void holdOpen(int port, int count) {
        List<Socket> mine = holders.computeIfAbsent(port, p -> new ArrayList<>());
        mine.removeIf(SlowClientIT::closedByPeer);
        try {
            while (mine.size() < count) {
                mine.add(open(port));
            }
        } catch (IOException e) {
            // refused under load: the next tick tries again
        }
    }

    private static boolean closedByPeer(Socket s) {
        try {
            if (s.isClosed()) {
                return true;
            }
            s.setSoTimeout(1);
            if (s.getInputStream().read() < 0) {
                s.close();
                return true;
            }
            return false;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private Socket open(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        sockets.add(s);
        return s;
    }

    /** True when the server closed the connection (EOF or reset) before the read timeout. */
    private static boolean readUntilClosed(InputStream in) throws IOException {
        try {
            in.readAllBytes();
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
