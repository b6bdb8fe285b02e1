package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.compose.UpdatePolicy;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.kafka.Topics;
import dev.berth.testkit.DockerFixture;
import dev.berth.testkit.GitRepos;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.SharedKafka;
import dev.berth.testkit.Stacks;
import dev.berth.testkit.WebhookReceiver;
import dev.berth.watcher.Watcher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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
 * Environment files end to end, on real parts: git repositories on disk in both layouts (a directory
 * per environment in one branch, a branch per environment), the real watchers {@code berth run} makes
 * of the files on a Kafka broker in a container, and the whole pipeline deploying two environments to
 * the local Docker Engine.
 */
@ExtendWith(SharedKafka.class)
class EnvironmentsIT {
    private static final String SUBJECT = "ce_subject";
    private static KafkaFixture kafka;
    private static DockerFixture docker;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final List<GitRepos> repos = new ArrayList<>();
    private final List<Watcher> watchers = new ArrayList<>();
    private final List<String> stacks = new ArrayList<>();
    private Path dir;
    private KafkaEventPublisher publisher;
    private KafkaStateStore state;
    private AllInOne pipeline;
    private WebhookReceiver receiver;

    @BeforeAll
    static void startKafka(KafkaFixture broker) throws InterruptedException {
        kafka = broker;
        docker = new DockerFixture();
        new TopicAdmin(kafka.settings(), Clock.systemUTC()).awaitBrokerAndCreateTopics(line -> {});
    }

    @AfterAll
    static void stopKafka() {
        if (docker != null) {
            docker.close();
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("berth-environments-");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Watcher watcher : watchers) {
            watcher.stop();
            watcher.awaitStop(Duration.ofSeconds(10));
        }
        if (pipeline != null) {
            pipeline.stop();
        }
        if (receiver != null) {
            receiver.close();
        }
        if (state != null) {
            state.close();
        }
        if (publisher != null) {
            publisher.close();
        }
        stacks.forEach(docker::removeStack);
        repos.forEach(GitRepos::close);
        try (var files = Files.walk(dir)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
    }

    private GitRepos repo() {
        GitRepos repo = GitRepos.create();
        repos.add(repo);
        return repo;
    }

    private Path environmentFile(String name, String content) throws IOException {
        Path file = dir.resolve("environments").resolve(name + ".yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }

    /** What {@code berth run --environments} makes of the files: one watcher per environment, started. */
    private void startWatchers() {
        List<EnvironmentFile> files = Environments.read(Environments.list(dir.resolve("environments")));
        publisher = new KafkaEventPublisher(kafka.settings(), "environments-it-" + suffix, new EventCodec());
        state = new KafkaStateStore(kafka.settings(), "environments-it-" + suffix);
        for (EnvironmentFile file : files) {
            Environments.Run run = Environments.fromFile(
                    file,
                    Environments.Overrides.NONE,
                    dir.resolve("data"),
                    null,
                    Duration.ofMinutes(2),
                    HostVariables.NONE,
                    dir.resolve("data/stacks"),
                    null);
            Watcher watcher =
                    new Watcher(run.watcher(), publisher, state, Clock.systemUTC(), new SimpleMeterRegistry());
            watcher.start();
            watchers.add(watcher);
        }
    }

    /** The {@code stack.changed} records of a stack so far. */
    private List<KafkaFixture.Record> changes(String stackKey) {
        return kafka.readAll(Topics.CHANGES).stream()
                .filter(r -> stackKey.equals(r.headers().get(SUBJECT)))
                .filter(r -> r.ceType().contains("stack.changed"))
                .toList();
    }

    private void awaitChanges(String stackKey, int count) {
        await().atMost(Duration.ofSeconds(60)).until(() -> changes(stackKey).size() >= count);
    }

    @Test
    void aDirectoryPerEnvironmentAndABranchPerEnvironmentEachPublishOnlyTheirOwnStacks() throws IOException {
        String web = "web" + suffix;
        String api = "api" + suffix;
        // One repository, one branch, a directory per environment.
        GitRepos mono = repo();
        String compose = "services:\n  web:\n    image: busybox:1.35\n    hostname: ${HOST_NAME}\n";
        mono.write("envs/dev/stacks/" + web + "/compose.yaml", compose);
        mono.write("envs/staging/stacks/" + web + "/compose.yaml", compose);
        mono.write("envs/staging/stacks/" + web + "/.env", "HOST_NAME=from-dotenv\n");
        mono.commit("Alice", "dev and staging");
        // Another repository, a branch per environment: qa follows main, prod follows prod.
        GitRepos branches = repo();
        branches.write("stacks/" + api + "/compose.yaml", "services:\n  api:\n    image: busybox:1.35\n");
        branches.commit("Bob", "api");
        branches.branch("prod");
        environmentFile("dev", """
                name: dev
                source: {repository: %s, stacks_path: envs/dev/stacks, poll_interval: 1s}
                variables: {HOST_NAME: dev-host}
                """.formatted(mono.path()));
        environmentFile("staging", """
                name: staging
                source: {repository: %s, branch: main, stacks_path: envs/staging/stacks, poll_interval: 1s}
                variables: {HOST_NAME: staging-host}
                """.formatted(mono.fileUrl()));
        environmentFile("qa", """
                name: qa
                source: {repository: %s, branch: main, poll_interval: 1s}
                """.formatted(branches.path()));
        environmentFile("prod", """
                name: prod
                source: {repository: %s, branch: prod, poll_interval: 1s}
                """.formatted(branches.path()));

        startWatchers();

        awaitChanges("dev/" + web, 1);
        awaitChanges("staging/" + web, 1);
        awaitChanges("qa/" + api, 1);
        awaitChanges("prod/" + api, 1);
        // Each environment's variables travel with its changes, and win over the stack's .env.
        assertThat(changes("dev/" + web).get(0).valueText()).contains("dev-host");
        assertThat(changes("staging/" + web).get(0).valueText())
                .contains("staging-host")
                .doesNotContain("from-dotenv");
        assertThat(kafka.readAll(Topics.CHANGES).stream().map(r -> r.headers().get(SUBJECT)))
                .doesNotContain("dev/" + api, "staging/" + api, "qa/" + web, "prod/" + web);

        // A commit under staging's directory changes staging alone.
        mono.write("envs/staging/stacks/" + web + "/compose.yaml", compose + "    user: \"1000\"\n");
        mono.commit("Carol", "staging only");
        awaitChanges("staging/" + web, 2);
        // A commit to main changes qa alone; prod follows its own branch.
        branches.write(
                "stacks/" + api + "/compose.yaml", "services:\n  api:\n    image: busybox:1.35\n    init: true\n");
        String qaOnly = branches.commit("Dan", "qa only");
        awaitChanges("qa/" + api, 2);
        assertThat(changes("qa/" + api).get(1).valueText()).contains(qaOnly);
        // Promoting to prod is moving its branch.
        branches.branch("prod");
        awaitChanges("prod/" + api, 2);
        assertThat(changes("prod/" + api).get(1).valueText()).contains(qaOnly);

        assertThat(changes("dev/" + web)).hasSize(1);
        assertThat(changes("staging/" + web)).hasSize(2);
    }

    @Test
    void berthRunWithEnvironmentFilesDeploysEachEnvironmentWithItsVariables() throws Exception {
        String stack = "env" + suffix;
        stacks.add("blue/" + stack);
        stacks.add("green/" + stack);
        GitRepos mono = repo();
        int bluePort = Stacks.freePort();
        int greenPort = Stacks.freePort();
        mono.write(
                "envs/blue/stacks/" + stack + "/compose.yaml",
                Stacks.webServer(bluePort, "${GREETING}", Stacks.HEALTHY));
        mono.write(
                "envs/green/stacks/" + stack + "/compose.yaml",
                Stacks.webServer(greenPort, "${GREETING}", Stacks.HEALTHY));
        String revision = mono.commit("Alice", "Add " + stack);
        // Each environment routes to its own receiver path: blue its successes, green only failures.
        receiver = WebhookReceiver.start();
        for (String env : List.of("blue", "green")) {
            environmentFile(env, """
                    name: %1$s
                    source: {repository: %2$s, stacks_path: envs/%1$s/stacks, poll_interval: 1s}
                    variables: {GREETING: hello-%1$s}
                    deploy:
                      health_timeout: 30s
                      update_config: {order: start-first, monitor: 1s}
                    notifications:
                      channels:
                        hook: {type: webhook, url: "%3$s"}
                      routes:
                        - {name: outcome, events: [%4$s], channels: [hook]}
                    """.formatted(
                            env, mono.path(), receiver.url("/" + env), env.equals("blue") ? "succeeded" : "failed"));
        }
        List<EnvironmentFile> files = Environments.read(Environments.list(dir.resolve("environments")));
        Path data = dir.resolve("data");
        List<Environments.Run> runs = new ArrayList<>();
        for (EnvironmentFile file : files) {
            runs.add(Environments.fromFile(
                    file,
                    Environments.Overrides.NONE,
                    data,
                    null,
                    Duration.ofMinutes(2),
                    HostVariables.NONE,
                    AllInOne.Settings.workDir(data),
                    null));
        }
        assertThat(runs)
                .extracting(r -> r.deployer().groupId())
                .containsExactly("berth-deployer-blue", "berth-deployer-green");
        assertThat(runs.get(0).deployer().updateDefaults().order()).isEqualTo(UpdatePolicy.Order.START_FIRST);
        pipeline = new AllInOne(new AllInOne.Settings(
                runs,
                Environments.notifier(files, HostVariables.NONE, List.of(), List.of()),
                kafka.bootstrapServers(),
                data,
                Duration.ofSeconds(30),
                0,
                HostVariables.NONE,
                null));
        pipeline.start();

        for (String env : List.of("blue", "green")) {
            Container container = await().atMost(Duration.ofSeconds(90))
                    .ignoreException(NotFoundException.class)
                    .until(
                            () -> docker.containers(env + "/" + stack).stream()
                                    .filter(c -> revision.equals(c.getLabels().get("berth.revision")))
                                    .filter(c -> "healthy".equals(docker.health(c.getId())))
                                    .findFirst()
                                    .orElse(null),
                            c -> c != null);
            assertThat(docker.inspect(container.getId()).getConfig().getEnv()).contains("GREETING=hello-" + env);
            assertThat(container.getLabels()).containsEntry("com.docker.compose.project", env + "-" + stack);
        }
        // blue's route took blue's success; green's route (failures only) took nothing, and no
        // environment's channel heard another environment's events.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !receiver.requests("/blue").isEmpty());
        assertThat(receiver.requests("/blue"))
                .allSatisfy(r -> assertThat(r.body()).contains("blue/" + stack).doesNotContain("green/"));
        assertThat(receiver.requests("/blue").get(0).body()).contains("deployment.succeeded");
        assertThat(receiver.requests("/green")).isEmpty();
    }
}
