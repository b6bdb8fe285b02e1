package dev.berth.deployer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.deployer.StackHistory.Revision;
import dev.berth.deployer.StackHistory.Status;
import dev.berth.testkit.KafkaFixture;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Histories in berth.state, as two deployers see them when a stack moves from one to the other. */
class KafkaStackHistoryStoreIT {
    private static final EventCodec CODEC = new EventCodec();
    private static KafkaFixture kafka;

    @BeforeAll
    static void start() throws InterruptedException {
        kafka = KafkaFixture.start();
        new TopicAdmin(kafka.settings(), Clock.systemUTC()).awaitBrokerAndCreateTopics(line -> {});
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
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
}
