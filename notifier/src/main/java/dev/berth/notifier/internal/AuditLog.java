package dev.berth.notifier.internal;

import dev.berth.common.RetriableBerthException;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.ReceivedEvent;
import dev.berth.common.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

/**
 * Appends records to {@code berth.audit} unchanged, waiting for every in-sync replica to have them
 * (acks=all, idempotent producer). Used from one thread; owns its producer, closed by {@link #close}.
 */
public final class AuditLog implements AutoCloseable {
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaProducer<String, byte[]> producer;

    public AuditLog(KafkaSettings kafka, String clientId) {
        this.producer = new KafkaProducer<>(
                kafka.producerProperties(
                        clientId, Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis())),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    /**
     * Appends a copy of the record (same key, headers and value), plus {@code extraHeader} when its
     * value is not null, and returns once the broker acknowledged it.
     *
     * @throws RetriableBerthException when the broker did not acknowledge: the record must not be
     *     committed as audited
     */
    public void append(ReceivedEvent record, String extraHeader, @Nullable String extraValue)
            throws InterruptedException {
        RecordHeaders headers = new RecordHeaders();
        record.headers().forEach((k, v) -> {
            if (!k.equals(extraHeader)) {
                headers.add(k, v.getBytes(StandardCharsets.UTF_8));
            }
        });
        if (extraValue != null) {
            headers.add(extraHeader, extraValue.getBytes(StandardCharsets.UTF_8));
        }
        String what = record.topic() + "-" + record.partition() + "@" + record.offset();
        try {
            producer.send(new ProducerRecord<>(Topics.AUDIT, null, record.key(), record.value(), headers))
                    .get(SEND_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new RetriableBerthException(
                    "could not append " + what + " to " + Topics.AUDIT + ": "
                            + e.getCause().getMessage() + "; is the broker reachable?",
                    e);
        } catch (TimeoutException | KafkaException e) {
            throw new RetriableBerthException(
                    "could not append " + what + " to " + Topics.AUDIT + ": " + e.getMessage()
                            + "; is the broker reachable?",
                    e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
