package dev.berth.cli;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.deployer.KafkaStackHistoryStore;
import dev.berth.deployer.StackHistory;
import java.net.URI;
import java.time.Clock;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** What the rollback and retry commands share: reading a stack's history and publishing a command. */
final class CommandPublisher {
    private CommandPublisher() {}

    static StackHistory history(KafkaSettings settings, StackRef stack) {
        try (KafkaStackHistoryStore store = new KafkaStackHistoryStore(
                new KafkaStateStore(settings, "berth-cli-" + UUID.randomUUID()), new EventCodec())) {
            store.refresh();
            return store.history(stack);
        }
    }

    /** Who asks: {@code --actor}, else the user's login name. */
    static String actor(@Nullable String given) {
        return given != null ? given : System.getProperty("user.name", "unknown");
    }

    /** The command's own commit: its author is the actor, its sha the revision it is about. */
    static Commit commit(String sha, String actor, String what, Clock clock) {
        return new Commit(sha, actor, what, clock.instant());
    }

    /** Publishes a command to berth.changes, keyed by its stack; returns its chain id. */
    static String publish(KafkaSettings settings, BerthEvent command, Clock clock) {
        EventCodec codec = new EventCodec();
        try (KafkaEventPublisher publisher = new KafkaEventPublisher(settings, "berth-cli", codec)) {
            Envelope envelope = Envelope.newChain(URI.create("/berth/cli"), clock, command);
            publisher.publish(envelope);
            return envelope.chainId();
        }
    }
}
