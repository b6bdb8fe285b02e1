package dev.berth.testkit;

import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real single-node Kafka broker in a container ({@code apache/kafka}), for one test class. Close it
 * in {@code @AfterAll}: Ryuk is off on these machines, so nothing else removes the container.
 */
public final class KafkaFixture implements AutoCloseable {
    public static final String IMAGE = "apache/kafka:4.3.1";

    private final KafkaContainer container;

    private KafkaFixture(KafkaContainer container) {
        this.container = container;
    }

    /** Starts a broker; about 7 s on these machines. */
    @SuppressWarnings("resource")
    public static KafkaFixture start() {
        KafkaContainer container = new KafkaContainer(IMAGE);
        try {
            container.start();
        } catch (RuntimeException e) {
            container.stop();
            throw e;
        }
        return new KafkaFixture(container);
    }

    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    /** Settings for Berth's services: 3 partitions, replication 1, a short start-up timeout. */
    public KafkaSettings settings() {
        return new KafkaSettings(bootstrapServers(), 3, (short) 1, Duration.ofSeconds(30), Map.of());
    }

    /** Every record in a topic right now, all partitions, in partition then offset order. */
    public List<Record> readAll(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<Record> result = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Map<String, String> headers = new HashMap<>();
                    for (Header h : r.headers()) {
                        headers.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
                    }
                    result.add(new Record(r.topic(), r.partition(), r.offset(), r.key(), headers, r.value()));
                }
            }
        }
        result.sort((a, b) -> a.partition != b.partition
                ? Integer.compare(a.partition, b.partition)
                : Long.compare(a.offset, b.offset));
        return result;
    }

    /** The records of one chain ({@code ce_chainid}) in a topic right now, in partition then offset order. */
    public List<Record> chain(String topic, String chainId) {
        return readAll(topic).stream()
                .filter(r -> chainId.equals(r.headers().get("ce_chainid")))
                .toList();
    }

    /**
     * The outcome of a deployment chain, once it is on {@code berth.deployments}: its {@code
     * deployment.succeeded} or {@code deployment.failed} record.
     */
    public Record awaitOutcome(String chainId, Duration atMost) {
        return Awaitility.await("the outcome of chain " + chainId)
                .atMost(atMost)
                .until(
                        () -> chain(Topics.DEPLOYMENTS, chainId).stream()
                                .filter(r -> r.ceType().contains("deployment.succeeded")
                                        || r.ceType().contains("deployment.failed"))
                                .findFirst()
                                .orElse(null),
                        r -> r != null);
    }

    @Override
    public void close() {
        container.stop();
    }

    /** One record as read back, with its headers as text. */
    public record Record(
            String topic, int partition, long offset, String key, Map<String, String> headers, byte[] value) {
        public String ceType() {
            return headers.getOrDefault("ce_type", "");
        }

        public String valueText() {
            return value == null ? "" : new String(value, StandardCharsets.UTF_8);
        }
    }
}
