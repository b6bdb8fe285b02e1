package dev.berth.common.kafka;

import dev.berth.common.BerthException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * How a service reaches Kafka and how Berth's topics are created.
 *
 * @param bootstrapServers {@code host:port[,host:port...]}
 * @param partitions partitions of the keyed topics; stacks spread over deployers by partition
 * @param replicationFactor of every Berth topic
 * @param startupTimeout how long a service waits for the broker at start before giving up
 * @param clientOverrides extra client properties (security settings, for example), applied last
 */
public record KafkaSettings(
        String bootstrapServers,
        int partitions,
        short replicationFactor,
        Duration startupTimeout,
        Map<String, String> clientOverrides) {
    public static final int DEFAULT_PARTITIONS = 6;
    public static final short DEFAULT_REPLICATION_FACTOR = 1;
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofMinutes(2);

    /**
     * The largest record Berth writes: a {@code stack.changed} carries the stack's files (up to 8 MiB,
     * base64 in JSON), and {@code berth.state} keeps the last good one. Topics and producers allow it.
     */
    public static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

    public KafkaSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (bootstrapServers.isBlank() || !bootstrapServers.contains(":")) {
            throw new BerthException("bootstrap-servers \"" + bootstrapServers
                    + "\" is not valid: give host:port of at least one Kafka broker, such as localhost:9092");
        }
        if (partitions < 1) {
            throw new BerthException("kafka partitions must be at least 1, got " + partitions);
        }
        if (replicationFactor < 1) {
            throw new BerthException("kafka replication factor must be at least 1, got " + replicationFactor);
        }
        Objects.requireNonNull(startupTimeout, "startupTimeout");
        clientOverrides = Map.copyOf(clientOverrides);
    }

    /**
     * Producer properties: acknowledged by every in-sync replica, idempotent, records up to
     * {@link #MAX_RECORD_BYTES} compressed with lz4, with {@code extra} on top.
     */
    public Properties producerProperties(String clientId, Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_RECORD_BYTES);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.putAll(extra);
        return clientProperties(clientId, props);
    }

    /** Client properties for a client named {@code clientId}, with {@code extra} on top of the defaults. */
    public Properties clientProperties(String clientId, Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        // Back off instead of flooding the log while a broker is away.
        props.put(CommonClientConfigs.RECONNECT_BACKOFF_MS_CONFIG, 200);
        props.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 10_000);
        props.putAll(extra);
        props.putAll(clientOverrides);
        Properties properties = new Properties();
        properties.putAll(props);
        return properties;
    }
}
