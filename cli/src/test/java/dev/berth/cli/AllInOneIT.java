package dev.berth.cli;

import static dev.berth.cli.BerthProcess.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Container;
import dev.berth.testkit.DockerFixture;
import dev.berth.testkit.GitRepos;
import dev.berth.testkit.Stacks;
import dev.berth.testkit.WebhookReceiver;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged {@code berth} jar, run as a user runs it: {@code berth run} with its embedded broker,
 * a real git repository, the local Docker Engine, a webhook receiver; then stopped with SIGTERM (as
 * Ctrl-C does) and started again on the same data directory.
 */
class AllInOneIT {
    private static final String ENV = "aio";

    private final String stack = "aio" + UUID.randomUUID().toString().substring(0, 8);
    private BerthRun berthRun;
    private String key;
    private GitRepos repo;
    private DockerFixture docker;
    private Path dataDir;
    private WebhookReceiver receiver;

    @BeforeEach
    void setUp() throws IOException {
        berthRun = BerthRun.create(ENV);
        key = berthRun.stack(stack);
        repo = berthRun.repo;
        docker = berthRun.docker;
        dataDir = berthRun.dataDir;
        receiver = WebhookReceiver.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        berthRun.close();
        receiver.close();
    }

    private BerthProcess run(String... extra) throws IOException {
        return run(Map.of(), extra);
    }

    private BerthProcess run(Map<String, String> environment, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--health-timeout", "30s", "--webhook", receiver.url("/hook").toString()));
        args.addAll(List.of(extra));
        return berthRun.run(environment, args.toArray(String[]::new));
    }

    private BerthProcess start(String... args) throws IOException {
        return berthRun.start(args);
    }

    @Test
    void runsDeploysStopsCleanlyAndResumesFromItsHistory() throws Exception {
        int port = Stacks.freePort();
        repo.write("stacks/" + stack + "/compose.yaml", Stacks.webServer(port, "one", Stacks.HEALTHY));
        String first = repo.commit("Alice", "Add " + stack);

        BerthProcess berth = run();
        await().atMost(Duration.ofSeconds(120))
                .until(() -> berth.printed("deployed " + key + " @" + first.substring(0, 7)));
        assertThat(berth.output())
                .contains("kafka: embedded broker at 127.0.0.1:")
                .contains("detected " + key + " @" + first.substring(0, 7))
                .contains("deploying " + key)
                .contains("healthy " + key + " web");
        List<Container> containers = docker.containers(key);
        assertThat(containers).hasSize(1);
        assertThat(containers.get(0).getLabels()).containsEntry("berth.revision", first);
        int ops = berth.opsPort();
        assertThat(get(ops, "/health").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> get(ops, "/ready").statusCode() == 200);
        HttpResponse<String> metrics = get(ops, "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("# TYPE").contains("berth_");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> receiver.requests("/hook").stream()
                        .anyMatch(r -> r.body().contains("deployment.succeeded")));
        assertThat(Files.readString(dataDir.resolve("bootstrap-servers"))).startsWith("127.0.0.1:");

        // SIGTERM, as Ctrl-C: a clean stop that leaves the container running.
        // Through the handle: Process.destroy() would also close the output we want to read.
        berth.process.toHandle().destroy();
        berth.awaitExit();
        await().atMost(Duration.ofSeconds(10)).until(() -> berth.printed("stopped"));
        assertThat(berth.output()).contains("stopping").contains("stopped").doesNotContain("\tat ");
        assertThat(docker.inspect(containers.get(0).getId()).getState().getRunning())
                .isTrue();

        // Started again on the same data: the broker's history is kept, nothing is deployed twice.
        BerthProcess again = run();
        await().atMost(Duration.ofSeconds(90)).until(() -> again.printed("ready:"));
        repo.write("stacks/" + stack + "/compose.yaml", Stacks.webServer(port, "two", Stacks.HEALTHY));
        String second = repo.commit("Bob", "Say two");
        await().atMost(Duration.ofSeconds(90))
                .until(() -> again.printed("deployed " + key + " @" + second.substring(0, 7)));
        assertThat(again.count("detected " + key + " @" + first.substring(0, 7)))
                .isZero();
        assertThat(again.count("detected " + key)).isEqualTo(1);
        assertThat(docker.containers(key))
                .singleElement()
                .satisfies(c -> assertThat(c.getLabels()).containsEntry("berth.revision", second));
    }

    @Test
    void anEngineThatNeverAnswersHoldsNeitherTheOpsPortNorTheLogAndIsNotReady() throws Exception {
        repo.write("stacks/" + stack + "/compose.yaml", Stacks.webServer(Stacks.freePort(), "one", Stacks.HEALTHY));
        repo.commit("Alice", "Add " + stack);
        // An engine stand-in: accepts every connection and never answers.
        try (java.net.ServerSocket engine =
                new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = Collections.synchronizedList(new ArrayList<>());
            Thread acceptor = new Thread(
                    () -> {
                        try {
                            while (!engine.isClosed()) {
                                held.add(engine.accept());
                            }
                        } catch (IOException e) {
                            // closed
                        }
                    },
                    "hung-engine");
            acceptor.setDaemon(true);
            acceptor.start();

            BerthProcess berth = run("--docker-host", "tcp://127.0.0.1:" + engine.getLocalPort());
            await().atMost(Duration.ofSeconds(90)).until(() -> berth.printed("ready: Ctrl-C stops Berth"));
            int ops = berth.opsPort();
            assertThat(get(ops, "/health").statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30))
                    .until(() ->
                            berth.printed("waits for the Docker Engine at tcp://127.0.0.1:" + engine.getLocalPort()));
            // Not ready while the engine does not answer, and each answer comes at once.
            await().during(Duration.ofSeconds(5))
                    .atMost(Duration.ofSeconds(8))
                    .until(() -> get(ops, "/ready").statusCode() == 503);
            assertThat(held).isNotEmpty();
            assertThat(docker.containers(key)).isEmpty();
            for (java.net.Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void jsonLogsCarryTheStackAndTheChainAndMetricsTheConsumerLag() throws Exception {
        int port = Stacks.freePort();
        repo.write("stacks/" + stack + "/compose.yaml", Stacks.webServer(port, "one", Stacks.HEALTHY));
        String sha = repo.commit("Alice", "Add " + stack);

        BerthProcess berth = run(Map.of("BERTH_LOG_FORMAT", "json"));
        ObjectMapper json = new ObjectMapper();
        // Every line is one JSON object (the JSON escapes '/', so lines are read, not searched).
        Callable<List<JsonNode>> lines = () -> {
            List<JsonNode> nodes = new ArrayList<>();
            for (String line : berth.output().lines().toList()) {
                nodes.add(json.readTree(line));
            }
            return nodes;
        };
        String deployed = "deployed " + key + " @" + sha.substring(0, 7);
        await().atMost(Duration.ofSeconds(120))
                .until(() -> lines.call().stream()
                        .anyMatch(n -> n.path("formattedMessage").asText().startsWith(deployed)));
        assertThat(lines.call())
                .allSatisfy(n -> assertThat(n.path("level").asText()).isNotEmpty());
        assertThat(lines.call())
                .filteredOn(n -> n.path("formattedMessage").asText().startsWith(deployed))
                .singleElement()
                .satisfies(line -> {
                    assertThat(line.path("mdc").path("stack").asText()).isEqualTo(key);
                    assertThat(line.path("mdc").path("environment").asText()).isEqualTo(ENV);
                    assertThat(line.path("mdc").path("chain").asText()).isNotEmpty();
                    assertThat(line.path("mdc").path("deployment").asText()).isNotEmpty();
                });
        // Lines a rollout thread writes for the deployment carry the same ids.
        List<JsonNode> steps = lines.call().stream()
                .filter(n -> n.path("formattedMessage").asText().startsWith("healthy " + key)
                        || n.path("formattedMessage").asText().startsWith(deployed))
                .toList();
        assertThat(steps).hasSize(2);
        assertThat(steps)
                .extracting(n -> n.path("mdc").path("deployment").asText())
                .containsOnly(steps.get(0).path("mdc").path("deployment").asText());
        int ops = lines.call().stream()
                .map(n -> Pattern.compile("ops: http://127.0.0.1:(\\d+)/health")
                        .matcher(n.path("formattedMessage").asText()))
                .filter(Matcher::find)
                .map(m -> Integer.parseInt(m.group(1)))
                .findFirst()
                .orElseThrow();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> get(ops, "/metrics").body().contains("kafka_consumer_fetch_manager_records_lag_max"));
    }

    @Test
    void aRepositoryThatDoesNotExistIsAUsageError() throws Exception {
        BerthProcess berth = start(
                "run",
                "--repo",
                dataDir.resolve("nowhere").toString(),
                "--data-dir",
                dataDir.toString(),
                "--ops-port",
                "0");
        assertThat(berth.awaitExit()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> berth.printed("does not exist"));
        assertThat(berth.output()).doesNotContain("\tat ");
    }

    @Test
    void anUnreachableKafkaIsRetriedThenReportedWithoutStackTraces() throws Exception {
        BerthProcess berth = start(
                "run",
                "--repo",
                repo.path().toString(),
                "--data-dir",
                dataDir.toString(),
                "--ops-port",
                "0",
                "--bootstrap-servers",
                "127.0.0.1:1",
                "--kafka-startup-timeout",
                "5s");
        assertThat(berth.awaitExit()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> berth.printed("did not answer"));
        assertThat(berth.output())
                .contains("Kafka at 127.0.0.1:1 is not reachable")
                .contains("did not answer")
                .doesNotContain("\tat ");
    }

    @Test
    void badFlagsAreUsageErrors() throws Exception {
        BerthProcess berth = start("run", "--repo", repo.path().toString(), "--poll-interval", "soon");
        assertThat(berth.awaitExit()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> berth.printed("not a duration"));

        BerthProcess allow = start("run", "--repo", repo.path().toString(), "--allow", "root");
        assertThat(allow.awaitExit()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> allow.printed("\"root\" is not an allowance"));

        Path missing = dataDir.resolve("secrets.env");
        BerthProcess secrets = start("run", "--repo", repo.path().toString(), "--secrets-file", missing.toString());
        assertThat(secrets.awaitExit()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> secrets.printed("secrets file " + missing + " does not exist"));
        assertThat(secrets.output()).doesNotContain("\tat ").doesNotContain("embedded broker");
    }
}
