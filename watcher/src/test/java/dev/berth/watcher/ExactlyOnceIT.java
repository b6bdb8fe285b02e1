package dev.berth.watcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.event.AtomicPublisher;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.PublisherFencedException;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackRemoved;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.kafka.Topics;
import dev.berth.testkit.GitRepos;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.SharedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly once across restarts, and active/standby with fencing, for the transactional watcher on a
 * real broker. The restart loop runs {@code -Dberth.it.restarts} times (default 10; 100 was run and
 * recorded in docs/design.md).
 */
@ExtendWith(SharedKafka.class)
class ExactlyOnceIT {
    private static final Logger log = LoggerFactory.getLogger(ExactlyOnceIT.class);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int RESTARTS = Integer.getInteger("berth.it.restarts", 10);

    private static KafkaFixture kafka;
    private static final EventCodec codec = new EventCodec();

    @TempDir
    Path dataDir;

    private final List<Watcher> watchers = new ArrayList<>();
    private final Map<Watcher, SimpleMeterRegistry> registries = new IdentityHashMap<>();
    private final List<KafkaStateStore> stores = new ArrayList<>();
    private String env;
    private GitRepos repo;

    @BeforeAll
    static void startKafka(KafkaFixture broker) throws InterruptedException {
        kafka = broker;
        new TopicAdmin(kafka.settings(), Clock.systemUTC()).awaitBrokerAndCreateTopics(line -> {});
    }

    @BeforeEach
    void newEnvironmentAndRepository() {
        env = "x" + UUID.randomUUID().toString().substring(0, 8);
        repo = GitRepos.create();
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Watcher w : watchers) {
            w.stop();
            w.awaitStop(Duration.ofSeconds(10));
        }
        stores.forEach(KafkaStateStore::close);
        repo.close();
    }

    @Test
    void restartedBetweenCommitsTheChangesEqualTheCommits() throws InterruptedException {
        List<String> commits = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 1; i <= RESTARTS; i++) {
            repo.write(
                    "stacks/web/compose.yaml",
                    "services:\n  web:\n    image: busybox:1.35\n    command: sleep " + i + "\n");
            commits.add(repo.commit("Alice", "web " + i));
            Watcher watcher = start(dataDir);
            int expected = i;
            await().atMost(WAIT).until(() -> changes().size() >= expected);
            if (i % 2 == 0) {
                // Half the time a poll that finds nothing new runs before the stop.
                await().atMost(WAIT).until(watcher::isReady);
            }
            watcher.stop();
            assertThat(watcher.awaitStop(Duration.ofSeconds(15))).isTrue();
            watchers.remove(watcher);
        }
        Watcher last = start(dataDir);
        await().atMost(WAIT).until(last::isReady);

        List<String> published = changes().stream()
                .map(e -> ((StackChanged) e.event()).commit().sha())
                .toList();
        assertThat(published).as("no gaps, no duplicates, in order").containsExactlyElementsOf(commits);
        log.info(
                "restart loop: {} restarts, {} changes, {} ms",
                RESTARTS,
                published.size(),
                Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    @Test
    void aStandbyTakesOverWithin30SecondsAndTheOldOneIsFenced() {
        repo.write("stacks/web/compose.yaml", "services:\n  web:\n    image: busybox:1.35\n");
        String first = repo.commit("Alice", "web");
        Watcher a = start(dataDir.resolve("a"));
        Watcher b = start(dataDir.resolve("b"));
        await().atMost(WAIT).until(() -> changes().size() >= 1);
        // Both joined the election: the second to join may have taken the lead from the first.
        await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> a.isActive() ^ b.isActive());
        Watcher active = a.isActive() ? a : b;
        Watcher standby = active == a ? b : a;
        await().atMost(WAIT).until(active::isReady);
        assertThat(standby.isActive()).isFalse();

        // The standby fetches a new commit into its mirror and publishes nothing: the active one does.
        double fetched = count(standby, "berth.watcher.fetches");
        double polled = count(standby, "berth.watcher.polls");
        repo.write("stacks/web/compose.yaml", "services:\n  web:\n    image: busybox:1.35\n    command: sleep 5\n");
        String between = repo.commit("Carol", "web between");
        await().atMost(WAIT).until(() -> count(standby, "berth.watcher.fetches") > fetched);
        await().atMost(WAIT).until(() -> changes().size() >= 2);
        assertThat(standby.isActive()).isFalse();
        assertThat(count(standby, "berth.watcher.polls")).isEqualTo(polled);

        AtomicPublisher zombie = active.leftPublisher();
        long killed = System.nanoTime();
        active.halt();
        await().atMost(Duration.ofSeconds(30)).until(standby::isActive);
        Duration takeover = Duration.ofNanos(System.nanoTime() - killed);
        log.info("standby took over {} ms after the active instance was killed", takeover.toMillis());
        assertThat(takeover).isLessThan(Duration.ofSeconds(30));

        repo.write("stacks/web/compose.yaml", "services:\n  web:\n    image: busybox:1.35\n    command: sleep 9\n");
        String second = repo.commit("Bob", "web again");
        await().atMost(WAIT).until(() -> changes().size() >= 3);

        assertThat(zombie).isNotNull();
        Envelope stray = Envelope.newChain(
                URI.create("/berth/watcher/" + env),
                Clock.systemUTC(),
                new StackRemoved(new StackRef(env, "web"), repo.commitOf(second)));
        assertThatThrownBy(() -> zombie.publish(List.of(stray), Map.of())).isInstanceOf(PublisherFencedException.class);
        zombie.close();

        await().atMost(WAIT).until(standby::isReady);
        assertThat(changes())
                .extracting(e -> ((StackChanged) e.event()).commit().sha())
                .containsExactly(first, between, second);
        assertThat(kafka.readAll(Topics.CHANGES))
                .filteredOn(r -> r.key().startsWith(env + "/"))
                .hasSize(3);
    }

    private Watcher start(Path dir) {
        KafkaStateStore store = new KafkaStateStore(kafka.settings(), "eo-it-" + env + "-" + stores.size());
        stores.add(store);
        WatcherConfig config = new WatcherConfig(
                repo.path().toString(), "main", env, Duration.ofSeconds(1), dir, "stacks", ComposePolicy.DEFAULT);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Watcher watcher = Watcher.transactional(config, kafka.settings(), codec, store, Clock.systemUTC(), registry);
        watchers.add(watcher);
        registries.put(watcher, registry);
        watcher.start();
        return watcher;
    }

    private double count(Watcher watcher, String counter) {
        return registries.get(watcher).get(counter).counter().count();
    }

    /** This test's change events, in offset order (one stack: one partition). */
    private List<Envelope> changes() {
        return kafka.readAll(Topics.CHANGES).stream()
                .filter(r -> r.key() != null && r.key().startsWith(env + "/"))
                .map(r -> codec.decode(r.ceType(), r.value()))
                .toList();
    }
}
