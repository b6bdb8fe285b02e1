package dev.berth.common.kafka;

import dev.berth.common.RetriableBerthException;
import dev.berth.common.event.AtomicPublisher;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.PublisherFencedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * An {@link AtomicPublisher} over one Kafka transaction per batch: the events (CloudEvents binary mode,
 * to the topic of their type) and the {@code berth.state} entries (UTF-8 values) are committed
 * together, so a {@code read_committed} reader sees all or none. Its {@code transactional.id} is its
 * identity: creating a publisher with the same id fences the previous one, whose next batch then
 * throws {@link PublisherFencedException}. Created ready ({@code initTransactions} done, which also
 * aborts a batch a previous owner left open). Not thread-safe; the creator closes it.
 */
public final class KafkaTransactionalPublisher implements AtomicPublisher {
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaProducer<String, byte[]> producer;
    private final EventCodec codec;
    private final String transactionalId;
    private boolean fenced;

    /**
     * @throws RetriableBerthException when the broker cannot be reached to register the id in time
     */
    public KafkaTransactionalPublisher(
            KafkaSettings settings, String clientId, String transactionalId, EventCodec codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.transactionalId = Objects.requireNonNull(transactionalId, "transactionalId");
        this.producer = new KafkaProducer<>(
                settings.producerProperties(
                        clientId,
                        Map.of(
                                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                                ProducerConfig.LINGER_MS_CONFIG, 0,
                                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000,
                                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000)),
                new StringSerializer(),
                new ByteArraySerializer());
        try {
            producer.initTransactions();
        } catch (KafkaException e) {
            producer.close(Duration.ZERO);
            throw new RetriableBerthException(
                    "could not register transactional id " + transactionalId + " with Kafka: " + e.getMessage(), e);
        }
    }

    @Override
    public void publish(List<Envelope> events, Map<String, String> state) {
        if (fenced) {
            throw new PublisherFencedException(
                    "another instance took over " + transactionalId + ": this one publishes no more", null);
        }
        try {
            producer.beginTransaction();
            for (Envelope envelope : events) {
                producer.send(new ProducerRecord<>(
                        envelope.type().topic(),
                        null,
                        envelope.subject(),
                        codec.encode(envelope),
                        CloudEventHeaders.of(envelope)));
            }
            for (Map.Entry<String, String> entry : state.entrySet()) {
                producer.send(new ProducerRecord<>(
                        Topics.STATE, entry.getKey(), entry.getValue().getBytes(StandardCharsets.UTF_8)));
            }
            producer.commitTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            fenced = true;
            throw new PublisherFencedException(
                    "another instance took over " + transactionalId + ": this one publishes no more", e);
        } catch (KafkaException e) {
            try {
                producer.abortTransaction();
            } catch (ProducerFencedException | InvalidProducerEpochException fencedOnAbort) {
                fenced = true;
                throw new PublisherFencedException(
                        "another instance took over " + transactionalId + ": this one publishes no more",
                        fencedOnAbort);
            } catch (KafkaException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw new RetriableBerthException(
                    "could not publish " + events.size() + " event(s) and " + state.size()
                            + " state entry(ies) in one transaction: " + e.getMessage() + "; nothing of it is visible",
                    e);
        }
    }

    @Override
    public void close() {
        producer.close(CLOSE_TIMEOUT);
    }
}
