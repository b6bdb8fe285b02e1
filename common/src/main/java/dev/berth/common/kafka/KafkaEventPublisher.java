package dev.berth.common.kafka;

import dev.berth.common.RetriableBerthException;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.EventPublisher;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Publishes events as CloudEvents in binary mode, idempotently, waiting for every ack. Thread-safe. */
public final class KafkaEventPublisher implements EventPublisher {
    private static final long SEND_TIMEOUT_SECONDS = 60;

    private final KafkaProducer<String, byte[]> producer;
    private final EventCodec codec;

    public KafkaEventPublisher(KafkaSettings settings, String clientId, EventCodec codec) {
        this.codec = codec;
        this.producer = new KafkaProducer<>(
                settings.producerProperties(clientId, Map.of(ProducerConfig.LINGER_MS_CONFIG, 5)),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    @Override
    public void publish(Envelope envelope) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(
                envelope.type().topic(),
                null,
                envelope.subject(),
                codec.encode(envelope),
                CloudEventHeaders.of(envelope));
        try {
            producer.send(record).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetriableBerthException(
                    "interrupted while publishing " + envelope.type().ceType(), e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new RetriableBerthException(
                    "could not publish " + envelope.type().ceType() + " for " + envelope.subject() + " to "
                            + envelope.type().topic() + ": " + cause,
                    cause);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
