package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.Topics;
import dev.berth.notifier.NotifierConfig;
import dev.berth.testkit.CdEventsSchemas;
import dev.berth.testkit.DockerFixture;
import dev.berth.testkit.GitRepos;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.SharedKafka;
import dev.berth.testkit.Stacks;
import dev.berth.testkit.WebhookReceiver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole pipeline, as {@code berth run --bootstrap-servers} wires it, on real parts: a Kafka
 * broker in a container, the local Docker Engine, a git repository on disk and webhook receivers
 * on 127.0.0.1.
 */
@ExtendWith(SharedKafka.class)
class PipelineIT {
    private static final String ENV = "it";
    private static KafkaFixture kafka;
    private static DockerFixture docker;

    private final String stack = "e2e" + UUID.randomUUID().toString().substring(0, 8);
    private final String key = ENV + "/" + stack;
    private final EventCodec codec = new EventCodec();
    private GitRepos repo;
    private WebhookReceiver receiver;
    private AllInOne pipeline;
    private Path dataDir;

    @BeforeAll
    static void startKafka(KafkaFixture broker) {
        kafka = broker;
        docker = new DockerFixture();
    }

    @AfterAll
    static void stopKafka() {
        if (docker != null) {
            docker.close();
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        repo = GitRepos.create();
        receiver = WebhookReceiver.start();
        dataDir = Files.createTempDirectory("berth-data-");
    }

    @AfterEach
    void tearDown() {
        if (pipeline != null) {
            pipeline.stop();
        }
        docker.removeStack(key);
        receiver.close();
        repo.close();
    }

    private void startPipeline() throws InterruptedException {
        Environments.Run environment = Environments.fromFlags(
                repo.path().toString(),
                "main",
                ENV,
                Duration.ofSeconds(1),
                dataDir,
                ComposePolicy.DEFAULT,
                null,
                null,
                Duration.ofSeconds(20),
                HostVariables.NONE,
                AllInOne.Settings.workDir(dataDir));
        NotifierConfig notifier = Environments.notifier(
                        List.of(), HostVariables.NONE, List.of(receiver.url("/hook")), List.of(receiver.url("/slack")))
                // Every failure of the test's one stack reaches Slack (an incident update each), not one
                // message per flood window.
                .withFlood(Duration.ofMillis(1), NotifierConfig.DEFAULT_STORM_THRESHOLD);
        pipeline = new AllInOne(new AllInOne.Settings(
                List.of(environment),
                notifier,
                kafka.bootstrapServers(),
                dataDir,
                Duration.ofSeconds(30),
                0,
                HostVariables.NONE,
                null));
        pipeline.start();
    }

    private Container awaitRunning(String revision) {
        // A container listed a moment ago may be gone by its inspect: a failed one being removed.
        return await().atMost(Duration.ofSeconds(90))
                .ignoreException(NotFoundException.class)
                .until(
                        () -> docker.containers(key).stream()
                                .filter(c -> revision.equals(c.getLabels().get("berth.revision")))
                                .filter(c -> "healthy".equals(docker.health(c.getId())))
                                .findFirst()
                                .orElse(null),
                        c -> c != null);
    }

    /** The deployment events the generic webhook heard (the watcher's stack events go there too). */
    private List<String> webhookTypes() {
        return receiver.requests("/hook").stream()
                .map(r -> readJson(r.body()).path("type").asText())
                .filter(type -> !type.startsWith("dev.cdeventsx.berth-stack."))
                .toList();
    }

    private JsonNode readJson(String text) {
        try {
            return codec.json().readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void commitDeploysReplacesAndRemovesAStackAndReportsEachStep() throws Exception {
        int port = Stacks.freePort();
        repo.write("stacks/" + stack + "/compose.yaml", Stacks.webServer(port, "one", Stacks.HEALTHY));
        String first = repo.commit("Alice", "Add " + stack);
        startPipeline();

        Container c1 = awaitRunning(first);
        assertThat(c1.getLabels())
                .containsEntry("berth.stack", key)
                .containsEntry("berth.service", "web")
                .containsEntry("berth.revision", first)
                .containsEntry("com.docker.compose.project", ENV + "-" + stack)
                .containsEntry("team", "web");
        InspectContainerResponse inspected = docker.inspect(c1.getId());
        assertThat(inspected.getConfig().getEnv()).contains("GREETING=one");

        // A change to the environment replaces the container.
        repo.write("stacks/" + stack + "/compose.yaml", Stacks.webServer(port, "two", Stacks.HEALTHY));
        String second = repo.commit("Bob", "Say two");
        Container c2 = awaitRunning(second);
        assertThat(c2.getId()).isNotEqualTo(c1.getId());
        assertThat(docker.inspect(c2.getId()).getConfig().getEnv()).contains("GREETING=two");
        // The old container is removed once the new one passed its gate.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> docker.containers(key).size() == 1);

        // Deleting the stack removes its containers and its network.
        repo.delete("stacks/" + stack);
        repo.commit("Carol", "Remove " + stack);
        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        docker.containers(key).isEmpty() && docker.networks(key).isEmpty());

        // The generic webhook heard every deployment event, in order.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> webhookTypes().stream()
                                .filter(t -> t.endsWith("deployment.succeeded.0.1.0"))
                                .count()
                        == 3);
        assertThat(webhookTypes())
                .containsExactly(
                        "dev.cdeventsx.berth-deployment.started.0.1.0",
                        "dev.cdevents.service.deployed.0.3.0",
                        "dev.cdeventsx.berth-deployment.succeeded.0.1.0",
                        "dev.cdeventsx.berth-deployment.started.0.1.0",
                        "dev.cdevents.service.upgraded.0.3.0",
                        "dev.cdeventsx.berth-deployment.succeeded.0.1.0",
                        "dev.cdeventsx.berth-deployment.started.0.1.0",
                        "dev.cdevents.service.removed.0.3.0",
                        "dev.cdeventsx.berth-deployment.succeeded.0.1.0");
        // Slack heard the three outcomes.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> receiver.requests("/slack").size() == 3);
        assertThat(receiver.requests("/slack").get(0).body()).contains(key).contains(first.substring(0, 7));

        // The audit trail holds every event, each a conformant CloudEvent.
        await().atMost(Duration.ofSeconds(30)).until(() -> auditOf(key).size() >= 12);
        CdEventsSchemas schemas = new CdEventsSchemas();
        List<String> auditTypes = new ArrayList<>();
        for (KafkaFixture.Record record : auditOf(key)) {
            assertThat(record.headers())
                    .containsKeys("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject")
                    .containsEntry("ce_specversion", "1.0")
                    .containsEntry("ce_subject", key)
                    .containsEntry("content-type", "application/json");
            auditTypes.add(record.ceType());
            if (CdEventsSchemas.covers(record.ceType())) {
                assertThat(schemas.validate(record.ceType(), codec.json().readTree(record.value())))
                        .as("CDEvents schema of %s", record.ceType())
                        .isEmpty();
            }
        }
        assertThat(auditTypes)
                .contains(
                        "dev.cdeventsx.berth-stack.changed.0.1.0",
                        "dev.cdeventsx.berth-stack.removed.0.1.0",
                        "dev.cdevents.service.deployed.0.3.0",
                        "dev.cdevents.service.upgraded.0.3.0",
                        "dev.cdevents.service.removed.0.3.0");
    }

    @Test
    void badInputIsReportedAndLeavesTheRunningStackAlone() throws Exception {
        int port = Stacks.freePort();
        repo.write("stacks/" + stack + "/compose.yaml", Stacks.webServer(port, "good", Stacks.HEALTHY));
        String good = repo.commit("Alice", "Good");
        startPipeline();
        Container running = awaitRunning(good);

        // Malformed YAML: invalid with its line, nothing deployed.
        repo.write("stacks/" + stack + "/compose.yaml", "services:\n  web:\n    image: [busybox\n");
        String broken = repo.commit("Alice", "Broken YAML");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> slackTexts().stream()
                        .anyMatch(t -> t.contains(broken.substring(0, 7)) && t.contains("compose.yaml:")));
        // A service without an image.
        repo.write("stacks/" + stack + "/compose.yaml", "services:\n  web:\n    command: run\n");
        repo.commit("Alice", "No image");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> slackTexts().stream().anyMatch(t -> t.contains("has no image")));
        // An image that does not exist on the engine.
        repo.write(
                "stacks/" + stack + "/compose.yaml",
                Stacks.webServer(port, "good", Stacks.HEALTHY).replace("busybox:1.35", "berth-test/missing:" + stack));
        repo.commit("Alice", "Missing image");
        await().atMost(Duration.ofSeconds(90))
                .until(() -> slackTexts().stream().anyMatch(t -> t.contains("berth-test/missing")));
        // A health check that never passes: bounded wait, failed, the good container back.
        repo.write("stacks/" + stack + "/compose.yaml", Stacks.webServer(port, "bad", "exit 1"));
        String bad = repo.commit("Alice", "Never healthy");
        await().atMost(Duration.ofSeconds(90))
                .until(() -> slackTexts().stream()
                        .anyMatch(t -> t.contains(bad.substring(0, 7))
                                && t.toLowerCase().contains("fail")));

        Container after = awaitRunning(good);
        assertThat(after.getId()).isEqualTo(running.getId());
        assertThat(docker.containers(key)).hasSize(1);
        List<KafkaFixture.Record> invalid = kafka.readAll(Topics.DEPLOYMENTS).stream()
                .filter(r -> key.equals(r.key()) && r.ceType().endsWith("stack.invalid.0.1.0"))
                .toList();
        assertThat(invalid).hasSize(2);
        assertThat(readJson(invalid.get(0).valueText())
                        .at("/subject/content/line")
                        .asInt())
                .isGreaterThanOrEqualTo(3);
        assertThat(readJson(invalid.get(1).valueText())
                        .at("/subject/content/line")
                        .asInt())
                .isEqualTo(2);
    }

    private List<String> slackTexts() {
        return receiver.requests("/slack").stream()
                .map(WebhookReceiver.Request::body)
                .toList();
    }

    private List<KafkaFixture.Record> auditOf(String stackKey) {
        return kafka.readAll(Topics.AUDIT).stream()
                .filter(r -> stackKey.equals(r.key()))
                .toList();
    }
}
