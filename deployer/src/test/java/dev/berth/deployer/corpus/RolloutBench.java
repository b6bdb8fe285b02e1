package dev.berth.deployer.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.ServiceDeployed;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackRemoved;
import dev.berth.deployer.DeployerConfig;
import dev.berth.deployer.internal.StackApplier;
import dev.berth.deployer.internal.docker.DockerEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;

/**
 * Berth's half (and docker-compose's, for the downtime) of {@code bench/rollout.sh}: a one-service stack
 * (busybox httpd, HEALTHCHECK at a 1 s interval, a fixed 127.0.0.1 port, so updates go stop-first)
 * applied through {@link StackApplier} with a last good revision, without Kafka. Docker's event stream
 * ({@code docker events}, its {@code timeNano}) is followed by a child process for the whole run. Per run:
 *
 * <ol>
 *   <li>revision A is deployed: its container's start to {@code healthy} (the cold start), and the
 *       {@code health_status: healthy} event to Berth's {@code service.deployed} (the pass decision);
 *   <li>revision B (another greeting) replaces it stop-first while a request loop (every 20 ms, at most
 *       30 s) hits the port: the longest time without a 200;
 *   <li>revision C, whose health check fails, with B as the last good revision: the new container's
 *       {@code health_status: unhealthy} to Berth's removal of it (the fail decision; the kill event is
 *       Berth's first act after deciding, so an upper bound), and from there to B's container reported
 *       {@code healthy} again;
 *   <li>docker-compose 1.29.2 does A then B on the same port with the same request loop.
 * </ol>
 *
 * Writes one line per run to the output file: {@code run cold_start_ms pass_decision_ms fail_decision_ms
 * rollback_to_healthy_ms rollback_restart_to_healthy_ms berth_gap_ms compose_gap_ms cold_create_to_healthy_ms};
 * the events of the failed and the restored container are appended to {@code <output>.events}. Arguments: {@code
 * <runs> <output file> <work directory>}. Everything created is removed, also on failure.
 */
public final class RolloutBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROJECT_LABEL = "com.docker.compose.project";
    private static final Duration LOOP_MAX = Duration.ofSeconds(30);
    private static final Duration LOOP_PERIOD = Duration.ofMillis(20);
    private static final Duration EVENT_WAIT = Duration.ofSeconds(60);

    private static final String COMPOSE = """
            services:
              web:
                image: busybox:1.35
                command: ["sh", "-c", "mkdir -p /www; env | grep ^GREETING > /www/index.html; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]
                environment:
                  GREETING: ${GREETING}
                ports:
                  - "127.0.0.1:%d:8080"
                healthcheck:
                  test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/${HEALTH_PATH}"]
                  interval: 1s
                  timeout: 1s
                  retries: 1
            """;

    /** One container event from Docker's stream. */
    record Event(long timeNano, String action, String id, String project) {}

    private RolloutBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: RolloutBench <runs> <output> <work dir>");
        }
        int runs = Integer.parseInt(args[0]);
        Path output = Path.of(args[1]);
        Path workDir = Path.of(args[2]);
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        StackRef stack = new StackRef("bench", "rollout-" + suffix);
        String dcProject = "berth-bench-rollout-dc-" + suffix;
        int port = freePort();
        String compose = COMPOSE.formatted(port);
        Path dcDir = Files.createDirectories(workDir.resolve("dc"));
        Files.writeString(dcDir.resolve("docker-compose.yml"), compose);
        String composeFile = "stacks/" + stack.name() + "/compose.yaml";

        List<Event> events = new CopyOnWriteArrayList<>();
        Process stream = new ProcessBuilder("docker", "events", "--format", "{{json .}}", "--filter", "type=container")
                .redirectErrorStream(true)
                .start();
        Thread reader = new Thread(() -> readEvents(stream, events), "rollout-bench-events");
        reader.setDaemon(true);
        reader.start();
        // `docker events` prints nothing until something happens: give it time to subscribe, and
        // fail here if it could not start.
        Awaitility.await()
                .pollDelay(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(5))
                .until(stream::isAlive);

        DeployerConfig config = BerthHarness.config(workDir.resolve("berth"));
        DockerEngine engine = new DockerEngine(config.dockerHost());
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(16, task -> {
            Thread thread = new Thread(task, "rollout-bench-apply-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        RecordingPublisher publisher = new RecordingPublisher();
        StackApplier applier = new StackApplier(
                engine,
                publisher,
                config,
                BerthHarness.CLOCK,
                BerthHarness.SOURCE,
                BerthHarness.CODEC.json(),
                new SimpleMeterRegistry(),
                executor);
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(1))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        URI uri = URI.create("http://127.0.0.1:" + port + "/");
        List<String> lines = new ArrayList<>();
        try {
            for (int i = 1; i <= runs; i++) {
                int run = i;
                String p = stack.project();
                // A: a cold deployment.
                long t0 = System.currentTimeMillis() * 1_000_000L;
                StackChanged a = change(stack, composeFile, compose, "a" + run, "index.html");
                Envelope aEnv = Envelope.newChain(BerthHarness.SOURCE, BerthHarness.CLOCK, a);
                require(applier.apply(aEnv, a, null, UUID.randomUUID().toString()), StackApplier.Result.Kind.SUCCEEDED);
                Event aStart =
                        await(events, e -> e.project().equals(p) && e.action().equals("start") && e.timeNano() >= t0);
                Event aHealthy = await(events, after(aStart, "health_status: healthy"));
                Event aCreate = await(
                        events, e -> e.id().equals(aStart.id()) && e.action().equals("create"));
                long deployedAt = publisher.all().stream()
                        .filter(e -> e.chainId().equals(aEnv.chainId()) && e.event() instanceof ServiceDeployed)
                        .map(e -> nanos(e.time()))
                        .findFirst()
                        .orElseThrow();
                long cold = aHealthy.timeNano() - aStart.timeNano();
                long pass = deployedAt - aHealthy.timeNano();

                // B: stop-first replacement under the request loop.
                StackChanged b = change(stack, composeFile, compose, "b" + run, "index.html");
                long berthGap = underLoop(
                        http,
                        uri,
                        "b" + run,
                        () -> require(
                                applier.apply(
                                        Envelope.newChain(BerthHarness.SOURCE, BerthHarness.CLOCK, b),
                                        b,
                                        a,
                                        UUID.randomUUID().toString()),
                                StackApplier.Result.Kind.SUCCEEDED));
                String bId =
                        DockerCli.LOCAL.containers(Map.of(PROJECT_LABEL, p)).get(0);

                // C: a failing health check, B as the last good revision.
                long t1 = System.currentTimeMillis() * 1_000_000L;
                StackChanged c = change(stack, composeFile, compose, "c" + run, "missing.html");
                require(
                        applier.apply(
                                Envelope.newChain(BerthHarness.SOURCE, BerthHarness.CLOCK, c),
                                c,
                                b,
                                UUID.randomUUID().toString()),
                        StackApplier.Result.Kind.ROLLED_BACK);
                Event cCreate = await(
                        events,
                        e -> e.project().equals(p)
                                && e.action().equals("create")
                                && e.timeNano() >= t1
                                && !e.id().equals(bId));
                Event unhealthy = await(events, after(cCreate, "health_status: unhealthy"));
                Event killed = await(
                        events,
                        e -> e.id().equals(cCreate.id())
                                && e.timeNano() >= unhealthy.timeNano()
                                && (e.action().equals("kill") || e.action().equals("destroy")));
                Event bRestart = await(
                        events,
                        e -> e.id().equals(bId) && e.action().equals("start") && e.timeNano() >= unhealthy.timeNano());
                Event bHealthy = await(events, after(bRestart, "health_status: healthy"));
                List<String> trace = new ArrayList<>();
                for (Event e : events) {
                    if ((e.id().equals(cCreate.id()) || e.id().equals(bId)) && e.timeNano() >= t1) {
                        trace.add(run + " " + ms(e.timeNano() - cCreate.timeNano()) + " ms "
                                + (e.id().equals(bId) ? "old " : "new ") + e.action());
                    }
                }
                Files.write(
                        Path.of(output + ".events"),
                        trace,
                        StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
                long fail = killed.timeNano() - unhealthy.timeNano();
                long rollback = bHealthy.timeNano() - killed.timeNano();
                long restartToHealthy = bHealthy.timeNano() - bRestart.timeNano();
                String served = get(http, uri);
                if (served == null || !served.contains("b" + run)) {
                    throw new IllegalStateException("after the rollback the port serves " + served);
                }
                Envelope removal =
                        Envelope.newChain(BerthHarness.SOURCE, BerthHarness.CLOCK, new StackRemoved(stack, commit()));
                applier.remove(removal, (StackRemoved) removal.event());

                // The peer: docker-compose up -d with A, then with B under the same loop.
                compose(dcDir, dcProject, "a" + run, "up", "-d");
                awaitHealthy(events, dcProject);
                long dcGap = underLoop(http, uri, "b" + run, () -> compose(dcDir, dcProject, "b" + run, "up", "-d"));
                compose(dcDir, dcProject, "b" + run, "down", "-t", "1");

                lines.add(run + " " + ms(cold) + " " + ms(pass) + " " + ms(fail) + " " + ms(rollback) + " "
                        + ms(restartToHealthy) + " " + berthGap + " " + dcGap + " "
                        + ms(aHealthy.timeNano() - aCreate.timeNano()));
                Files.write(output, lines, StandardCharsets.UTF_8);
            }
        } finally {
            stream.destroy();
            executor.shutdownNow();
            engine.close();
            for (String project : List.of(stack.project(), dcProject)) {
                DockerCli.LOCAL.removeQuietly("container", DockerCli.LOCAL.containers(Map.of(PROJECT_LABEL, project)));
                DockerCli.LOCAL.removeQuietly("network", DockerCli.LOCAL.labelled("network", project));
            }
        }
    }

    private static StackChanged change(
            StackRef stack, String composeFile, String compose, String greeting, String healthPath) {
        return new StackChanged(
                stack,
                commit(),
                composeFile,
                compose,
                List.of(),
                Map.of("GREETING", greeting, "HEALTH_PATH", healthPath),
                StackFiles.EMPTY);
    }

    private static Commit commit() {
        String sha = (UUID.randomUUID().toString() + UUID.randomUUID())
                .replace("-", "")
                .substring(0, 40);
        return new Commit(sha, "bench", "rollout bench", Instant.now(BerthHarness.CLOCK));
    }

    private static void require(StackApplier.Result result, StackApplier.Result.Kind kind) {
        if (result.kind() != kind) {
            throw new IllegalStateException("expected " + kind + " but got " + result);
        }
    }

    private static void compose(Path dir, String project, String greeting, String... args) {
        List<String> command = new ArrayList<>(List.of("docker-compose", "-p", project));
        command.addAll(List.of(args));
        DockerCli.Result result =
                DockerCli.LOCAL.run(dir, Map.of("GREETING", greeting, "HEALTH_PATH", "index.html"), command);
        if (!result.ok()) {
            throw new IllegalStateException("docker-compose " + String.join(" ", args) + " failed: " + result.err());
        }
    }

    /** The first event of the same container, after {@code first}, with the given action. */
    private static Predicate<Event> after(Event first, String action) {
        return e -> e.id().equals(first.id()) && e.action().equals(action) && e.timeNano() >= first.timeNano();
    }

    private static void awaitHealthy(List<Event> events, String project) throws InterruptedException {
        await(events, e -> e.project().equals(project) && e.action().equals("health_status: healthy"));
    }

    private static Event await(List<Event> events, Predicate<Event> match) {
        return Awaitility.await("an event in " + events)
                .atMost(EVENT_WAIT)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> events.stream().filter(match).findFirst(), Optional::isPresent)
                .orElseThrow();
    }

    private static void readEvents(Process process, List<Event> events) {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode node = JSON.readTree(line);
                String action = node.path("Action").asText(node.path("status").asText());
                events.add(new Event(
                        node.path("timeNano").asLong(),
                        action,
                        node.path("id").asText(),
                        node.path("Actor")
                                .path("Attributes")
                                .path(PROJECT_LABEL)
                                .asText("")));
            }
        } catch (IOException e) {
            // The stream ends when the bench destroys the process.
        }
    }

    /** An action run while requests hit the port every 20 ms; the longest time without a 200, in ms. */
    private static long underLoop(HttpClient http, URI uri, String expected, Action action) throws Exception {
        List<long[]> oks = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean sawNew = new AtomicBoolean();
        Thread loop = new Thread(
                () -> {
                    long end = System.nanoTime() + LOOP_MAX.toNanos();
                    while (!stop.get() && System.nanoTime() < end) {
                        long next = System.nanoTime() + LOOP_PERIOD.toNanos();
                        String body = get(http, uri);
                        if (body != null) {
                            oks.add(new long[] {System.nanoTime()});
                            if (body.contains(expected)) {
                                sawNew.set(true);
                            }
                        }
                        // The loop's pace (one request per period), not a wait for a condition.
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            try {
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            }
                        }
                    }
                },
                "rollout-bench-requests");
        loop.start();
        // A baseline of answers before the update, and some after the new revision answered.
        Awaitility.await().atMost(LOOP_MAX).until(() -> oks.size() >= 3);
        action.run();
        Awaitility.await()
                .atMost(LOOP_MAX)
                .pollInterval(Duration.ofMillis(20))
                .failFast("the request loop ended", () -> !loop.isAlive())
                .until(sawNew::get);
        int answered = oks.size();
        Awaitility.await().atMost(LOOP_MAX).until(() -> oks.size() >= answered + 3);
        stop.set(true);
        loop.join();
        if (!sawNew.get()) {
            throw new IllegalStateException("the new revision never answered on " + uri);
        }
        long gap = 0;
        for (int i = 1; i < oks.size(); i++) {
            gap = Math.max(gap, oks.get(i)[0] - oks.get(i - 1)[0]);
        }
        return gap / 1_000_000;
    }

    /** The body of a 200 answer, or null for anything else (refused, reset, timed out). */
    private static @Nullable String get(HttpClient http, URI uri) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static long nanos(Instant time) {
        return time.getEpochSecond() * 1_000_000_000L + time.getNano();
    }

    private static long ms(long nanos) {
        return Math.round(nanos / 1_000_000.0);
    }

    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }
}
