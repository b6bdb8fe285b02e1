package dev.berth.common.kafka;

import dev.berth.common.RetriableBerthException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

/**
 * A key-value view of the compacted {@code berth.state} topic: {@link #load()} reads it to the end
 * once, {@link #put} writes through and waits for the ack. Meant for one owner of each key (the
 * watcher of a source, the deployer of a stack). Thread-safe; the creator closes it.
 */
public final class KafkaStateStore implements AutoCloseable {
    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(60);
    private static final int FETCH_MAX_WAIT_MS = 50;

    private final KafkaSettings settings;
    private final String clientId;
    private final KafkaProducer<String, String> producer;
    private final Map<String, String> values = new ConcurrentHashMap<>();

    public KafkaStateStore(KafkaSettings settings, String clientId) {
        this.settings = settings;
        this.clientId = clientId;
        this.producer = new KafkaProducer<>(
                settings.producerProperties(clientId + "-state-writer", Map.of()),
                new StringSerializer(),
                new StringSerializer());
    }

    /**
     * Reads the whole topic to its end, so this store sees every value written before (by this
     * process or another). Call it at start, and again when this process takes keys over from another
     * owner (after a consumer-group rebalance).
     */
    public void load() {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                settings.clientProperties(
                        clientId + "-state-reader",
                        Map.of(
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false,
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                // It reads to a known end and stops; closing waits for a fetch in
                                // flight, which the broker would hold for the default 500 ms.
                                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                                FETCH_MAX_WAIT_MS)),
                new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.STATE, LOAD_TIMEOUT).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, LOAD_TIMEOUT);
            long deadline = System.nanoTime() + LOAD_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p, LOAD_TIMEOUT) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new RetriableBerthException(
                            "could not read " + Topics.STATE + " to its end within " + LOAD_TIMEOUT.toSeconds() + " s");
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) {
                        values.remove(record.key());
                    } else {
                        values.put(record.key(), record.value());
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new RetriableBerthException("could not read " + Topics.STATE + ": " + e.getMessage(), e);
        }
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** The keys this view holds that start with {@code prefix}. */
    public Set<String> keys(String prefix) {
        return values.keySet().stream().filter(k -> k.startsWith(prefix)).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * Takes into this view a value written by other means, such as a {@link KafkaTransactions} write
     * that was committed; null deletes the key.
     */
    public void remember(String key, @Nullable String value) {
        if (value == null) {
            values.remove(key);
        } else {
            values.put(key, value);
        }
    }

    /** Writes a value and waits until the broker has it. */
    public void put(String key, String value) {
        try {
            producer.send(new ProducerRecord<>(Topics.STATE, key, value)).get(60, TimeUnit.SECONDS);
            values.put(key, value);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetriableBerthException("interrupted while writing " + key + " to " + Topics.STATE, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new RetriableBerthException("could not write " + key + " to " + Topics.STATE + ": " + e, e);
        }
    }

    /** Deletes a key (a tombstone, which compaction eventually drops) and waits until the broker has it. */
    public void remove(String key) {
        try {
            producer.send(new ProducerRecord<>(Topics.STATE, key, null)).get(60, TimeUnit.SECONDS);
            values.remove(key);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetriableBerthException("interrupted while deleting " + key + " from " + Topics.STATE, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new RetriableBerthException("could not delete " + key + " from " + Topics.STATE + ": " + e, e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
