package dev.berth.deployer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.model.Container;
import dev.berth.common.StackRef;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.testkit.DockerFixture;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.SharedKafka;
import dev.berth.testkit.Stacks;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * {@code container_name} on a real broker and engine: the exact name through updates and a rollback,
 * a name another stack holds, a container Berth does not manage, and the adoption of one that
 * {@code docker compose} made. Two deployers: environment {@code cnit} refuses adoption, {@code cnadopt}
 * allows it ({@code --adopt}); both deploy to the local engine.
 */
@Isolated
@ExtendWith(SharedKafka.class)
class ContainerNameIT {
    private static final Clock CLOCK = Clock.systemUTC();
    private static final EventCodec CODEC = new EventCodec();
    private static final String UNHEALTHY = "false";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static KafkaFixture kafka;
    private static KafkaEventPublisher publisher;
    private static DockerFixture docker;
    private static final List<Deployer> DEPLOYERS = new ArrayList<>();

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final StackRef stack = new StackRef("cnit", "s" + id);
    private final StackRef adopting = new StackRef("cnadopt", "s" + id);
    private final String name = "berth-cn-" + id;
    private final int port = Stacks.freePort();
    /** Compose projects a test brought up, taken down after it. */
    private final Set<String> projects = ConcurrentHashMap.newKeySet();

    @TempDir
    Path work;

    @BeforeAll
    static void start(KafkaFixture broker) throws InterruptedException {
        kafka = broker;
        new TopicAdmin(kafka.settings(), CLOCK).awaitBrokerAndCreateTopics(line -> {});
        publisher = new KafkaEventPublisher(kafka.settings(), "container-name-it", CODEC);
        docker = new DockerFixture();
        for (String environment : List.of("cnit", "cnadopt")) {
            DeployerConfig config = DeployerConfig.defaults()
                    .withEnvironment(environment)
                    .withHealthTimeout(Duration.ofSeconds(15))
                    .withMonitorPeriod(Duration.ofSeconds(1))
                    .withAdopt(environment.equals("cnadopt"));
            Deployer deployer = new Deployer(config, kafka.settings(), publisher, CLOCK, new SimpleMeterRegistry());
            deployer.start();
            DEPLOYERS.add(deployer);
        }
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (Deployer deployer : DEPLOYERS) {
            deployer.stop();
            deployer.awaitStop(Duration.ofSeconds(30));
        }
        if (publisher != null) {
            publisher.close();
        }
        if (docker != null) {
            docker.close();
        }
    }

    @AfterEach
    void cleanUp() {
        docker.removeStack(stack.key());
        docker.removeStack(adopting.key());
        for (String project : projects) {
            compose(work, project, "down", "-v", "-t", "0");
        }
        for (String leftover : List.of(name, name + "-berth-old", name + "-berth-failed", name + "-berth-new")) {
            cli("rm", "-f", "-v", leftover);
        }
    }

    /** A web server named {@code name} by container_name, published on 127.0.0.1:{@code port}. */
    private String named(String greeting, String healthTest) {
        return """
                services:
                  web:
                    image: busybox:1.35
                    container_name: %s
                    command: ["sh", "-c", "mkdir -p /www; env | grep ^GREETING > /www/index.html; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]
                    environment:
                      GREETING: %s
                    ports:
                      - "127.0.0.1:%d:8080"
                    healthcheck:
                      test: ["CMD-SHELL", "%s"]
                      interval: 1s
                      timeout: 2s
                      retries: 2
                """.formatted(name, greeting, port, healthTest);
    }

    private KafkaFixture.Record deploy(StackRef target, String compose) {
        StackChanged change = Stacks.changed(target, compose, "rev " + UUID.randomUUID());
        Envelope envelope = Envelope.newChain(URI.create("/test"), CLOCK, change);
        publisher.publish(envelope);
        return kafka.awaitOutcome(envelope.chainId(), Duration.ofSeconds(120));
    }

    private static JsonNode content(KafkaFixture.Record r) throws IOException {
        return CODEC.json().readTree(r.value()).at("/subject/content");
    }

    private String get() throws IOException, InterruptedException {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                .timeout(Duration.ofSeconds(3))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body()
                .strip();
    }

    /** Every container whose name starts with the test's name (aside, failed, temporary ones included). */
    private List<String> namesOnTheEngine() {
        return cli("ps", "-a", "--format", "{{.Names}}", "--filter", "name=" + name)
                .lines()
                .sorted()
                .toList();
    }

    private String idOf(String container) {
        return cli("inspect", "-f", "{{.Id}}", container).strip();
    }

    private boolean running(String container) {
        return cli("inspect", "-f", "{{.State.Running}}", container).strip().equals("true");
    }

    @Test
    void theServiceRunsUnderItsNameThroughUpdatesAndARollback() throws Exception {
        for (String greeting : List.of("one", "two", "three")) {
            KafkaFixture.Record outcome = deploy(stack, named(greeting, Stacks.HEALTHY));
            assertThat(outcome.ceType()).as(outcome.valueText()).contains("deployment.succeeded");
            List<Container> containers = docker.containers(stack.key());
            assertThat(containers).singleElement().satisfies(c -> {
                assertThat(c.getNames()).containsExactly("/" + name);
                assertThat(c.getLabels())
                        .containsEntry("berth.stack", stack.key())
                        .containsEntry("berth.service", "web")
                        .containsEntry("com.docker.compose.project", stack.project())
                        .containsEntry("com.docker.compose.service", "web")
                        .containsEntry("com.docker.compose.container-number", "1");
            });
            assertThat(namesOnTheEngine()).containsExactly(name);
            assertThat(get()).isEqualTo("GREETING=" + greeting);
        }
        String good = idOf(name);

        KafkaFixture.Record failed = deploy(stack, named("four", UNHEALTHY));
        assertThat(failed.ceType()).contains("deployment.failed");
        assertThat(content(failed).get("reason").asText()).contains("the stack was rolled back to");
        // The old container is back under its name (the same one, restarted), and nothing else is left.
        assertThat(namesOnTheEngine()).containsExactly(name);
        assertThat(idOf(name)).isEqualTo(good);
        assertThat(running(name)).isTrue();
        assertThat(get()).isEqualTo("GREETING=three");
    }

    @Test
    void aNameAnotherStackHoldsFailsTheDeploymentBeforeAnythingIsTouched() throws Exception {
        assertThat(deploy(stack, named("one", Stacks.HEALTHY)).ceType()).contains("deployment.succeeded");
        String owner = idOf(name);

        // Another stack, of another environment, on the same engine.
        KafkaFixture.Record refused = deploy(adopting, named("other", Stacks.HEALTHY));
        assertThat(refused.ceType()).contains("deployment.failed");
        assertThat(content(refused).get("reason").asText())
                .contains(
                        "service \"web\" has container_name \"" + name + "\"",
                        "belongs to stack " + stack.key() + " (service \"web\")",
                        "give one of them another container_name",
                        "nothing was changed");
        assertThat(docker.containers(adopting.key())).isEmpty();
        assertThat(idOf(name)).isEqualTo(owner);
        assertThat(running(name)).isTrue();
        assertThat(get()).isEqualTo("GREETING=one");
    }

    @Test
    void aContainerBerthDoesNotManageIsNeverRemoved() throws Exception {
        cli("run", "-d", "--name", name, "busybox:1.35", "sleep", "300");
        String foreign = idOf(name);

        KafkaFixture.Record refused = deploy(stack, named("one", Stacks.HEALTHY));
        assertThat(refused.ceType()).contains("deployment.failed");
        assertThat(content(refused).get("reason").asText())
                .contains(
                        "a container \"" + name + "\" that neither Berth nor docker compose created",
                        "remove it (docker rm -f " + name + ")",
                        "nothing was changed");
        // Adoption does not reach it either: docker compose did not make it.
        KafkaFixture.Record adopted = deploy(adopting, named("one", Stacks.HEALTHY));
        assertThat(adopted.ceType()).contains("deployment.failed");
        assertThat(content(adopted).get("reason").asText())
                .contains("adoption (on for this environment) replaces only containers docker compose created");

        assertThat(docker.containers(stack.key())).isEmpty();
        assertThat(docker.containers(adopting.key())).isEmpty();
        assertThat(idOf(name)).isEqualTo(foreign);
        assertThat(running(name)).isTrue();
        assertThat(namesOnTheEngine()).containsExactly(name);
    }

    @Test
    void aContainerDockerComposeMadeIsRefusedWithoutAdoptionAndReplacedWithIt() throws Exception {
        String project = composeUp();
        String theirs = idOf(name);
        assertThat(get()).isEqualTo("GREETING=compose");

        KafkaFixture.Record refused = deploy(stack, named("berth", Stacks.HEALTHY));
        assertThat(refused.ceType()).contains("deployment.failed");
        assertThat(content(refused).get("reason").asText())
                .contains(
                        "that Berth does not manage is on the engine (created by docker compose, project \"" + project
                                + "\", service \"web\")",
                        "--adopt, or deploy.adopt: true",
                        "nothing was changed");
        assertThat(idOf(name)).isEqualTo(theirs);
        assertThat(running(name)).isTrue();

        // Adopted, but the new container fails its gate: the Compose container is put back and started.
        KafkaFixture.Record failed = deploy(adopting, named("berth", UNHEALTHY));
        assertThat(failed.ceType()).contains("deployment.failed");
        assertThat(namesOnTheEngine()).containsExactly(name);
        assertThat(idOf(name)).isEqualTo(theirs);
        assertThat(running(name)).isTrue();
        assertThat(get()).isEqualTo("GREETING=compose");
        assertThat(docker.containers(adopting.key())).isEmpty();

        // Adopted and healthy: the service runs under the name, Berth's now.
        KafkaFixture.Record adopted = deploy(adopting, named("berth", Stacks.HEALTHY));
        assertThat(adopted.ceType()).as(adopted.valueText()).contains("deployment.succeeded");
        assertThat(namesOnTheEngine()).containsExactly(name);
        assertThat(idOf(name)).isNotEqualTo(theirs);
        assertThat(docker.containers(adopting.key()))
                .singleElement()
                .satisfies(c -> assertThat(c.getNames()).containsExactly("/" + name));
        assertThat(get()).isEqualTo("GREETING=berth");
    }

    @Test
    void anAdoptionADeployerLeftHalfWayIsPutBackThenFinished() throws Exception {
        composeUp();
        // What a deployer killed after renaming the Compose container aside leaves.
        cli("stop", "-t", "0", name);
        cli("rename", name, name + "-berth-old");

        KafkaFixture.Record refused = deploy(stack, named("berth", Stacks.HEALTHY));
        assertThat(refused.ceType()).contains("deployment.failed");
        // Put back under its name and started, then refused as any Compose container without adoption.
        assertThat(namesOnTheEngine()).containsExactly(name);
        assertThat(running(name)).isTrue();

        cli("stop", "-t", "0", name);
        cli("rename", name, name + "-berth-old");
        KafkaFixture.Record adopted = deploy(adopting, named("berth", Stacks.HEALTHY));
        assertThat(adopted.ceType()).as(adopted.valueText()).contains("deployment.succeeded");
        assertThat(namesOnTheEngine()).containsExactly(name);
        assertThat(get()).isEqualTo("GREETING=berth");
    }

    /** Brings up a project with docker-compose (or docker compose) whose one service holds the name. */
    private String composeUp() throws IOException {
        String project = "cnit" + id;
        projects.add(project);
        Files.writeString(work.resolve("docker-compose.yml"), """
                version: "3.8"
                services:
                  web:
                    image: busybox:1.35
                    container_name: %s
                    command: ["sh", "-c", "mkdir -p /www; env | grep ^GREETING > /www/index.html; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]
                    environment:
                      GREETING: compose
                    ports:
                      - "127.0.0.1:%d:8080"
                """.formatted(name, port));
        Result up = compose(work, project, "up", "-d");
        assertThat(up.exit()).as(up.output()).isZero();
        assertThat(cli("inspect", "-f", "{{index .Config.Labels \"com.docker.compose.project\"}}", name)
                        .strip())
                .isEqualTo(project);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> get().equals("GREETING=compose"));
        return project;
    }

    private record Result(int exit, String output) {}

    private static Result compose(Path dir, String project, String... args) {
        List<String> command = new ArrayList<>();
        if (run(dir, List.of("docker-compose", "version")).exit() == 0) {
            command.add("docker-compose");
        } else {
            command.addAll(List.of("docker", "compose"));
        }
        command.addAll(List.of("-p", project));
        command.addAll(List.of(args));
        return run(dir, command);
    }

    private static String cli(String... args) {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        return run(null, command).output();
    }

    private static Result run(Path dir, List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            return new Result(process.exitValue(), out.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + command, e);
        }
    }
}
