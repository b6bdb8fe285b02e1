package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackRetryRequested;
import dev.berth.common.event.StackRollbackRequested;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.kafka.Topics;
import dev.berth.deployer.KafkaStackHistoryStore;
import dev.berth.deployer.StackHistory;
import dev.berth.deployer.StackHistory.Revision;
import dev.berth.deployer.StackHistory.Status;
import dev.berth.testkit.DockerFixture;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.SharedKafka;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The operator commands against a real broker: they read berth.state and publish to berth.changes. */
@ExtendWith(SharedKafka.class)
class OperatorCommandsIT {
    private static final EventCodec CODEC = new EventCodec();
    private static final String GOOD = "1111111111111111111111111111111111111111";
    private static final String BAD = "2222222222222222222222222222222222222222";
    private static KafkaFixture kafka;

    @TempDir
    Path dir;

    // An environment per test: status --check judges every stack of the environment, and the history
    // a test records stays in berth.state for the next test.
    private final StackRef stack = new StackRef(
            "oit" + UUID.randomUUID().toString().substring(0, 8),
            "s" + UUID.randomUUID().toString().substring(0, 8));
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void start(KafkaFixture broker) throws InterruptedException {
        kafka = broker;
        new TopicAdmin(kafka.settings(), Clock.systemUTC()).awaitBrokerAndCreateTopics(line -> {});
    }

    private int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        var cli = Berth.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** What a deployer records after a good revision and a quarantined one. */
    private void recordHistory() {
        try (KafkaStackHistoryStore store =
                new KafkaStackHistoryStore(new KafkaStateStore(kafka.settings(), "oit-" + UUID.randomUUID()), CODEC)) {
            Instant t = Instant.parse("2026-11-22T10:00:00Z");
            store.putDesired(new StackChanged(
                    stack,
                    new Commit(GOOD, "Erin", "good one", t),
                    "stacks/x/compose.yaml",
                    "services: {}",
                    List.of()));
            store.put(StackHistory.empty(stack)
                    .record(new Revision(GOOD, "good one", Status.GOOD, "d1", t, ""))
                    .record(new Revision(BAD, "bad one", Status.QUARANTINED, "d2", t.plusSeconds(60), "gate failed"))
                    .withLastGood(GOOD)
                    .withQuarantined(BAD));
        }
    }

    @Test
    void statusJoinsHistoryAndLiveHealth() throws Exception {
        String servers = kafka.bootstrapServers();
        recordHistory();
        try (DockerFixture docker = new DockerFixture()) {
            try {
                // One container of the stack on its good revision, running without a healthcheck.
                docker.runLabelled(
                        Map.of("berth.stack", stack.key(), "berth.revision", GOOD, "berth.service", "web"),
                        List.of("sleep", "300"));
                assertThat(run("status", "--bootstrap-servers", servers, "--environment", stack.environment()))
                        .isZero();
                assertThat(out.toString())
                        .contains("ENVIRONMENT")
                        .containsPattern(stack.name() + " +1111111 +running 1/1 +quarantined 2222222 ");
                // The last deployment was quarantined: a monitoring script's --check says so.
                assertThat(run("status", "--bootstrap-servers", servers, "--check", "-e", stack.environment()))
                        .isEqualTo(StatusCommand.EXIT_ATTENTION);
                assertThat(run("status", "--bootstrap-servers", servers, "-o", "json", "-e", stack.environment()))
                        .isZero();
                var row = java.util.stream.StreamSupport.stream(
                                CODEC.json().readTree(out.toString()).spliterator(), false)
                        .filter(r -> r.get("stack").asText().equals(stack.key()))
                        .findFirst()
                        .orElseThrow();
                assertThat(row.get("health").asText()).isEqualTo("running 1/1");
                assertThat(row.get("lastDeployment").get("status").asText()).isEqualTo("quarantined");
            } finally {
                docker.removeStack(stack.key());
            }
            assertThat(run("status", "--bootstrap-servers", servers, "-e", stack.environment()))
                    .isZero();
            assertThat(out.toString()).containsPattern(stack.name() + " +1111111 +absent ");
        }
    }

    @Test
    void statusCheckFailsOnAMissingStoppedOrStrayContainer() throws Exception {
        String servers = kafka.bootstrapServers();
        try (KafkaStackHistoryStore store =
                new KafkaStackHistoryStore(new KafkaStateStore(kafka.settings(), "oit-" + UUID.randomUUID()), CODEC)) {
            Instant t = Instant.parse("2026-11-22T10:00:00Z");
            store.putDesired(new StackChanged(
                    stack,
                    new Commit(GOOD, "Erin", "good one", t),
                    "stacks/x/compose.yaml",
                    // Under restart: unless-stopped, a container that exited 0 should run (under "no": a done job).
                    "services:\n  web:\n    image: busybox:1.35\n    restart: unless-stopped\n    deploy:\n"
                            + "      replicas: 3\n",
                    List.of()));
            store.put(StackHistory.empty(stack)
                    .record(new Revision(GOOD, "good one", Status.GOOD, "d1", t, ""))
                    .withLastGood(GOOD));
        }
        try (DockerFixture docker = new DockerFixture()) {
            try {
                for (int n = 1; n <= 3; n++) {
                    docker.runLabelled(web(n), List.of("sleep", "300"));
                }
                assertThat(run("status", "--bootstrap-servers", servers, "--check", "-e", stack.environment()))
                        .isZero();
                assertThat(err.toString()).isEmpty();

                // Replica 2 removed, replica 3 stopped (exit code 0, as a one-shot job would end), two strays.
                docker.removeStack(stack.key());
                docker.runLabelled(web(1), List.of("sleep", "300"));
                docker.runLabelled(web(3), List.of("true"));
                docker.runLabelled(web(4), List.of("sleep", "300"));
                Map<String, String> intruder = new java.util.HashMap<>(web(1));
                intruder.put("berth.service", "intruder");
                docker.runLabelled(intruder, List.of("sleep", "300"));
                org.awaitility.Awaitility.await()
                        .atMost(java.time.Duration.ofSeconds(20))
                        .until(() ->
                                docker.containers(stack.key()).stream().anyMatch(c -> "exited".equals(c.getState())));
                assertThat(run("status", "--bootstrap-servers", servers, "--check", "-e", stack.environment()))
                        .isEqualTo(StatusCommand.EXIT_ATTENTION);
                assertThat(err.toString())
                        .contains("stack " + stack + ": service \"web\": replica 2 of 3 is missing")
                        .containsPattern("container \\S+ is exited \\(exit code 0\\) but service \"web\" should run")
                        .containsPattern("stray container \\S+: service \"web\" has 3 replicas, not a number 4")
                        .containsPattern("stray container \\S+: service \"intruder\" is not in the revision");
                // Without --check it shows and exits 0.
                assertThat(run("status", "--bootstrap-servers", servers, "-e", stack.environment()))
                        .isZero();
                // An engine that cannot be read proves nothing: --check says so.
                String nowhere = "tcp://127.0.0.1:" + dev.berth.testkit.Stacks.freePort();
                assertThat(run(
                                "status",
                                "--bootstrap-servers",
                                servers,
                                "--check",
                                "-e",
                                stack.environment(),
                                "--docker-host",
                                nowhere))
                        .isEqualTo(StatusCommand.EXIT_ATTENTION);
                assertThat(err.toString()).contains("berth: health unknown: Docker Engine at " + nowhere);
            } finally {
                docker.removeStack(stack.key());
            }
        }
    }

    private Map<String, String> web(int number) {
        return Map.of(
                "berth.stack",
                stack.key(),
                "berth.revision",
                GOOD,
                "berth.service",
                "web",
                "com.docker.compose.container-number",
                String.valueOf(number));
    }

    @Test
    void diffComparesTheWorkTreeWithWhatRuns() throws Exception {
        String servers = kafka.bootstrapServers();
        String file = "stacks/" + stack.name() + "/compose.yaml";
        String running = "services:\n  web:\n    image: busybox:1.35\n    command: [sleep, \"300\"]\n";
        try (KafkaStackHistoryStore store =
                new KafkaStackHistoryStore(new KafkaStateStore(kafka.settings(), "oit-" + UUID.randomUUID()), CODEC)) {
            Instant t = Instant.parse("2026-11-22T10:00:00Z");
            store.putDesired(new StackChanged(
                    stack,
                    new Commit(GOOD, "Erin", "good one", t),
                    file,
                    running,
                    List.of(),
                    Map.of(),
                    new StackFiles(Map.of(file, running.getBytes(StandardCharsets.UTF_8)))));
            store.put(StackHistory.empty(stack)
                    .record(new Revision(GOOD, "good one", Status.GOOD, "d1", t, ""))
                    .withLastGood(GOOD));
        }
        Path compose = dir.resolve(file);
        Files.createDirectories(compose.getParent());
        try (DockerFixture docker = new DockerFixture()) {
            try {
                docker.runLabelled(
                        Map.of("berth.stack", stack.key(), "berth.revision", GOOD, "berth.service", "web"),
                        List.of("sleep", "300"));
                Files.writeString(
                        compose,
                        "services:\n  web:\n    image: busybox:1.35\n    command: [sleep, \"600\"]\n"
                                + "  worker:\n    image: busybox:1.35\n");
                assertThat(run(
                                "diff",
                                stack.key(),
                                "--repo",
                                dir.toString(),
                                "--bootstrap-servers",
                                servers,
                                "--exit-code"))
                        .as(err.toString())
                        .isEqualTo(DiffCommand.EXIT_CHANGES);
                assertThat(out.toString())
                        .contains(stack + ": 1111111 runs")
                        .containsPattern("~ web +recreate +1 -> 1 container")
                        .contains("command: [\"sleep\",\"300\"] → [\"sleep\",\"600\"]")
                        .containsPattern("\\+ worker +create +0 -> 1 container");

                Files.writeString(compose, running);
                assertThat(run(
                                "diff",
                                stack.key(),
                                "--repo",
                                dir.toString(),
                                "--bootstrap-servers",
                                servers,
                                "--exit-code"))
                        .isZero();
                assertThat(out.toString())
                        .containsPattern("= web +unchanged +1 running")
                        .contains("no changes");
                // Without --repo: the newest revision Berth recorded, which is what runs.
                assertThat(run("diff", stack.key(), "--bootstrap-servers", servers, "-o", "json"))
                        .isZero();
                assertThat(CODEC.json()
                                .readTree(out.toString())
                                .get("services")
                                .get(0)
                                .get("action")
                                .asText())
                        .isEqualTo("UNCHANGED");
            } finally {
                docker.removeStack(stack.key());
            }
        }
    }

    private List<Envelope> commands() {
        return kafka.readAll(Topics.CHANGES).stream()
                .filter(r -> stack.key().equals(r.key()))
                .map(r -> CODEC.decode(r.ceType(), r.value()))
                .toList();
    }

    @Test
    void historyRollbackAndRetry() throws Exception {
        String servers = kafka.bootstrapServers();
        assertThat(run("history", stack.key(), "--bootstrap-servers", servers)).isEqualTo(1);
        assertThat(err.toString()).contains("has no history");
        assertThat(run("retry", stack.key(), "--bootstrap-servers", servers)).isEqualTo(1);
        assertThat(err.toString()).contains("no quarantined revision");

        recordHistory();
        // The address from a data directory, as `berth run` writes it.
        Files.writeString(dir.resolve("bootstrap-servers"), servers + "\n");
        assertThat(run("history", stack.key(), "--data-dir", dir.toString())).isZero();
        assertThat(out.toString())
                .contains("REVISION")
                .contains("2222222   quarantined")
                .contains("1111111   good")
                .contains("gate failed")
                .contains("last good: " + GOOD + "; quarantined: " + BAD);
        assertThat(run("history", stack.key(), "--bootstrap-servers", servers, "--output", "json"))
                .isZero();
        assertThat(CODEC.json().readValue(out.toString(), StackHistory.class).quarantined())
                .isEqualTo(BAD);

        assertThat(run("rollback", stack.key(), "--to", "deadbeef", "--bootstrap-servers", servers))
                .isEqualTo(1);
        assertThat(err.toString()).contains("no revision \"deadbeef\"");
        assertThat(commands()).isEmpty();

        assertThat(run("rollback", stack.key(), "--to", "1111", "--actor", "alice", "--bootstrap-servers", servers))
                .isZero();
        assertThat(out.toString()).contains("rollback of " + stack + " to " + GOOD + " requested");
        assertThat(run("retry", stack.key(), "--actor", "bob", "--bootstrap-servers", servers))
                .isZero();
        assertThat(commands())
                .extracting(Envelope::event)
                .containsExactly(
                        new StackRollbackRequested(
                                stack,
                                ((StackRollbackRequested) commands().get(0).event()).commit(),
                                GOOD,
                                "alice"),
                        new StackRetryRequested(
                                stack, ((StackRetryRequested) commands().get(1).event()).commit(), "bob"));
    }
}
