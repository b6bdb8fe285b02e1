package dev.berth.common.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures, on loopback, the HTTP server behind the ops port and push webhooks (bench/http-listeners.sh):
 * the JDK's com.sun.net.httpserver as Berth used it (one thread), the same with 8 threads (the cheap
 * fix), and {@link HttpListener} (Jetty 12 with Berth's limits). For each: plain keep-alive throughput
 * of {@code GET /health} from 4 client threads, then {@code /health} latency (a new connection every
 * 250 ms, 5 s timeout) while N clients send a request a byte a second (reconnecting when cut off),
 * and while one address holds 100 idle connections. Bounded in time; talks to 127.0.0.1 only.
 * Usage: {@code HttpListenerBench <seconds per phase> <result file>}.
 */
public final class HttpListenerBench {
    private static final byte[] HEALTH =
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEALTH_CLOSE =
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private interface Candidate extends AutoCloseable {
        int port();

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        int seconds = Integer.parseInt(args[0]);
        Path out = Path.of(args[1]);
        List<String> lines = new ArrayList<>();
        lines.add("| server | keep-alive req/s (4 clients) | scenario | probes | p50 | p95 | max | timed out (5 s) |");
        lines.add("|---|---|---|---|---|---|---|---|");
        for (String name : List.of("jdk-1-thread", "jdk-8-threads", "jetty-httplistener")) {
            for (String scenario : List.of("none", "1 slow client", "20 slow clients", "100 idle connections")) {
                try (Candidate server = start(name)) {
                    String throughput = scenario.equals("none")
                            ? String.format(Locale.ROOT, "%.0f", throughput(server.port(), seconds))
                            : "";
                    String line = "| " + name + " | " + throughput + " | " + scenario + " | "
                            + probeUnder(server.port(), scenario, seconds) + " |";
                    System.err.println(line);
                    lines.add(line);
                }
            }
        }
        Files.write(out, lines);
    }

    private static Candidate start(String name) throws IOException {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (name.startsWith("jdk")) {
            HttpServer server = HttpServer.create(any, 16);
            ExecutorService threads =
                    name.equals("jdk-1-thread") ? Executors.newSingleThreadExecutor() : Executors.newFixedThreadPool(8);
            server.setExecutor(threads);
            server.createContext("/health", ex -> {
                byte[] body = "UP\n".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/plain");
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                }
            });
            server.start();
            return new Candidate() {
                public int port() {
                    return server.getAddress().getPort();
                }

                public void close() {
                    server.stop(0);
                    threads.shutdownNow();
                }
            };
        }
        HttpListener listener = new HttpListener(
                "bench-http", any, HttpLimits.withMaxBody(64 * 1024), call -> HttpReply.text(200, "UP\n"));
        listener.start();
        return new Candidate() {
            public int port() {
                return listener.port();
            }

            public void close() {
                listener.stop();
            }
        };
    }

    /** Requests a second from 4 threads, each on one keep-alive connection, for {@code seconds}. */
    private static double throughput(int port, int seconds) throws Exception {
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            futures.add(clients.submit(() -> {
                Socket s = null;
                while (System.nanoTime() < end) {
                    try {
                        if (s == null) {
                            s = new Socket(InetAddress.getLoopbackAddress(), port);
                            s.setSoTimeout(5000);
                        }
                        s.getOutputStream().write(HEALTH);
                        readResponse(s.getInputStream());
                        done.incrementAndGet();
                    } catch (IOException e) {
                        closeQuietly(s);
                        s = null;
                    }
                }
                closeQuietly(s);
                return null;
            }));
        }
        for (var f : futures) {
            f.get(seconds + 30L, TimeUnit.SECONDS);
        }
        clients.shutdownNow();
        return done.get() / (double) seconds;
    }

    /** Probes /health every 250 ms for {@code seconds} while the scenario's attackers run. */
    private static String probeUnder(int port, String scenario, int seconds) throws Exception {
        List<Socket> attack = Collections.synchronizedList(new ArrayList<>());
        ScheduledExecutorService attackers = Executors.newScheduledThreadPool(2);
        int slow = scenario.equals("1 slow client") ? 1 : scenario.equals("20 slow clients") ? 20 : 0;
        for (int i = 0; i < slow; i++) {
            int[] next = {0};
            Socket[] current = {null};
            attackers.scheduleAtFixedRate(
                    () -> {
                        try {
                            if (current[0] == null) {
                                current[0] = new Socket(InetAddress.getLoopbackAddress(), port);
                                attack.add(current[0]);
                                next[0] = 0;
                            }
                            current[0].getOutputStream().write(HEALTH[Math.min(next[0]++, 20)]);
                        } catch (IOException e) {
                            closeQuietly(current[0]);
                            current[0] = null; // cut off: reconnect at the next tick
                        }
                    },
                    0,
                    1,
                    TimeUnit.SECONDS);
        }
        if (scenario.equals("100 idle connections")) {
            attackers.scheduleAtFixedRate(() -> holdIdle(port, attack, 100), 0, 250, TimeUnit.MILLISECONDS);
        }
        List<Long> micros = new ArrayList<>();
        int timedOut = 0;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long nextProbe = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
        while (System.nanoTime() < end) {
            long wait = nextProbe - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            nextProbe += TimeUnit.MILLISECONDS.toNanos(250);
            long t0 = System.nanoTime();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
                s.getOutputStream().write(HEALTH_CLOSE);
                readResponse(s.getInputStream());
                micros.add((System.nanoTime() - t0) / 1000);
            } catch (IOException e) {
                timedOut++;
                micros.add(PROBE_TIMEOUT.toMillis() * 1000);
            }
            nextProbe = Math.max(nextProbe, System.nanoTime());
        }
        attackers.shutdownNow();
        attackers.awaitTermination(5, TimeUnit.SECONDS);
        synchronized (attack) {
            attack.forEach(HttpListenerBench::closeQuietly);
        }
        Collections.sort(micros);
        return micros.size() + " | " + ms(micros, 0.50) + " | " + ms(micros, 0.95) + " | " + ms(micros, 1.0) + " | "
                + timedOut;
    }

    private static void holdIdle(int port, List<Socket> attack, int count) {
        synchronized (attack) {
            attack.removeIf(s -> {
                try {
                    s.setSoTimeout(1);
                    if (s.getInputStream().read() < 0) {
                        s.close();
                        return true;
                    }
                    return false;
                } catch (SocketTimeoutException e) {
                    return false;
                } catch (IOException e) {
                    closeQuietly(s);
                    return true;
                }
            });
            try {
                while (attack.size() < count) {
                    attack.add(new Socket(InetAddress.getLoopbackAddress(), port));
                }
            } catch (IOException e) {
                // the backlog is full: try again at the next tick
            }
        }
    }

    private static String ms(List<Long> sortedMicros, double q) {
        if (sortedMicros.isEmpty()) {
            return "-";
        }
        int i = (int) Math.min(sortedMicros.size() - 1, Math.ceil(q * sortedMicros.size()) - 1);
        long us = sortedMicros.get(Math.max(0, i));
        return us >= 1_000_000
                ? String.format(Locale.ROOT, "%.1f s", us / 1e6)
                : String.format(Locale.ROOT, "%.1f ms", us / 1e3);
    }

    /** Reads one response: headers, then Content-Length bytes. */
    private static void readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the response");
            }
            head.append((char) b);
        }
        String h = head.toString().toLowerCase(Locale.ROOT);
        int at = h.indexOf("content-length:");
        int length = at < 0
                ? 0
                : Integer.parseInt(h.substring(at + 15, h.indexOf("\r\n", at)).strip());
        if (in.readNBytes(length).length != length) {
            throw new IOException("short body");
        }
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // gone already
            }
        }
    }

    private HttpListenerBench() {}
}
