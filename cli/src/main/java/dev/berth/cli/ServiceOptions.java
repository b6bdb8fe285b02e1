package dev.berth.cli;

import dev.berth.common.kafka.KafkaSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The options every single-service command ({@code berth watcher|deployer|notifier}) shares: where
 * Kafka is, where to serve {@code /health}, {@code /ready} and {@code /metrics}, and the data directory.
 */
final class ServiceOptions {
    /** The operations address when neither {@code --ops-listen} nor {@code $BERTH_OPS_LISTEN} is given. */
    static final String DEFAULT_OPS_LISTEN = "127.0.0.1:8484";

    @Option(
            names = "--bootstrap-servers",
            required = true,
            paramLabel = "<host:port>",
            description = "Kafka's address, like kafka:9092 (required: a service never starts its own broker).")
    String bootstrapServers = "";

    @Option(
            names = "--kafka-startup-timeout",
            defaultValue = "2m",
            paramLabel = "<duration>",
            converter = DurationConverter.class,
            description = "How long to wait for Kafka at start before giving up (default: ${DEFAULT-VALUE}).")
    Duration kafkaStartupTimeout = Duration.ofMinutes(2);

    @Option(
            names = "--ops-listen",
            defaultValue = "${env:BERTH_OPS_LISTEN:-" + DEFAULT_OPS_LISTEN + "}",
            paramLabel = "<host:port>",
            description = "Where to serve /health, /ready and /metrics; port 0 picks a free one"
                    + " (default: $BERTH_OPS_LISTEN, else " + DEFAULT_OPS_LISTEN + "; the image sets 0.0.0.0:8484).")
    String opsListen = DEFAULT_OPS_LISTEN;

    @Option(
            names = "--kafka-property",
            paramLabel = "<key=value>",
            description = "A Kafka client setting for every client of this service (repeatable), such as"
                    + " session.timeout.ms=10000 for a faster takeover when a deployer dies.")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(
            names = "--data-dir",
            paramLabel = "<dir>",
            description = "Where this service keeps its files (default: $BERTH_DATA_DIR, else"
                    + " $XDG_DATA_HOME/berth, else ~/.local/share/berth).")
    @Nullable
    Path dataDir;

    KafkaSettings kafkaSettings() {
        return new KafkaSettings(
                bootstrapServers.strip(),
                KafkaSettings.DEFAULT_PARTITIONS,
                KafkaSettings.DEFAULT_REPLICATION_FACTOR,
                kafkaStartupTimeout,
                Map.copyOf(kafkaProperties));
    }

    Path dataDir() {
        Path dir =
                dataDir != null ? dataDir : DataDirs.defaultDataDir(System.getenv(), System.getProperty("user.home"));
        return dir.toAbsolutePath();
    }

    /**
     * The operations address.
     *
     * @throws Berth.UsageException when it is not {@code host:port}
     */
    InetSocketAddress opsAddress() {
        return address("--ops-listen", opsListen);
    }

    static InetSocketAddress address(String option, String value) {
        String text = value.strip();
        int colon = text.lastIndexOf(':');
        String host = colon < 0 ? "" : text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (colon < 0 || host.isBlank() || port < 0 || port > 65535) {
            throw new Berth.UsageException(option + ": \"" + value
                    + "\" is not an address and port: give one like 0.0.0.0:8484 (all interfaces) or 127.0.0.1:8484");
        }
        return new InetSocketAddress(host, port);
    }
}
