package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.testkit.DockerFixture;
import dev.berth.testkit.GitRepos;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.SharedKafka;
import dev.berth.testkit.Stacks;
import dev.berth.testkit.WebhookReceiver;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The distributed pipeline driven by one set of environment files, as an operator runs it: {@code berth
 * watcher}, two {@code berth deployer}s and {@code berth notifier}, each its own command (in threads of
 * this JVM) on a Kafka broker in a container, deploying two environments of a real git repository to the
 * local Docker Engine.
 */
@ExtendWith(SharedKafka.class)
class ServiceEnvironmentFilesIT {
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String blue = "blue-" + suffix;
    private final String green = "green-" + suffix;
    private final String stack = "svc" + suffix;
    private final List<Thread> services = new ArrayList<>();
    private final Map<String, StringWriter> errors = new ConcurrentHashMap<>();
    private final Map<String, Integer> exits = new ConcurrentHashMap<>();
    private KafkaFixture kafka;
    private DockerFixture docker;
    private GitRepos repo;
    private WebhookReceiver receiver;
    private Path dir;

    @BeforeEach
    void setUp(KafkaFixture broker) throws Exception {
        dir = Files.createTempDirectory("berth-service-environments-");
        docker = new DockerFixture();
        kafka = broker;
        new TopicAdmin(kafka.settings(), Clock.systemUTC()).awaitBrokerAndCreateTopics(line -> {});
        repo = GitRepos.create();
        receiver = WebhookReceiver.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        // An interrupt asks a service command to stop, as SIGTERM does in a container.
        services.forEach(Thread::interrupt);
        for (Thread service : services) {
            service.join(Duration.ofSeconds(60).toMillis());
        }
        if (docker != null) {
            docker.removeStack(blue + "/" + stack);
            docker.removeStack(green + "/" + stack);
            docker.close();
        }
        if (receiver != null) {
            receiver.close();
        }
        if (repo != null) {
            repo.close();
        }
        try (var files = Files.walk(dir)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
    }

    /** Runs {@code berth <args>} in a thread of its own until the test ends. */
    private void start(String name, String... args) {
        StringWriter err = new StringWriter();
        errors.put(name, err);
        Thread thread = new Thread(
                () -> {
                    var cli = Berth.commandLine();
                    cli.setOut(new PrintWriter(new StringWriter(), true));
                    cli.setErr(new PrintWriter(err, true));
                    exits.put(name, cli.execute(args));
                },
                "it-" + name);
        thread.start();
        services.add(thread);
    }

    private List<String> common(String name) {
        return List.of(
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--ops-listen",
                "127.0.0.1:0",
                "--data-dir",
                dir.resolve(name).toString());
    }

    private String[] args(String role, List<String> more) {
        List<String> args = new ArrayList<>();
        args.add(role);
        args.addAll(common(role + more.hashCode()));
        args.addAll(more);
        return args.toArray(String[]::new);
    }

    private Path environmentFile(String env, String events) throws IOException {
        Path file = dir.resolve("environments").resolve(env + ".yaml");
        Files.createDirectories(file.getParent());
        return Files.writeString(file, """
                name: %1$s
                source: {repository: %2$s, stacks_path: envs/%1$s/stacks, poll_interval: 1s}
                variables: {GREETING: hello-%1$s}
                deploy:
                  health_timeout: 30s
                notifications:
                  channels:
                    hook: {type: webhook, url: {secret: HOOK_URL}}
                  routes:
                    - {name: outcome, events: [%3$s], channels: [hook]}
                """.formatted(env, repo.path(), events));
    }

    private Container awaitHealthy(String env, String revision) {
        return await().atMost(Duration.ofSeconds(120))
                .ignoreException(NotFoundException.class)
                .until(
                        () -> {
                            assertThat(exits)
                                    .as("a service command ended: %s", errors)
                                    .isEmpty();
                            return docker.containers(env + "/" + stack).stream()
                                    .filter(c -> revision.equals(c.getLabels().get("berth.revision")))
                                    .filter(c -> "healthy".equals(docker.health(c.getId())))
                                    .findFirst()
                                    .orElse(null);
                        },
                        c -> c != null);
    }

    @Test
    void oneSetOfEnvironmentFilesDrivesTheWatcherTheDeployersAndTheNotifier() throws Exception {
        for (String env : List.of(blue, green)) {
            repo.write(
                    "envs/" + env + "/stacks/" + stack + "/compose.yaml",
                    Stacks.webServer(Stacks.freePort(), "${GREETING}", Stacks.HEALTHY));
        }
        String revision = repo.commit("Alice", "Add " + stack);
        Path environments = dir.resolve("environments");
        // blue's route takes successes, green's failures only; both post to a secret URL.
        Path blueFile = environmentFile(blue, "succeeded");
        environmentFile(green, "failed");
        Path secrets = Files.writeString(
                dir.resolve("notifier-secrets.env"), "HOOK_URL=" + receiver.url("/hooks/s3cr3t") + "\n");

        // One watcher process watches both environments of the directory.
        start("watcher", args("watcher", List.of("--environments", environments.toString())));
        // One deployer per environment: one given blue's file, one selecting green from the directory.
        start("deployer-blue", args("deployer", List.of("--environment-file", blueFile.toString())));
        start(
                "deployer-green",
                args("deployer", List.of("--environments", environments.toString(), "--environment", green)));
        start(
                "notifier",
                args(
                        "notifier",
                        List.of("--environments", environments.toString(), "--secrets-file", secrets.toString())));

        for (String env : List.of(blue, green)) {
            Container container = awaitHealthy(env, revision);
            // The file's variables reached the stack, and its name the compose project.
            assertThat(docker.inspect(container.getId()).getConfig().getEnv()).contains("GREETING=hello-" + env);
            assertThat(container.getLabels()).containsEntry("com.docker.compose.project", env + "-" + stack);
        }
        // The notifier delivered blue's success on blue's route (its URL a secret of the secrets file);
        // green's route takes failures only.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !receiver.requests("/hooks/s3cr3t").isEmpty());
        assertThat(receiver.requests("/hooks/s3cr3t"))
                .allSatisfy(
                        r -> assertThat(r.body()).contains(blue + "/" + stack).doesNotContain(green + "/"));
        assertThat(receiver.requests("/hooks/s3cr3t").get(0).body()).contains("deployment.succeeded");

        // A new commit to green's directory is deployed by green's deployer alone.
        repo.write(
                "envs/" + green + "/stacks/" + stack + "/compose.yaml",
                Stacks.webServer(Stacks.freePort(), "${GREETING}-again", Stacks.HEALTHY));
        String greenOnly = repo.commit("Bob", "green only");
        Container again = awaitHealthy(green, greenOnly);
        assertThat(docker.inspect(again.getId()).getConfig().getEnv()).contains("GREETING=hello-" + green + "-again");
        assertThat(docker.containers(blue + "/" + stack))
                .allSatisfy(c -> assertThat(c.getLabels()).containsEntry("berth.revision", revision));
        assertThat(exits).as("%s", errors).isEmpty();
        for (StringWriter err : errors.values()) {
            assertThat(err.toString()).doesNotContain("s3cr3t");
        }
    }
}
