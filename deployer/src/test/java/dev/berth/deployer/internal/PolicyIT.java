package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.Commit;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.EventPublisher;
import dev.berth.common.event.StackChanged;
import dev.berth.deployer.internal.docker.ContainerInfo;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * {@code deploy.update_config} and the {@code x-berth} gate on the real engine: the order in which old
 * and new containers run (read from the engine's own event log), batches and their delay, probes that
 * fail with their evidence or pass, and what pause and continue leave behind.
 */
@Isolated
class PolicyIT extends EngineSupport {
    private static final URI SOURCE = URI.create("/berth/policy-it");

    private final List<Envelope> published = new ArrayList<>();
    private ExecutorService executor;
    private StackApplier applier;

    @BeforeEach
    void applier() {
        executor = Executors.newFixedThreadPool(4);
        EventPublisher publisher = new EventPublisher() {
            @Override
            public void publish(Envelope envelope) {
                synchronized (published) {
                    published.add(envelope);
                }
            }

            @Override
            public void close() {}
        };
        applier = new StackApplier(
                engine,
                publisher,
                config(HostVariables.NONE)
                        .withHealthTimeout(Duration.ofSeconds(30))
                        .withMonitorPeriod(Duration.ofSeconds(1)),
                CLOCK,
                SOURCE,
                new EventCodec().json(),
                new SimpleMeterRegistry(),
                executor);
    }

    @AfterEach
    void stopExecutor() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }

    private @org.jspecify.annotations.Nullable StackChanged lastApplied;

    /** Applies {@code compose} at a new commit, without a revision to roll back to; its events. */
    private List<BerthEvent> apply(String compose) throws InterruptedException {
        return apply(compose, null);
    }

    /** Applies {@code compose} at a new commit, rolling back to {@code lastGood} on failure; its events. */
    private List<BerthEvent> apply(String compose, @org.jspecify.annotations.Nullable StackChanged lastGood)
            throws InterruptedException {
        StackChanged change = new StackChanged(
                stack,
                new Commit(randomSha(), "Erin", "policy test", Instant.now()),
                "stacks/web/compose.yaml",
                compose,
                List.of(),
                Map.of(),
                StackFiles.EMPTY);
        Envelope incoming = Envelope.newChain(SOURCE, CLOCK, change);
        applier.apply(incoming, change, lastGood, java.util.UUID.randomUUID().toString());
        lastApplied = change;
        synchronized (published) {
            return published.stream()
                    .filter(e -> e.chainId().equals(incoming.chainId()))
                    .map(Envelope::event)
                    .toList();
        }
    }

    private static DeploymentSucceeded succeeded(List<BerthEvent> events) {
        return events.stream()
                .filter(DeploymentSucceeded.class::isInstance)
                .map(DeploymentSucceeded.class::cast)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no success among " + events));
    }

    private static DeploymentFailed failed(List<BerthEvent> events) {
        return events.stream()
                .filter(DeploymentFailed.class::isInstance)
                .map(DeploymentFailed.class::cast)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no failure among " + events));
    }

    /** The stack's containers by name. */
    private Map<String, String> containers() {
        Map<String, String> byName = new java.util.TreeMap<>();
        for (ContainerInfo c : engine.containers(Labels.STACK, stack.key())) {
            byName.put(c.name(), c.id());
        }
        return byName;
    }

    private String name(String service, int number) {
        return stack.project() + "-" + service + "-" + number;
    }

    /** One lifecycle event of a container, as the engine reported it, with when it arrived. */
    record Seen(long nanos, String action, String id) {}

    /**
     * Runs {@code action} while following the engine's event stream for the stack's containers; the
     * start and die events it saw, in the order they arrived. (The engine's own event log is a ring
     * buffer other tests on this machine fill, so the test listens live.)
     */
    private List<Seen> watching(Action action) throws Exception {
        List<Seen> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var subscription = engine.followContainers(Labels.STACK, stack.key(), e -> {
            if (e.action().equals("start") || e.action().equals("die")) {
                seen.add(new Seen(System.nanoTime(), e.action(), e.containerId()));
            }
        })) {
            action.run();
            // Events of the last container may still be on their way.
            org.awaitility.Awaitility.await().pollDelay(Duration.ofMillis(300)).until(() -> true);
        }
        return List.copyOf(seen);
    }

    interface Action {
        void run() throws Exception;
    }

    private static long when(List<Seen> seen, String action, String id) {
        return seen.stream()
                .filter(s -> s.action().equals(action) && s.id().equals(id))
                .mapToLong(Seen::nanos)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + action + " of " + id + " in " + seen));
    }

    private static String sleeper(String version, String updateConfig, String extra) {
        return """
                services:
                  web:
                    image: busybox:1.35
                    command: ["sleep", "300"]
                    environment: {VERSION: "%s"}
                    stop_grace_period: 1s
                    deploy:
                      update_config: %s
                %s""".formatted(version, updateConfig, extra);
    }

    @Test
    void startFirstRunsTheNewContainerBeforeTheOldOneStops() throws Exception {
        assertThat(succeeded(apply(sleeper("1", "{order: start-first}", ""))).changed())
                .containsExactly("create web");
        String old = containers().get(name("web", 1));
        List<Seen> seen = watching(() -> assertThat(succeeded(apply(sleeper("2", "{order: start-first}", "")))
                        .changed())
                .containsExactly("replace web"));

        Map<String, String> after = containers();
        assertThat(after).containsOnlyKeys(name("web", 1));
        String fresh = after.get(name("web", 1));
        assertThat(fresh).isNotEqualTo(old);
        assertThat(when(seen, "start", fresh)).as("%s", seen).isLessThan(when(seen, "die", old));
        JsonNode inspected = inspect(fresh);
        assertThat(inspected.at("/Config/Env").toString()).contains("VERSION=2");
        assertThat(inspected.at("/State/Running").asBoolean()).isTrue();
    }

    @Test
    void aServiceWithAFixedHostPortGoesStopFirstEvenWhenAskedToStartFirst() throws Exception {
        int port = freePort();
        String ports = "    ports: [\"127.0.0.1:" + port + ":8080\"]\n";
        apply(sleeper("1", "{order: start-first}", ports));
        String old = containers().get(name("web", 1));
        List<Seen> seen = watching(() -> succeeded(apply(sleeper("2", "{order: start-first}", ports))));

        String fresh = containers().get(name("web", 1));
        assertThat(fresh).isNotEqualTo(old);
        assertThat(when(seen, "die", old)).as("%s", seen).isLessThan(when(seen, "start", fresh));
        assertThat(inspect(fresh)
                        .at("/HostConfig/PortBindings/8080~1tcp/0/HostPort")
                        .asText())
                .isEqualTo(String.valueOf(port));
    }

    @Test
    void replicasAreReplacedInBatchesOfParallelismWithTheDelayBetween() throws Exception {
        String policy = "{parallelism: 2, delay: 2s}";
        String scaled = "    scale: 4\n";
        apply(sleeper("1", policy, scaled));
        assertThat(containers()).hasSize(4);
        List<Seen> seen = watching(() -> succeeded(apply(sleeper("2", policy, scaled))));

        Map<String, String> after = containers();
        assertThat(after).hasSize(4);
        List<Long> starts = after.values().stream()
                .map(id -> when(seen, "start", id))
                .sorted()
                .toList();
        Duration inBatch1 = Duration.ofNanos(starts.get(1) - starts.get(0));
        Duration between = Duration.ofNanos(starts.get(2) - starts.get(1));
        Duration inBatch2 = Duration.ofNanos(starts.get(3) - starts.get(2));
        // A batch starts together; the next waits for the batch's gate (monitor 1 s) and the 2 s delay.
        // Compared with each other, not with a fixed bound: on a loaded machine two starts of one batch
        // measured 1.1 to 1.3 s apart. One at a time would put all three gaps at 3 s or more.
        assertThat(between).as("%s", starts).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(inBatch1).as("%s", starts).isLessThan(between.minusSeconds(1));
        assertThat(inBatch2).as("%s", starts).isLessThan(between.minusSeconds(1));
    }

    @Test
    void aFailingPostStartHookFailsTheGateAndTheOldContainerRunsOn() throws Exception {
        String v1 = """
                services:
                  web:
                    image: busybox:1.35
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
                    environment: {VERSION: "1"}
                """;
        succeeded(apply(v1));
        Map<String, String> before = containers();
        DeploymentFailed failure = failed(apply(v1.replace("VERSION: \"1\"", "VERSION: \"2\"") + """
                    post_start:
                      - command: ["sh", "-c", "echo no migration for $$VERSION >&2; exit 3"]
                """));
        assertThat(failure.reason())
                .contains("service \"web\": post_start[0] [sh, -c, echo no migration for $VERSION >&2; exit 3]"
                        + " failed with exit code 3; the container counts as failing its gate");
        assertThat(failure.evidence()).contains("post_start[0] exit code: 3").contains("no migration for 2");
        assertThat(containers()).isEqualTo(before);
        assertThat(inspect(before.get(name("web", 1))).at("/State/Running").asBoolean())
                .isTrue();
    }

    @Test
    void aPreStopHookRunsBeforeTheStopAndItsFailureDoesNotBlockIt() throws Exception {
        // The old container is gone afterwards; the engine's event log keeps what happened to it: the
        // hook's exec ended (exec_die) before the stop signal (kill), and the replacement went on.
        String v1 = """
                services:
                  web:
                    image: busybox:1.35
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
                    stop_grace_period: 2s
                    environment: {VERSION: "1"}
                    pre_stop:
                      - command: ["sh", "-c", "exit 7"]
                """;
        succeeded(apply(v1));
        String old = containers().get(name("web", 1));
        Instant since = Instant.now();
        succeeded(apply(v1.replace("VERSION: \"1\"", "VERSION: \"2\"")));
        assertThat(containers().get(name("web", 1))).isNotEqualTo(old);
        String events = cli(
                "events",
                "--since",
                String.valueOf(since.getEpochSecond() - 1),
                "--until",
                String.valueOf(Instant.now().getEpochSecond() + 1),
                "--filter",
                "container=" + old,
                "--format",
                "{{.Action}}");
        List<String> actions = events.lines().map(String::strip).toList();
        assertThat(actions).as("%s", actions).anyMatch(a -> a.startsWith("exec_die"));
        int hookEnded = indexOf(actions, "exec_die");
        int killed = indexOf(actions, "kill");
        assertThat(hookEnded).as("%s", actions).isLessThan(killed);
    }

    private static int indexOf(List<String> actions, String prefix) {
        for (int i = 0; i < actions.size(); i++) {
            if (actions.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    @Test
    void anHttpProbeAnswered404FailsTheGateWithTheAnswerAsEvidence() throws Exception {
        DeploymentFailed failure = failed(apply("""
                services:
                  web:
                    image: busybox:1.35
                    command: ["httpd", "-f", "-p", "8080", "-h", "/etc"]
                    x-berth:
                      gate:
                        timeout: 4s
                        probe:
                          http: {port: 8080, path: /health}
                          interval: 500ms
                """));
        assertThat(failure.service()).isEqualTo("web");
        assertThat(failure.reason())
                .contains("service \"web\" did not pass its probe (http :8080/health -> 200) within 4 s");
        assertThat(failure.evidence())
                .containsPattern("last probe GET http://[0-9.]+:8080/health: status 404 \\(expected 200\\)");
        assertThat(containers()).isEmpty();
    }

    @Test
    void aContainerThatDiesWithinTheMonitorPeriodAfterTurningHealthyFailsItsGate() throws Exception {
        DeploymentFailed failure = failed(apply("""
                services:
                  web:
                    image: busybox:1.35
                    command: ["sh", "-c", "sleep 3; echo giving up; exit 4"]
                    healthcheck: {test: "true", interval: 1s}
                    deploy:
                      update_config: {monitor: 8s}
                """));
        assertThat(failure.reason())
                .containsPattern(
                        "service \"web\" exited with code 4 [0-9.]+ s after passing its gate, within its stability"
                                + " window \\(monitor 8.0 s\\)");
        assertThat(failure.evidence()).contains("exit code: 4").contains("giving up");
        assertThat(containers()).isEmpty();
    }

    @Test
    void aTcpProbeThatIsAcceptedPassesTheGate() throws Exception {
        DeploymentSucceeded ok = succeeded(apply("""
                services:
                  db:
                    image: busybox:1.35
                    command: ["httpd", "-f", "-p", "5432"]
                    x-berth:
                      gate:
                        timeout: 20s
                        probe: {tcp: {port: 5432}, interval: 200ms}
                """));
        assertThat(ok.changed()).containsExactly("create db");
        assertThat(containers()).containsOnlyKeys(name("db", 1));
    }

    /** In the new revision, the first new container to start claims a lock in a shared volume and exits. */
    private static final String FIRST_FAILS = "mkdir /shared/a && exit 3";
    /** In the new revision, the second new container to start exits; the first and third run. */
    private static final String SECOND_FAILS = "mkdir /shared/a 2>/dev/null || { mkdir /shared/b && exit 3; }";

    /** Three replicas sharing a volume; with version 2, {@code failing} decides which new containers exit. */
    private static String replicas(String version, String updateConfig, String failing) {
        return """
                services:
                  web:
                    image: busybox:1.35
                    command: ["sh", "-c", "if [ $$VERSION = 2 ]; then %s; fi; exec sleep 300"]
                    environment: {VERSION: "%s"}
                    stop_grace_period: 1s
                    scale: 3
                    volumes: [shared:/shared]
                    deploy:
                      update_config: %s
                volumes:
                  shared: {}
                """.formatted(failing, version, updateConfig);
    }

    @Test
    void pauseKeepsWhatPassedStopsAtTheFailedReplicaAndDoesNotRollTheStackBack() throws Exception {
        String policy = "{failure_action: pause}";
        apply(replicas("1", policy, SECOND_FAILS));
        StackChanged good = lastApplied;
        Map<String, String> before = containers();
        assertThat(before).hasSize(3);

        DeploymentFailed failure = failed(apply(replicas("2", policy, SECOND_FAILS), good));

        assertThat(failure.reason())
                .contains("service \"web\": update paused (failure_action: pause) after a replica failed its gate:"
                        + " service \"web\" exited with code 3")
                .endsWith("1 of 3 replicas run the new revision, the others the previous one");
        assertThat(failure.reason()).doesNotContain("rolled back");
        assertThat(failure.evidence()).contains("exit code: 3");
        Map<String, String> after = containers();
        assertThat(after).containsOnlyKeys(before.keySet());
        // Replica 1 passed and stays new; 2 failed and its old container is back; 3 was never touched.
        assertThat(after.get(name("web", 1))).isNotEqualTo(before.get(name("web", 1)));
        assertThat(inspect(after.get(name("web", 1))).at("/Config/Env").toString())
                .contains("VERSION=2");
        assertThat(after.get(name("web", 2))).isEqualTo(before.get(name("web", 2)));
        assertThat(after.get(name("web", 3))).isEqualTo(before.get(name("web", 3)));
        for (String id : after.values()) {
            assertThat(inspect(id).at("/State/Running").asBoolean()).isTrue();
        }
    }

    @Test
    void continueGoesOnAndSucceedsWithinTheFailureRatio() throws Exception {
        String policy = "{failure_action: continue, max_failure_ratio: 0.5}";
        apply(replicas("1", policy, FIRST_FAILS));
        Map<String, String> before = containers();

        succeeded(apply(replicas("2", policy, FIRST_FAILS)));

        Map<String, String> after = containers();
        assertThat(after).containsOnlyKeys(before.keySet());
        // Replica 1 failed and runs the previous revision again; 2 and 3 were replaced.
        assertThat(after.get(name("web", 1))).isEqualTo(before.get(name("web", 1)));
        assertThat(after.get(name("web", 2))).isNotEqualTo(before.get(name("web", 2)));
        assertThat(after.get(name("web", 3))).isNotEqualTo(before.get(name("web", 3)));
        assertThat(inspect(after.get(name("web", 3))).at("/Config/Env").toString())
                .contains("VERSION=2");
    }

    @Test
    void continueFailsAtTheEndBeyondTheFailureRatio() throws Exception {
        String policy = "{failure_action: continue}";
        apply(replicas("1", policy, FIRST_FAILS));
        Map<String, String> before = containers();

        DeploymentFailed failure = failed(apply(replicas("2", policy, FIRST_FAILS)));

        assertThat(failure.reason())
                .contains("service \"web\": 1 of 3 replicas of \"web\" failed their gate and run the previous"
                        + " revision, more than max_failure_ratio 0.0 allows");
        Map<String, String> after = containers();
        assertThat(after.get(name("web", 1))).isEqualTo(before.get(name("web", 1)));
        assertThat(after.get(name("web", 3))).isNotEqualTo(before.get(name("web", 3)));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
