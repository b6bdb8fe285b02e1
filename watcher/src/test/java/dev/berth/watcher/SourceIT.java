package dev.berth.watcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.EventType;
import dev.berth.common.event.SourceFailed;
import dev.berth.common.event.SourceRecovered;
import dev.berth.common.event.StackChanged;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.kafka.Topics;
import dev.berth.testkit.GitRepos;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.SharedKafka;
import dev.berth.watcher.fixtures.GitHttpServer;
import dev.berth.watcher.fixtures.GitSshServer;
import dev.berth.watcher.fixtures.LogCapture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transactional watcher against sources over real transports (HTTP with basic auth, SSH with key
 * auth, file://) and a real broker: force-push, refused credentials, a server down then up, a
 * deleted branch. A canary password must appear in no log line and no record.
 */
@ExtendWith(SharedKafka.class)
class SourceIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String CANARY = "canary-" + UUID.randomUUID();
    private static final String WEB = "services:\n  web:\n    image: busybox:1.35\n    command: sleep 3600\n";
    private static final String WEB_V2 = "services:\n  web:\n    image: busybox:1.35\n    command: sleep 7200\n";
    private static final String API = "services:\n  api:\n    image: busybox:1.35\n    command: sleep 3600\n";
    private static final RetryPolicy FAST_RETRY = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(1), 3);

    private static KafkaFixture kafka;
    private static final EventCodec codec = new EventCodec();

    @TempDir
    Path dataDir;

    private final List<Watcher> watchers = new ArrayList<>();
    private final List<KafkaStateStore> stores = new ArrayList<>();
    private String env;
    private GitRepos repo;
    private LogCapture logs;

    @BeforeAll
    static void startKafka(KafkaFixture broker) throws InterruptedException {
        kafka = broker;
        new TopicAdmin(kafka.settings(), Clock.systemUTC()).awaitBrokerAndCreateTopics(line -> {});
    }

    @BeforeEach
    void newEnvironmentAndRepository() {
        env = "s" + UUID.randomUUID().toString().substring(0, 8);
        repo = GitRepos.create();
        logs = new LogCapture();
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Watcher w : watchers) {
            w.stop();
            w.awaitStop(Duration.ofSeconds(10));
        }
        stores.forEach(KafkaStateStore::close);
        logs.close();
        repo.close();
    }

    @Test
    void httpWithBasicAuthFollowsCommitsForcePushesAndAServerDownThenUp() throws Exception {
        repo.write("stacks/web/compose.yaml", WEB).write("stacks/api/compose.yaml", API);
        String first = repo.commit("Alice", "Add web and api");
        try (GitHttpServer server = new GitHttpServer(repo.path(), "alice", CANARY)) {
            server.start();
            Watcher watcher = start(config(server.url()).withCredentials(GitCredentials.userPassword("alice", CANARY)));
            awaitRecords(Topics.CHANGES, 2);

            repo.write("stacks/web/compose.yaml", WEB_V2);
            repo.commit("Bob", "Sleep longer");
            awaitRecords(Topics.CHANGES, 3);

            repo.resetHard(first);
            List<KafkaFixture.Record> changes = awaitRecords(Topics.CHANGES, 4);
            assertThat(decode(changes.get(3)).event()).isInstanceOfSatisfying(StackChanged.class, c -> {
                assertThat(c.stack().name()).isEqualTo("web");
                assertThat(c.compose()).isEqualTo(WEB);
                assertThat(c.commit().sha()).isEqualTo(first);
            });

            server.stop();
            repo.write("stacks/api/compose.yaml", API.replace("3600", "60"));
            String whileDown = repo.commit("Carol", "Shorter api");
            List<KafkaFixture.Record> failed = awaitRecords(Topics.DEPLOYMENTS, 1);
            assertThat(decode(failed.get(0)).event()).isInstanceOfSatisfying(SourceFailed.class, f -> {
                assertThat(f.environment()).isEqualTo(env);
                assertThat(f.source()).isEqualTo(server.url());
                assertThat(f.branch()).isEqualTo("main");
                assertThat(f.failures()).isEqualTo(3);
                assertThat(f.commit().sha()).isEqualTo(first);
                assertThat(f.commit().author()).as("the watcher is the actor").isEqualTo("berth-watcher");
            });
            assertThat(failed.get(0).key()).isEqualTo(env + "/berth-source");
            assertThat(watcher.isReady()).isFalse();

            server.start();
            List<KafkaFixture.Record> deployments = awaitRecords(Topics.DEPLOYMENTS, 2);
            assertThat(decode(deployments.get(1)).event()).isInstanceOfSatisfying(SourceRecovered.class, r -> {
                assertThat(r.failures()).isGreaterThanOrEqualTo(3);
                assertThat(r.commit().sha()).isEqualTo(whileDown);
            });
            changes = awaitRecords(Topics.CHANGES, 5);
            assertThat(decode(changes.get(4)).event()).isInstanceOfSatisfying(StackChanged.class, c -> {
                assertThat(c.stack().name()).isEqualTo("api");
                assertThat(c.commit().sha()).isEqualTo(whileDown);
            });
            assertThat(changes).allSatisfy(r -> assertThat(r.ceType()).isEqualTo(EventType.STACK_CHANGED.ceType()));
            assertThat(logs.text()).contains("can be read again after");
        }
        assertNoCanary();
    }

    @Test
    void aWrongPasswordIsOneClearErrorEventAndNeverShown() throws Exception {
        repo.write("stacks/web/compose.yaml", WEB);
        repo.commit("Alice", "Add web");
        try (GitHttpServer server = new GitHttpServer(repo.path(), "alice", "the-right-one")) {
            server.start();
            Watcher watcher = start(config(server.url()).withCredentials(GitCredentials.userPassword("alice", CANARY)));

            List<KafkaFixture.Record> failed = awaitRecords(Topics.DEPLOYMENTS, 1);
            assertThat(decode(failed.get(0)).event())
                    .isInstanceOfSatisfying(
                            SourceFailed.class, f -> assertThat(f.reason()).contains("check the credentials"));
            await().atMost(WAIT).until(() -> server.refusedLogins() >= 5);
            assertThat(records(Topics.DEPLOYMENTS))
                    .as("one event for the same reason")
                    .hasSize(1);
            assertThat(records(Topics.CHANGES)).isEmpty();
            assertThat(watcher.isReady()).isFalse();
        }
        assertNoCanary();
    }

    @Test
    void sshWithAKeyAndItsPassphrase() throws Exception {
        repo.write("stacks/web/compose.yaml", WEB);
        String sha = repo.commit("Alice", "Add web");
        try (GitSshServer server = new GitSshServer(repo.path())) {
            server.start();
            Path key = server.writeUserKey(dataDir.resolve("id_rsa"), CANARY);
            Path knownHosts = server.writeKnownHosts(dataDir.resolve("known_hosts"), true);
            start(config(server.url()).withCredentials(GitCredentials.sshKey(key, CANARY, knownHosts)));

            List<KafkaFixture.Record> changes = awaitRecords(Topics.CHANGES, 1);
            assertThat(decode(changes.get(0)).event())
                    .isInstanceOfSatisfying(
                            StackChanged.class,
                            c -> assertThat(c.commit().sha()).isEqualTo(sha));
        }
        assertNoCanary();
    }

    @Test
    void aDeletedBranchIsAnErrorEventAndRemovesNothing() {
        repo.write("stacks/web/compose.yaml", WEB);
        repo.commit("Alice", "Add web");
        repo.branch("release");
        start(config(repo.fileUrl()).withBranch("release"));
        awaitRecords(Topics.CHANGES, 1);

        repo.deleteBranch("release");

        List<KafkaFixture.Record> failed = awaitRecords(Topics.DEPLOYMENTS, 1);
        assertThat(decode(failed.get(0)).event()).isInstanceOfSatisfying(SourceFailed.class, f -> {
            assertThat(f.reason()).contains("branch release not found").contains("nothing removed");
            assertThat(f.source()).isEqualTo(repo.fileUrl());
        });
        assertThat(records(Topics.CHANGES)).hasSize(1);

        repo.branch("release");
        List<KafkaFixture.Record> deployments = awaitRecords(Topics.DEPLOYMENTS, 2);
        assertThat(decode(deployments.get(1)).event()).isInstanceOf(SourceRecovered.class);
        assertThat(records(Topics.CHANGES))
                .as("the same tree: nothing to publish")
                .hasSize(1);
    }

    private void assertNoCanary() {
        assertThat(logs.text()).doesNotContain(CANARY);
        for (String topic : List.of(Topics.CHANGES, Topics.DEPLOYMENTS, Topics.STATE)) {
            assertThat(kafka.readAll(topic))
                    .allSatisfy(r ->
                            assertThat(r.valueText() + r.key() + r.headers()).doesNotContain(CANARY));
        }
    }

    private WatcherConfig config(String url) {
        return new WatcherConfig(url, "main", env, Duration.ofSeconds(1), dataDir, "stacks", ComposePolicy.DEFAULT)
                .withRetry(FAST_RETRY);
    }

    private Watcher start(WatcherConfig config) {
        KafkaStateStore store = new KafkaStateStore(kafka.settings(), "source-it-" + env + "-" + stores.size());
        stores.add(store);
        Watcher watcher = Watcher.transactional(
                config, kafka.settings(), codec, store, Clock.systemUTC(), new SimpleMeterRegistry());
        watchers.add(watcher);
        watcher.start();
        return watcher;
    }

    private List<KafkaFixture.Record> records(String topic) {
        return kafka.readAll(topic).stream()
                .filter(r -> r.key() != null && r.key().startsWith(env + "/"))
                .sorted((a, b) -> decode(a).time().compareTo(decode(b).time()))
                .toList();
    }

    private List<KafkaFixture.Record> awaitRecords(String topic, int count) {
        return await().atMost(WAIT).until(() -> records(topic), r -> r.size() >= count);
    }

    private static Envelope decode(KafkaFixture.Record record) {
        return codec.decode(record.ceType(), record.value());
    }
}
