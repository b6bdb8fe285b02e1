package dev.berth.deployer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.KafkaTransactions;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.kafka.Topics;
import dev.berth.deployer.StackHistory.Revision;
import dev.berth.deployer.StackHistory.Status;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.SharedKafka;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Isolated;

/** Histories in berth.state, as two deployers see them when a stack moves from one to the other. */
@Isolated
@ExtendWith(SharedKafka.class)
class KafkaStackHistoryStoreIT {
    private static final EventCodec CODEC = new EventCodec();
    private static KafkaFixture kafka;

    @BeforeAll
    static void start(KafkaFixture broker) throws InterruptedException {
        kafka = broker;
        new TopicAdmin(kafka.settings(), Clock.systemUTC()).awaitBrokerAndCreateTopics(line -> {});
    }

    private static KafkaStackHistoryStore store() {
        KafkaStackHistoryStore store = new KafkaStackHistoryStore(
                new KafkaStateStore(kafka.settings(), "history-it-" + UUID.randomUUID()), CODEC);
        store.refresh();
        return store;
    }

    @Test
    void aDeployerThatTakesAStackOverReadsWhatThePreviousOwnerWroteOnceItRefreshes() {
        StackRef stack = new StackRef("hit", "s" + UUID.randomUUID().toString().substring(0, 8));
        String sha = "0123456789abcdef0123456789abcdef01234567";
        StackChanged change = new StackChanged(
                stack,
                new Commit(sha, "Erin", "first", Instant.parse("2026-11-22T10:00:00Z")),
                "stacks/x/compose.yaml",
                "services: {}",
                List.of(),
                Map.of("TAG", "1"),
                new StackFiles(Map.of("stacks/x/html/index.html", "hi".getBytes(StandardCharsets.UTF_8))));
        try (KafkaStackHistoryStore first = store();
                KafkaStackHistoryStore second = store()) {
            assertThat(second.history(stack)).isEqualTo(StackHistory.empty(stack));

            StackHistory written = StackHistory.empty(stack)
                    .record(new Revision(sha, "first", Status.GOOD, "d1", Instant.parse("2026-11-22T10:00:05Z"), ""))
                    .withLastGood(sha);
            first.putDesired(change);
            first.put(written);

            // Loaded before the write: stale until the group hands it the stack and it refreshes.
            assertThat(second.history(stack).revisions()).isEmpty();
            second.refresh();
            assertThat(second.history(stack)).isEqualTo(written);
            assertThat(second.desired(stack, sha)).hasValue(change);

            second.removeDesired(stack, sha);
            first.refresh();
            assertThat(first.desired(stack, sha)).isEmpty();
        }
    }

    /** A deployer's store: transactional writes on the partitions of berth.changes it was given. */
    private static KafkaStackHistoryStore deployerStore(String group) {
        return new KafkaStackHistoryStore(
                new KafkaStateStore(kafka.settings(), "history-it-" + UUID.randomUUID()),
                CODEC,
                new KafkaTransactions(kafka.settings(), group, Topics.CHANGES));
    }

    private static List<String> terminalIds(StackRef stack) {
        return kafka.readAll(Topics.DEPLOYMENTS).stream()
                .map(r -> CODEC.decode(r.ceType(), r.value()).event())
                .filter(e -> e.stack().equals(stack) && e instanceof DeploymentFailed)
                .map(e -> ((DeploymentFailed) e).deploymentId())
                .toList();
    }

    @Test
    void aTerminalEventAndItsMarkerAreWrittenTogetherAndTheNextOwnerFencesThePreviousOne() {
        StackRef stack = new StackRef("hit", "t" + UUID.randomUUID().toString().substring(0, 8));
        String group = "history-it-" + UUID.randomUUID();
        String sha = "89abcdef0123456789abcdef0123456789abcdef";
        Commit commit = new Commit(sha, "Erin", "second", Instant.parse("2026-11-22T10:00:00Z"));
        StackHistory applied = StackHistory.empty(stack)
                .record(new Revision(sha, "second", Status.APPLIED, "d1", Instant.parse("2026-11-22T10:00:01Z"), ""));
        try (KafkaStackHistoryStore first = deployerStore(group);
                KafkaStackHistoryStore second = deployerStore(group)) {
            int partition = first.partitionOf(stack);
            first.takeOver(java.util.Set.of(partition));
            first.put(applied);
            assertThat(first.stacks(java.util.Set.of(partition))).contains(stack);
            assertThat(first.stacks(java.util.Set.of((partition + 1) % 3))).doesNotContain(stack);

            StackHistory ended = applied.mark("d1", Status.FAILED, Instant.parse("2026-11-22T10:00:02Z"), "gate");
            first.commit(ended, failure(stack, commit, "d1"));
            assertThat(terminalIds(stack)).containsExactly("d1");

            // The group gives the partition to the second deployer: it sees what the first committed, and
            // the first, fenced, can write neither history nor events any more.
            second.takeOver(java.util.Set.of(partition));
            assertThat(second.history(stack)).isEqualTo(ended);
            assertThat(second.history(stack).inFlight()).isEmpty();
            assertThatThrownBy(() -> first.commit(ended, failure(stack, commit, "d2")))
                    .isInstanceOf(BerthException.class)
                    .hasMessageContaining("another deployer owns");
            // A member never given the partition cannot write there either (it would fence the owner).
            assertThatThrownBy(() -> first.put(applied))
                    .isInstanceOf(BerthException.class)
                    .hasMessageContaining("is not this member's");
            second.commit(second.history(stack), failure(stack, commit, "d3"));
            assertThat(terminalIds(stack)).containsExactly("d1", "d3");
        }
    }

    private static Envelope failure(StackRef stack, Commit commit, String id) {
        return Envelope.newChain(
                URI.create("/test"),
                Clock.systemUTC(),
                new DeploymentFailed(stack, id, commit, null, "gate", "", Duration.ofSeconds(1)));
    }
}
