package dev.berth.common.kafka;

import dev.berth.common.BerthException;
import dev.berth.common.RetriableBerthException;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.jspecify.annotations.Nullable;

/**
 * Writes several records, to any of Berth's topics, in one Kafka transaction: a {@code read_committed}
 * consumer sees all of them or none. There is one transactional producer per partition of an
 * <em>owned</em> input topic (a consumer group's topic, such as {@code berth.changes}), with the
 * {@code transactional.id} {@code <prefix>-<partition>}: the member that the group gives a partition
 * {@link #acquire acquires} it, which fences the previous owner (its later writes fail) and ends what
 * that one left open (an open transaction is aborted, a commit under way is awaited). So, once
 * {@code acquire} returns, a {@code read_committed} read of the topics shows every transaction the
 * previous owner committed, and none it did not.
 *
 * <p>Thread-safe; one transaction at a time per partition. The creator closes it.
 */
public final class KafkaTransactions implements AutoCloseable {
    /** A transaction that lasts longer is aborted by the broker: it bounds how long a killed writer stalls readers. */
    static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(15);

    private static final long SEND_TIMEOUT_SECONDS = 60;

    /**
     * One record of a transaction.
     *
     * @param value null for a tombstone
     */
    public record Write(String topic, String key, byte @Nullable [] value, Map<String, String> headers) {
        public Write {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(key, "key");
            headers = Map.copyOf(headers);
        }

        /** A text value under a key of the compacted state topic (null deletes the key). */
        public static Write state(String key, @Nullable String value) {
            return new Write(
                    Topics.STATE, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8), Map.of());
        }

        /** An event, on its type's topic, keyed by its subject, in CloudEvents binary mode. */
        public static Write event(Envelope envelope, EventCodec codec) {
            Map<String, String> headers = new HashMap<>();
            CloudEventHeaders.of(envelope)
                    .forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
            return new Write(envelope.type().topic(), envelope.subject(), codec.encode(envelope), headers);
        }
    }

    private final KafkaSettings settings;
    private final String prefix;
    private final String ownedTopic;
    private final Map<Integer, KafkaProducer<String, byte[]>> producers = new ConcurrentHashMap<>();
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    private volatile @Nullable Integer partitionCount;

    /**
     * @param prefix the transactional ids' prefix: the same for every member of one consumer group, and
     *     different between groups (the group id makes a good one)
     * @param ownedTopic the topic whose partitions the group shares
     */
    public KafkaTransactions(KafkaSettings settings, String prefix, String ownedTopic) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.ownedTopic = Objects.requireNonNull(ownedTopic, "ownedTopic");
    }

    /** The partition of the owned topic a record with this key goes to (the producers' default partitioner). */
    public int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions();
    }

    /** The owned topic's partition count, asked once (a topic made before with another count keeps it). */
    private int partitions() {
        Integer count = partitionCount;
        if (count == null) {
            try (KafkaProducer<String, byte[]> metadata = new KafkaProducer<>(
                    settings.producerProperties(prefix + "-metadata", Map.of()),
                    new StringSerializer(),
                    new ByteArraySerializer())) {
                count = metadata.partitionsFor(ownedTopic).size();
            } catch (KafkaException e) {
                throw new RetriableBerthException("could not read the partitions of " + ownedTopic + ": " + e, e);
            }
            partitionCount = count;
        }
        return count;
    }

    /**
     * Takes a partition over: starts its producer, fencing the previous owner and ending what it left
     * open. Call it when the group assigns the partition, before reading the state it wrote.
     */
    public void acquire(int partition) {
        owned.add(partition);
        producer(partition);
    }

    /** Lets a partition go (the group moved it to another member): closes its producer. */
    public void release(Collection<Integer> partitions) {
        for (int partition : partitions) {
            owned.remove(partition);
            KafkaProducer<String, byte[]> producer = producers.remove(partition);
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
        }
    }

    /**
     * Writes the records in one transaction of the producer that owns {@code ownedKey}'s partition, and
     * waits until it is committed.
     *
     * @throws BerthException when another member owns the partition now (this one was fenced)
     * @throws RetriableBerthException when the broker cannot be reached in time; nothing was written
     */
    public void write(String ownedKey, List<Write> writes) {
        int partition = partitionOf(ownedKey);
        if (!owned.contains(partition)) {
            // Starting a producer here would fence the member that owns the partition now.
            throw new BerthException("could not write " + describe(writes) + ": " + ownedTopic + "-" + partition
                    + " is not this member's (it was never given it, or lost it)");
        }
        KafkaProducer<String, byte[]> producer = producer(partition);
        synchronized (producer) {
            try {
                producer.beginTransaction();
                List<Future<RecordMetadata>> sent = writes.stream()
                        .map(w -> producer.send(new ProducerRecord<>(w.topic(), null, w.key(), w.value(), headers(w))))
                        .toList();
                producer.flush();
                for (Future<RecordMetadata> f : sent) {
                    f.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                }
                producer.commitTransaction();
            } catch (ProducerFencedException | InvalidProducerEpochException e) {
                drop(partition, producer);
                throw new BerthException("could not write " + describe(writes) + ": another deployer owns " + ownedTopic
                        + "-" + partition + " now (" + e.getMessage() + "); it takes the stack over");
            } catch (OutOfOrderSequenceException | AuthorizationException | UnsupportedVersionException e) {
                // Fatal for this producer, not for the partition: the next write starts a new one.
                producers.remove(partition, producer);
                producer.close(Duration.ZERO);
                throw new BerthException("could not write " + describe(writes) + " in a Kafka transaction: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort(partition, producer);
                throw new RetriableBerthException("interrupted while writing " + describe(writes), e);
            } catch (ExecutionException | TimeoutException | KafkaException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                if (cause instanceof ProducerFencedException || cause instanceof InvalidProducerEpochException) {
                    drop(partition, producer);
                    throw new BerthException("could not write " + describe(writes) + ": another deployer owns "
                            + ownedTopic + "-" + partition + " now; it takes the stack over");
                }
                abort(partition, producer);
                throw new RetriableBerthException(
                        "could not write " + describe(writes) + " in a Kafka transaction: " + cause, cause);
            }
        }
    }

    private static RecordHeaders headers(Write w) {
        RecordHeaders headers = new RecordHeaders();
        w.headers().forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        return headers;
    }

    private static String describe(List<Write> writes) {
        return writes.stream().map(w -> w.key() + " to " + w.topic()).toList().toString();
    }

    /** After a failure that may leave the producer usable: abort, or replace it if even that fails. */
    private void abort(int partition, KafkaProducer<String, byte[]> producer) {
        try {
            producer.abortTransaction();
        } catch (KafkaException | IllegalStateException e) {
            // Still this member's partition: the next write starts a new producer (which aborts what is open).
            producers.remove(partition, producer);
            producer.close(Duration.ZERO);
        }
    }

    private void drop(int partition, KafkaProducer<String, byte[]> producer) {
        owned.remove(partition);
        producers.remove(partition, producer);
        producer.close(Duration.ZERO);
    }

    private KafkaProducer<String, byte[]> producer(int partition) {
        return producers.computeIfAbsent(partition, p -> {
            KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                    settings.producerProperties(
                            prefix + "-tx-" + p,
                            Map.of(
                                    ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                                    prefix + "-" + ownedTopic + "-" + p,
                                    ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                                    (int) TRANSACTION_TIMEOUT.toMillis())),
                    new StringSerializer(),
                    new ByteArraySerializer());
            try {
                producer.initTransactions();
            } catch (KafkaException e) {
                producer.close(Duration.ZERO);
                throw new RetriableBerthException(
                        "could not start the transactional writer of " + ownedTopic + "-" + p + ": " + e, e);
            }
            return producer;
        });
    }

    @Override
    public void close() {
        release(List.copyOf(owned));
        release(List.copyOf(producers.keySet()));
    }
}
