package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.TopicAdmin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * How an operator command finds Kafka: {@code --bootstrap-servers}, else the address the all-in-one
 * mode wrote into its data directory.
 */
final class KafkaOptions {
    /** An operator waits for an answer, not for a broker that may come back in two minutes. */
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "<host:port>",
            description = "Kafka's address (default: the one `berth run` wrote into --data-dir).")
    @Nullable
    String bootstrapServers;

    @Option(
            names = "--data-dir",
            paramLabel = "<dir>",
            description = "The data directory of `berth run`, which holds its Kafka's address"
                    + " (default: $BERTH_DATA_DIR, else $XDG_DATA_HOME/berth, else ~/.local/share/berth).")
    @Nullable
    Path dataDir;

    /** The settings, once the broker answered (Berth's topics are created when missing). */
    KafkaSettings connect() throws InterruptedException {
        KafkaSettings settings = new KafkaSettings(
                bootstrap(),
                KafkaSettings.DEFAULT_PARTITIONS,
                KafkaSettings.DEFAULT_REPLICATION_FACTOR,
                TIMEOUT,
                Map.of());
        new TopicAdmin(settings, Clock.systemUTC()).awaitBrokerAndCreateTopics(line -> {});
        return settings;
    }

    private String bootstrap() {
        if (bootstrapServers != null) {
            return bootstrapServers;
        }
        Path dir =
                dataDir != null ? dataDir : DataDirs.defaultDataDir(System.getenv(), System.getProperty("user.home"));
        Path file = DataDirs.bootstrapFile(dir);
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new Berth.UsageException("no Kafka address: " + file + " cannot be read (" + e.getMessage()
                    + "); give --bootstrap-servers, or the --data-dir of a running `berth run`");
        }
    }

    /** Parses {@code env/stack}, a usage error when it is not one. */
    static StackRef stack(String key) {
        try {
            return StackRef.parse(key);
        } catch (BerthException e) {
            throw new Berth.UsageException(e.getMessage());
        }
    }
}
