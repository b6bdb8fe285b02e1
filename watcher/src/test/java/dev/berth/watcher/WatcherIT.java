package dev.berth.watcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.common.BerthException;
import dev.berth.common.Commit;
import dev.berth.common.RetriableBerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.EventPublisher;
import dev.berth.common.event.EventType;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackInvalid;
import dev.berth.common.event.StackRemoved;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.kafka.Topics;
import dev.berth.testkit.GitRepos;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.SharedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The watcher against a real broker and real repositories on disk. */
@ExtendWith(SharedKafka.class)
class WatcherIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String WEB = "services:\n  web:\n    image: busybox:1.35\n    command: sleep 3600\n";
    private static final String WEB_V2 = "services:\n  web:\n    image: busybox:1.35\n    command: sleep 7200\n";
    private static final String API = "services:\n  api:\n    image: busybox:1.35\n    command: sleep 3600\n";

    private static final String BASE = "services:\n  base:\n    image: busybox:1.35\n    command: sleep 3600\n";
    /** A stack using an extends base, an env_file and a bind-mounted directory, all outside its directory. */
    private static final String USES_SHARED = """
            services:
              web:
                extends:
                  file: ../../shared/base.yaml
                  service: base
                env_file: ../../shared/common.env
                volumes:
                  - ../../assets/html:/usr/share/html:ro
            """;

    private static KafkaFixture kafka;
    private static KafkaEventPublisher publisher;
    private static final EventCodec codec = new EventCodec();

    @TempDir
    Path dataDir;

    private final Map<Watcher, SimpleMeterRegistry> watchers = new IdentityHashMap<>();
    private final List<KafkaStateStore> stores = new ArrayList<>();
    private String env;
    private GitRepos repo;

    @BeforeAll
    static void startKafka(KafkaFixture broker) throws InterruptedException {
        kafka = broker;
        new TopicAdmin(kafka.settings(), Clock.systemUTC()).awaitBrokerAndCreateTopics(line -> {});
        publisher = new KafkaEventPublisher(kafka.settings(), "watcher-it", codec);
    }

    @AfterAll
    static void stopKafka() {
        if (publisher != null) {
            publisher.close();
        }
    }

    @BeforeEach
    void newEnvironmentAndRepository() {
        env = "t" + UUID.randomUUID().toString().substring(0, 8);
        repo = GitRepos.create();
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Watcher w : watchers.keySet()) {
            w.stop();
            w.awaitStop(Duration.ofSeconds(10));
        }
        stores.forEach(KafkaStateStore::close);
        repo.close();
    }

    @Test
    void firstCommitPublishesEveryStackWithItsComposeAndCommit() {
        repo.write("stacks/web/compose.yaml", WEB)
                .write("stacks/api/compose.yml", API)
                .write("stacks/api/config/app.env", "A=1\n")
                .write("stacks/README.md", "not a stack\n")
                .write("README.md", "config repo\n");
        Instant when = Instant.parse("2026-11-20T10:15:30Z");
        String sha = repo.commit("Alice", "Add web and api\n\nBoth sleep for now.\n", when);

        startWatcher();

        List<KafkaFixture.Record> records = awaitRecords(Topics.CHANGES, 2);
        Commit commit = new Commit(sha, "Alice", "Add web and api\n\nBoth sleep for now.\n", when);
        assertThat(records)
                .extracting(r -> decode(r).event())
                .containsExactlyInAnyOrder(
                        new StackChanged(
                                stack("api"),
                                commit,
                                "stacks/api/compose.yml",
                                API,
                                List.of("stacks/api/compose.yml", "stacks/api/config/app.env"),
                                Map.of(),
                                files(Map.of("stacks/api/compose.yml", API, "stacks/api/config/app.env", "A=1\n"))),
                        new StackChanged(
                                stack("web"),
                                commit,
                                "stacks/web/compose.yaml",
                                WEB,
                                List.of("stacks/web/compose.yaml"),
                                Map.of(),
                                files(Map.of("stacks/web/compose.yaml", WEB))));
        for (KafkaFixture.Record r : records) {
            assertThat(r.key()).isIn(env + "/api", env + "/web");
            assertThat(r.headers())
                    .containsEntry("ce_specversion", "1.0")
                    .containsEntry("ce_type", EventType.STACK_CHANGED.ceType())
                    .containsEntry("ce_source", "/berth/watcher/" + env)
                    .containsEntry("ce_subject", r.key())
                    .containsEntry("content-type", "application/json")
                    .containsKeys("ce_id", "ce_time");
        }
        assertThat(records.get(0).headers().get("ce_id"))
                .isNotEqualTo(records.get(1).headers().get("ce_id"));
    }

    @Test
    void laterCommitsPublishOnlyTheStacksTheyTouch() {
        repo.write("stacks/web/compose.yaml", WEB).write("stacks/api/compose.yaml", API);
        repo.commit("Alice", "Add web and api");
        Watcher watcher = startWatcher();
        awaitRecords(Topics.CHANGES, 2);

        repo.write("stacks/web/compose.yaml", WEB_V2).write("docs/notes.md", "outside the stacks\n");
        String second = repo.commit("Bob", "Sleep longer");
        List<KafkaFixture.Record> records = awaitRecords(Topics.CHANGES, 3);
        StackChanged changed = (StackChanged) decode(records.get(2)).event();
        assertThat(records).last().satisfies(r -> assertThat(r.key()).isEqualTo(env + "/web"));
        assertThat(changed.compose()).isEqualTo(WEB_V2);
        assertThat(changed.commit().sha()).isEqualTo(second);
        assertThat(changed.commit().author()).isEqualTo("Bob");
        assertThat(changed.changedPaths()).containsExactly("stacks/web/compose.yaml");

        repo.delete("stacks/api");
        String third = repo.commit("Carol", "Retire api");
        records = awaitRecords(Topics.CHANGES, 4);
        assertThat(records).last().satisfies(r -> assertThat(r.ceType()).isEqualTo(EventType.STACK_REMOVED.ceType()));
        assertThat(decode(records.get(3)).event()).isEqualTo(new StackRemoved(stack("api"), repo.commitOf(third)));

        awaitPolls(watcher, 2);
        assertThat(records(Topics.CHANGES)).hasSize(4);
        assertThat(watcher.isReady()).isTrue();
    }

    @Test
    void anInvalidStackIsReportedOnDeploymentsAndNotPublishedAsAChange() {
        String broken = "services:\n  web:\n    image: busybox:1.35\n    environment:\n      - A=1\n      B: 2\n";
        repo.write("stacks/web/compose.yaml", broken).write("stacks/api/compose.yaml", API);
        String sha = repo.commit("Alice", "Add a broken web");

        startWatcher();

        List<KafkaFixture.Record> invalid = awaitRecords(Topics.DEPLOYMENTS, 1);
        assertThat(invalid.get(0).ceType()).isEqualTo(EventType.STACK_INVALID.ceType());
        StackInvalid event = (StackInvalid) decode(invalid.get(0)).event();
        assertThat(event.stack()).isEqualTo(stack("web"));
        assertThat(event.commit().sha()).isEqualTo(sha);
        assertThat(event.file()).isEqualTo("stacks/web/compose.yaml");
        assertThat(event.line()).isEqualTo(6);
        assertThat(event.column()).isPositive();
        assertThat(event.error()).isNotBlank();
        List<KafkaFixture.Record> changes = awaitRecords(Topics.CHANGES, 1);
        assertThat(changes).extracting(KafkaFixture.Record::key).containsExactly(env + "/api");
    }

    @Test
    void aStacksDotEnvIsValidatedAndTravelsWithTheChangeAndTheRestIsLeftToTheHost() {
        String api = "services:\n  api:\n    image: busybox:${TAG:?set TAG in .env}\n";
        repo.write("stacks/web/compose.yaml", "services:\n  web:\n    image: busybox:${TAG:?set TAG in .env}\n")
                .write("stacks/web/.env", "# the image tag\nTAG=1.35\n")
                .write("stacks/api/compose.yaml", api)
                .write("stacks/db/compose.yaml", API)
                .write("stacks/db/.env", "not a variable\n");
        repo.commit("Alice", "Stacks with variables");

        startWatcher();

        List<StackChanged> changes = awaitRecords(Topics.CHANGES, 2).stream()
                .map(r -> (StackChanged) decode(r).event())
                .sorted(java.util.Comparator.comparing(e -> e.stack().name()))
                .toList();
        assertThat(changes.get(1).stack()).isEqualTo(stack("web"));
        assertThat(changes.get(1).variables()).containsExactly(Map.entry("TAG", "1.35"));
        // TAG is set nowhere in the repository: the deployer's host resolves it, ${TAG:?} is checked there.
        assertThat(changes.get(0).stack()).isEqualTo(stack("api"));
        assertThat(changes.get(0).variables()).isEmpty();
        assertThat(changes.get(0).compose()).isEqualTo(api);
        StackInvalid db = (StackInvalid)
                decode(awaitRecords(Topics.DEPLOYMENTS, 1).get(0)).event();
        assertThat(db.stack()).isEqualTo(stack("db"));
        assertThat(db.location()).isEqualTo("stacks/db/.env:1:1");
        assertThat(records(Topics.CHANGES)).hasSize(2);
    }

    @Test
    void aChangeCarriesTheFilesItsStackUsesInsideAndOutsideItsDirectory() {
        repo.write("shared/base.yaml", BASE)
                .write("shared/common.env", "GREETING=hello\n")
                .write("shared/unused.env", "NOT=shipped\n")
                .write("assets/html/index.html", "<p>hi</p>\n")
                .write("assets/html/css/site.css", "p {}\n")
                .write("README.md", "config repo\n")
                .write("stacks/web/compose.yaml", USES_SHARED)
                .write("stacks/web/conf/app.conf", "x=1\n");
        repo.commit("Alice", "web with shared files");

        startWatcher();

        StackChanged web =
                (StackChanged) decode(awaitRecords(Topics.CHANGES, 1).get(0)).event();
        assertThat(web.files().paths())
                .containsExactly(
                        "assets/html/css/site.css",
                        "assets/html/index.html",
                        "shared/base.yaml",
                        "shared/common.env",
                        "stacks/web/compose.yaml",
                        "stacks/web/conf/app.conf");
        assertThat(web.files().text("shared/common.env")).contains("GREETING=hello\n");
        assertThat(web.files().text("assets/html/index.html")).contains("<p>hi</p>\n");
        assertThat(web.compose()).isEqualTo(USES_SHARED);
    }

    @Test
    void changingOnlyASharedFileRepublishesExactlyTheStacksThatUseIt() {
        repo.write("shared/base.yaml", BASE)
                .write("shared/common.env", "GREETING=hello\n")
                .write("assets/html/index.html", "<p>hi</p>\n")
                .write("stacks/web/compose.yaml", USES_SHARED)
                .write(
                        "stacks/api/compose.yaml",
                        "services:\n  api:\n    image: busybox:1.35\n    env_file: ../../shared/common.env\n")
                .write("stacks/db/compose.yaml", API);
        repo.commit("Alice", "three stacks");
        Watcher watcher = startWatcher();
        awaitRecords(Topics.CHANGES, 3);

        repo.write("shared/common.env", "GREETING=bonjour\n");
        String envChange = repo.commit("Bob", "French greeting");
        List<KafkaFixture.Record> records = awaitRecords(Topics.CHANGES, 5);
        awaitPolls(watcher, 2);
        records = records(Topics.CHANGES);
        assertThat(records).hasSize(5);
        List<StackChanged> republished = records.subList(3, 5).stream()
                .map(r -> (StackChanged) decode(r).event())
                .sorted(java.util.Comparator.comparing(c -> c.stack().name()))
                .toList();
        assertThat(republished).extracting(StackChanged::stack).containsExactly(stack("api"), stack("web"));
        for (StackChanged change : republished) {
            assertThat(change.commit().sha()).isEqualTo(envChange);
            assertThat(change.changedPaths()).containsExactly("shared/common.env");
            assertThat(change.files().text("shared/common.env")).contains("GREETING=bonjour\n");
        }

        repo.write("shared/base.yaml", BASE.replace("3600", "60"));
        repo.write("assets/html/index.html", "<p>hello</p>\n");
        repo.write("shared/unrelated.txt", "nobody uses this\n");
        repo.commit("Carol", "Shorter base, new page");
        records = awaitRecords(Topics.CHANGES, 6);
        awaitPolls(watcher, 2);
        records = records(Topics.CHANGES);
        assertThat(records).hasSize(6);
        StackChanged web = (StackChanged) decode(records.get(5)).event();
        assertThat(web.stack()).isEqualTo(stack("web"));
        assertThat(web.changedPaths()).containsExactly("assets/html/index.html", "shared/base.yaml");

        repo.write("shared/unrelated.txt", "still nobody\n");
        repo.commit("Dan", "Unrelated");
        awaitPolls(watcher, 2);
        assertThat(records(Topics.CHANGES)).hasSize(6);
        assertThat(records(Topics.DEPLOYMENTS)).isEmpty();
    }

    @Test
    void whatAStackUsesIsRememberedUntilItsDirectoryChanges() {
        String usesA = "services:\n  api:\n    image: busybox:1.35\n    env_file: ../../shared/a.env\n";
        repo.write("shared/a.env", "A=1\n")
                .write("shared/b.env", "B=1\n")
                .write("stacks/api/compose.yaml", usesA)
                .write("stacks/db/compose.yaml", API);
        repo.commit("Alice", "two stacks");
        Watcher watcher = startWatcher();
        awaitRecords(Topics.CHANGES, 2);

        repo.write("stacks/api/compose.yaml", usesA.replace("a.env", "b.env"));
        repo.commit("Bob", "api uses b.env");
        awaitRecords(Topics.CHANGES, 3);

        repo.write("shared/a.env", "A=2\n");
        repo.commit("Carol", "a.env, used by nobody now");
        awaitPolls(watcher, 2);
        assertThat(records(Topics.CHANGES)).hasSize(3);

        repo.write("shared/b.env", "B=2\n");
        String bChange = repo.commit("Dan", "b.env");
        StackChanged api =
                (StackChanged) decode(awaitRecords(Topics.CHANGES, 4).get(3)).event();
        assertThat(api.stack()).isEqualTo(stack("api"));
        assertThat(api.commit().sha()).isEqualTo(bChange);

        repo.write("stacks/db/compose.yaml", API.replace("api:\n", "db:\n") + "    env_file: ../../shared/a.env\n");
        repo.commit("Erin", "db uses a.env");
        awaitRecords(Topics.CHANGES, 5);
        repo.write("shared/a.env", "A=3\n");
        String aChange = repo.commit("Frank", "a.env again");
        StackChanged db =
                (StackChanged) decode(awaitRecords(Topics.CHANGES, 6).get(5)).event();
        assertThat(db.stack()).isEqualTo(stack("db"));
        assertThat(db.commit().sha()).isEqualTo(aChange);
        awaitPolls(watcher, 2);
        assertThat(records(Topics.CHANGES)).hasSize(6);
    }

    @Test
    void anOptionalSharedEnvFileThatAppearsRepublishesItsUsers() {
        String optional = "services:\n  api:\n    image: busybox:1.35\n    env_file:\n"
                + "      - path: ../../shared/extra.env\n        required: false\n";
        repo.write("stacks/api/compose.yaml", optional).write("stacks/db/compose.yaml", API);
        repo.commit("Alice", "two stacks");
        Watcher watcher = startWatcher();
        awaitRecords(Topics.CHANGES, 2);
        repo.write("stacks/db/compose.yaml", API.replace("3600", "60"));
        repo.commit("Bob", "db changes, so what api uses is remembered");
        awaitRecords(Topics.CHANGES, 3);

        repo.write("shared/extra.env", "EXTRA=1\n");
        String added = repo.commit("Carol", "the optional file appears");
        StackChanged api =
                (StackChanged) decode(awaitRecords(Topics.CHANGES, 4).get(3)).event();
        assertThat(api.stack()).isEqualTo(stack("api"));
        assertThat(api.commit().sha()).isEqualTo(added);
        awaitPolls(watcher, 2);
        assertThat(records(Topics.CHANGES)).hasSize(4);
    }

    @Test
    void anIdlePollAsksForTheHeadAndDoesNotFetch() {
        repo.write("stacks/web/compose.yaml", WEB);
        repo.commit("Alice", "Add web");
        Watcher watcher = startWatcher();
        awaitRecords(Topics.CHANGES, 1);
        awaitPolls(watcher, 1);
        double fetches = counter(watcher, "berth.watcher.fetches");
        assertThat(fetches).isEqualTo(1);

        awaitPolls(watcher, 2);
        assertThat(counter(watcher, "berth.watcher.fetches")).isEqualTo(fetches);

        repo.write("stacks/web/compose.yaml", WEB_V2);
        repo.commit("Alice", "Sleep longer");
        awaitRecords(Topics.CHANGES, 2);
        assertThat(counter(watcher, "berth.watcher.fetches")).isEqualTo(fetches + 1);
    }

    @Test
    void aSharedFileThatBreaksAStackMakesItInvalid() {
        repo.write("shared/common.env", "GREETING=hello\n")
                .write(
                        "stacks/api/compose.yaml",
                        "services:\n  api:\n    image: busybox:1.35\n    env_file: ../../shared/common.env\n")
                .write("stacks/db/compose.yaml", API);
        repo.commit("Alice", "two stacks");
        Watcher watcher = startWatcher();
        awaitRecords(Topics.CHANGES, 2);

        repo.write("shared/common.env", "not a variable\n");
        repo.commit("Bob", "Break the shared file");

        StackInvalid invalid = (StackInvalid)
                decode(awaitRecords(Topics.DEPLOYMENTS, 1).get(0)).event();
        assertThat(invalid.stack()).isEqualTo(stack("api"));
        assertThat(invalid.file()).isEqualTo("shared/common.env");
        awaitPolls(watcher, 2);
        assertThat(records(Topics.DEPLOYMENTS)).hasSize(1);
        assertThat(records(Topics.CHANGES)).hasSize(2);
    }

    @Test
    void hostileYamlIsInvalidAtItsLineAndTheWatcherKeepsPublishingTheOtherStacks() {
        String deep =
                "services:\n  web:\n    image: busybox:1.35\n    x-deep: " + "[".repeat(2000) + "]".repeat(2000) + "\n";
        repo.write("stacks/deep/compose.yaml", deep).write("stacks/api/compose.yaml", API);
        repo.commit("Mallory", "A deeply nested value");

        Watcher watcher = startWatcher();

        StackInvalid invalid = (StackInvalid)
                decode(awaitRecords(Topics.DEPLOYMENTS, 1).get(0)).event();
        assertThat(invalid.stack()).isEqualTo(stack("deep"));
        assertThat(invalid.file()).isEqualTo("stacks/deep/compose.yaml");
        assertThat(invalid.line()).isEqualTo(4);
        assertThat(invalid.column()).isEqualTo(74);
        assertThat(invalid.error()).startsWith("values are nested more than 64 levels deep here");
        assertThat(awaitRecords(Topics.CHANGES, 1))
                .extracting(KafkaFixture.Record::key)
                .containsExactly(env + "/api");

        StringBuilder bomb = new StringBuilder("services:\n  bomb:\n    image: busybox:1.35\nx-0: &l0 [\"lol\"]\n");
        for (int i = 1; i <= 12; i++) {
            bomb.append("x-").append(i).append(": &l").append(i).append(" [");
            bomb.append(String.join(", ", java.util.Collections.nCopies(8, "*l" + (i - 1))))
                    .append("]\n");
        }
        repo.write("stacks/bomb/compose.yaml", bomb.toString()).write("stacks/web/compose.yaml", WEB);
        repo.commit("Mallory", "An alias bomb, and a good stack after it");

        List<KafkaFixture.Record> deployments = awaitRecords(Topics.DEPLOYMENTS, 2);
        StackInvalid bombInvalid = (StackInvalid) decode(deployments.get(1)).event();
        assertThat(bombInvalid.stack()).isEqualTo(stack("bomb"));
        assertThat(bombInvalid.file()).isEqualTo("stacks/bomb/compose.yaml");
        assertThat(bombInvalid.line()).isPositive();
        assertThat(bombInvalid.error()).contains("with its aliases written out, is larger than");
        assertThat(awaitRecords(Topics.CHANGES, 2))
                .extracting(KafkaFixture.Record::key)
                .containsExactly(env + "/api", env + "/web");
        assertThat(watcher.isHealthy()).isTrue();
        await().atMost(WAIT).until(watcher::isReady);
        assertThat(counter(watcher, "berth.watcher.poll.errors")).isZero();
    }

    @Test
    void aSymlinkedComposeFileMakesTheStackInvalid() {
        repo.write("elsewhere/compose.yaml", WEB)
                .symlink("stacks/web/compose.yaml", "../../elsewhere/compose.yaml")
                .write("stacks/api/compose.yaml", API);
        repo.commit("Alice", "A linked compose file");

        startWatcher();

        StackInvalid invalid = (StackInvalid)
                decode(awaitRecords(Topics.DEPLOYMENTS, 1).get(0)).event();
        assertThat(invalid.stack()).isEqualTo(stack("web"));
        assertThat(invalid.file()).isEqualTo("stacks/web/compose.yaml");
        assertThat(invalid.error())
                .isEqualTo("is a symbolic link, which Berth never follows: commit the compose file itself in its"
                        + " place");
        assertThat(awaitRecords(Topics.CHANGES, 1))
                .extracting(KafkaFixture.Record::key)
                .containsExactly(env + "/api");
    }

    @Test
    void aSymbolicLinkAsABindSourceMakesTheStackInvalid() {
        repo.write("shared/data/file.txt", "data\n")
                .symlink("stacks/web/data", "../../shared/data")
                .write(
                        "stacks/web/compose.yaml",
                        "services:\n  web:\n    image: busybox:1.35\n    volumes:\n      - ./data:/data\n")
                .write("stacks/api/compose.yaml", API);
        repo.commit("Alice", "A linked bind source");

        startWatcher();

        StackInvalid invalid = (StackInvalid)
                decode(awaitRecords(Topics.DEPLOYMENTS, 1).get(0)).event();
        assertThat(invalid.stack()).isEqualTo(stack("web"));
        assertThat(invalid.file()).isEqualTo("stacks/web/compose.yaml");
        assertThat(invalid.line()).isEqualTo(5);
        assertThat(invalid.error()).containsIgnoringCase("link");
        assertThat(awaitRecords(Topics.CHANGES, 1))
                .extracting(KafkaFixture.Record::key)
                .containsExactly(env + "/api");
    }

    @Test
    void aChangeWithSeveralMebibytesOfFilesIsPublished() {
        byte[] data = new byte[3 * 1024 * 1024];
        new java.util.Random(42).nextBytes(data);
        repo.write("stacks/web/compose.yaml", WEB).writeBytes("stacks/web/data.bin", data);
        repo.commit("Alice", "Web with data");

        startWatcher();

        StackChanged web =
                (StackChanged) decode(awaitRecords(Topics.CHANGES, 1).get(0)).event();
        assertThat(web.files().bytes("stacks/web/data.bin")).hasValue(data);
    }

    @Test
    void filesOverTheLimitMakeTheStackInvalidNamingTheLargest() {
        repo.write("stacks/web/compose.yaml", WEB)
                .writeBytes("stacks/web/big.bin", new byte[5 * 1024 * 1024])
                .writeBytes("stacks/web/bigger.bin", new byte[6 * 1024 * 1024])
                .write("stacks/api/compose.yaml", API);
        repo.commit("Alice", "Too much");

        startWatcher();

        StackInvalid invalid = (StackInvalid)
                decode(awaitRecords(Topics.DEPLOYMENTS, 1).get(0)).event();
        assertThat(invalid.stack()).isEqualTo(stack("web"));
        assertThat(invalid.file()).isEqualTo("stacks/web/compose.yaml");
        assertThat(invalid.error())
                .startsWith("the files this stack uses hold 11.0 MiB, more than the 8.0 MiB a change can carry;"
                        + " the largest are stacks/web/bigger.bin (6.0 MiB), stacks/web/big.bin (5.0 MiB),"
                        + " stacks/web/compose.yaml (");
        assertThat(awaitRecords(Topics.CHANGES, 1))
                .extracting(KafkaFixture.Record::key)
                .containsExactly(env + "/api");
    }

    @Test
    void aRestartedWatcherPublishesOnlyWhatItHasNotPublishedYet() throws InterruptedException {
        repo.write("stacks/web/compose.yaml", WEB).write("stacks/api/compose.yaml", API);
        repo.commit("Alice", "Add web and api");
        Watcher first = startWatcher();
        awaitRecords(Topics.CHANGES, 2);
        first.stop();
        assertThat(first.awaitStop(Duration.ofSeconds(10))).isTrue();

        Watcher second = startWatcher();
        awaitPolls(second, 2);
        assertThat(records(Topics.CHANGES)).hasSize(2);
        second.stop();
        assertThat(second.awaitStop(Duration.ofSeconds(10))).isTrue();

        repo.write("stacks/api/compose.yaml", API.replace("3600", "60"));
        String whileStopped = repo.commit("Bob", "Shorter api");
        Watcher third = startWatcher();
        List<KafkaFixture.Record> records = awaitRecords(Topics.CHANGES, 3);
        assertThat(decode(records.get(2)).event()).isInstanceOfSatisfying(StackChanged.class, c -> {
            assertThat(c.stack()).isEqualTo(stack("api"));
            assertThat(c.commit().sha()).isEqualTo(whileStopped);
        });
        awaitPolls(third, 3);
        assertThat(records(Topics.CHANGES)).hasSize(3);
    }

    @Test
    void aForcePushPublishesTheDifferenceBetweenTheTrees() {
        repo.write("stacks/web/compose.yaml", WEB).write("stacks/api/compose.yaml", API);
        String first = repo.commit("Alice", "Add web and api");
        Watcher watcher = startWatcher();
        awaitRecords(Topics.CHANGES, 2);
        repo.write("stacks/web/compose.yaml", WEB_V2);
        repo.commit("Bob", "Sleep longer");
        awaitRecords(Topics.CHANGES, 3);

        repo.resetHard(first);

        List<KafkaFixture.Record> records = awaitRecords(Topics.CHANGES, 4);
        assertThat(decode(records.get(3)).event()).isInstanceOfSatisfying(StackChanged.class, c -> {
            assertThat(c.stack()).isEqualTo(stack("web"));
            assertThat(c.compose()).isEqualTo(WEB);
            assertThat(c.commit().sha()).isEqualTo(first);
        });
        awaitPolls(watcher, 2);
        assertThat(records(Topics.CHANGES)).hasSize(4);
    }

    @Test
    void aFailedPublishKeepsTheCursorAndIsRetriedAtTheNextPoll() {
        repo.write("stacks/web/compose.yaml", WEB).write("stacks/api/compose.yaml", API);
        repo.commit("Alice", "Add web and api");
        AtomicInteger calls = new AtomicInteger();
        EventPublisher failsOnce = new EventPublisher() {
            @Override
            public void publish(Envelope envelope) {
                if (calls.incrementAndGet() == 2) {
                    throw new RetriableBerthException("broker away");
                }
                publisher.publish(envelope);
            }

            @Override
            public void close() {}
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Watcher watcher = new Watcher(config(), failsOnce, store(), Clock.systemUTC(), registry);
        watchers.put(watcher, registry);
        watcher.start();

        await().atMost(WAIT).until(() -> records(Topics.CHANGES).size() >= 3);
        awaitPolls(watcher, 2);
        // At least once: api went out in the failed poll and again in the retry; web once.
        assertThat(records(Topics.CHANGES))
                .extracting(KafkaFixture.Record::key)
                .containsExactlyInAnyOrder(env + "/api", env + "/api", env + "/web");
        assertThat(counter(watcher, "berth.watcher.poll.errors")).isEqualTo(1);
        // Counted once their whole batch is published.
        assertThat(registry.get("berth.watcher.changes")
                        .tag("kind", "changed")
                        .counter()
                        .count())
                .isEqualTo(2);
    }

    @Test
    void anErrorInAPollIsCountedAndThePollRunsAgain() {
        repo.write("stacks/web/compose.yaml", WEB).write("stacks/api/compose.yaml", API);
        repo.commit("Alice", "Add web and api");
        AtomicInteger calls = new AtomicInteger();
        EventPublisher overflowsOnce = new EventPublisher() {
            @Override
            public void publish(Envelope envelope) {
                if (calls.incrementAndGet() == 1) {
                    throw new StackOverflowError();
                }
                publisher.publish(envelope);
            }

            @Override
            public void close() {}
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Watcher watcher = new Watcher(config(), overflowsOnce, store(), Clock.systemUTC(), registry);
        watchers.put(watcher, registry);
        watcher.start();

        await().atMost(WAIT).until(() -> records(Topics.CHANGES).size() >= 2);
        assertThat(records(Topics.CHANGES))
                .extracting(KafkaFixture.Record::key)
                .containsExactlyInAnyOrder(env + "/api", env + "/web");
        assertThat(counter(watcher, "berth.watcher.poll.errors")).isEqualTo(1);
        await().atMost(WAIT).until(watcher::isReady);
        assertThat(watcher.isHealthy()).isTrue();
    }

    @Test
    void deletingOnlyTheComposeFileRemovesTheStack() {
        repo.write("stacks/web/compose.yaml", WEB).write("stacks/web/nginx.conf", "events {}\n");
        repo.commit("Alice", "Add web");
        Watcher watcher = startWatcher();
        awaitRecords(Topics.CHANGES, 1);

        repo.delete("stacks/web/compose.yaml");
        repo.commit("Alice", "Park web");

        List<KafkaFixture.Record> records = awaitRecords(Topics.CHANGES, 2);
        assertThat(decode(records.get(1)).event()).isInstanceOf(StackRemoved.class);
        assertThat(watchers.get(watcher)
                        .get("berth.watcher.changes")
                        .tag("kind", "removed")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void aStackDirectoryWithAnInvalidNameIsSkipped() {
        repo.write("stacks/Web App/compose.yaml", WEB).write("stacks/api/compose.yaml", API);
        repo.commit("Alice", "Add two stacks");

        Watcher watcher = startWatcher();

        awaitRecords(Topics.CHANGES, 1);
        awaitPolls(watcher, 2);
        assertThat(records(Topics.CHANGES)).extracting(KafkaFixture.Record::key).containsExactly(env + "/api");
    }

    @Test
    void aMissingBranchPublishesNothing() {
        repo.write("stacks/web/compose.yaml", WEB);
        repo.commit("Alice", "Add web");

        Watcher watcher = startWatcher(config().withBranch("release"));

        await().atMost(WAIT).until(() -> counter(watcher, "berth.watcher.poll.errors") >= 2);
        assertThat(watcher.isReady()).isFalse();
        assertThat(records(Topics.CHANGES)).isEmpty();

        repo.branch("release");
        awaitRecords(Topics.CHANGES, 1);
        await().atMost(WAIT).until(watcher::isReady);
    }

    @Test
    void anUnreachableRemoteIsRetriedWithoutPublishing() {
        Watcher watcher = startWatcher(new WatcherConfig(
                "http://127.0.0.1:9/config.git",
                "main",
                env,
                Duration.ofSeconds(1),
                dataDir,
                "stacks",
                ComposePolicy.DEFAULT));

        await().atMost(WAIT).until(() -> counter(watcher, "berth.watcher.poll.errors") >= 2);
        assertThat(watcher.isReady()).isFalse();
        assertThat(records(Topics.CHANGES)).isEmpty();
        // After the third failure in a row (the default threshold): one error event, still no change.
        List<KafkaFixture.Record> failed = awaitRecords(Topics.DEPLOYMENTS, 1);
        assertThat(failed.get(0).ceType()).isEqualTo(EventType.SOURCE_FAILED.ceType());
        assertThat(records(Topics.CHANGES)).isEmpty();
    }

    @Test
    void pollNowDoesNotWaitForTheInterval() {
        repo.write("stacks/web/compose.yaml", WEB);
        repo.commit("Alice", "Add web");
        Watcher watcher = startWatcher(config().withPollInterval(Duration.ofHours(1)));
        awaitRecords(Topics.CHANGES, 1);

        repo.write("stacks/web/compose.yaml", WEB_V2);
        repo.commit("Alice", "Sleep longer");
        watcher.pollNow();

        awaitRecords(Topics.CHANGES, 2);
    }

    @Test
    void aRepositoryThatDoesNotExistFailsTheStart() {
        Path missing = dataDir.resolve("no-such-repo");
        Watcher watcher = new Watcher(
                new WatcherConfig(
                        missing.toString(),
                        "main",
                        env,
                        Duration.ofSeconds(1),
                        dataDir,
                        "stacks",
                        ComposePolicy.DEFAULT),
                publisher,
                store(),
                Clock.systemUTC(),
                new SimpleMeterRegistry());

        assertThatThrownBy(watcher::start)
                .isInstanceOf(BerthException.class)
                .hasMessage(
                        "repository " + missing + " does not exist: give --repo a path to a git repository or its URL");
    }

    private WatcherConfig config() {
        return new WatcherConfig(
                repo.path().toString(), "main", env, Duration.ofSeconds(1), dataDir, "stacks", ComposePolicy.DEFAULT);
    }

    private Watcher startWatcher() {
        return startWatcher(config());
    }

    private Watcher startWatcher(WatcherConfig config) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Watcher watcher = new Watcher(config, publisher, store(), Clock.systemUTC(), registry);
        watchers.put(watcher, registry);
        watcher.start();
        return watcher;
    }

    /** A fresh view of berth.state, as a restarted process would have. */
    private KafkaStateStore store() {
        KafkaStateStore store = new KafkaStateStore(kafka.settings(), "watcher-it-" + env + "-" + stores.size());
        stores.add(store);
        return store;
    }

    private static StackFiles files(Map<String, String> texts) {
        Map<String, byte[]> bytes = new TreeMap<>();
        texts.forEach((path, text) -> bytes.put(path, text.getBytes(StandardCharsets.UTF_8)));
        return new StackFiles(bytes);
    }

    private StackRef stack(String name) {
        return new StackRef(env, name);
    }

    /** This test's records of a topic, in publication order (per stack). */
    private List<KafkaFixture.Record> records(String topic) {
        return kafka.readAll(topic).stream()
                .filter(r -> r.key() != null && r.key().startsWith(env + "/"))
                .sorted((a, b) -> decode(a).time().compareTo(decode(b).time()))
                .toList();
    }

    private List<KafkaFixture.Record> awaitRecords(String topic, int count) {
        return await().atMost(WAIT).until(() -> records(topic), r -> r.size() >= count);
    }

    /** Waits until the watcher has completed {@code more} further polls. */
    private void awaitPolls(Watcher watcher, int more) {
        double start = counter(watcher, "berth.watcher.polls");
        await().atMost(WAIT).until(() -> counter(watcher, "berth.watcher.polls") >= start + more + 1);
    }

    private double counter(Watcher watcher, String name) {
        return watchers.get(watcher).get(name).counter().count();
    }

    private static Envelope decode(KafkaFixture.Record record) {
        return codec.decode(record.ceType(), record.value());
    }
}
