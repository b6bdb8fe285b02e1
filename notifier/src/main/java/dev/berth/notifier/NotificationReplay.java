package dev.berth.notifier;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.BerthException;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.Topics;
import dev.berth.notifier.internal.NotifierTopics;
import dev.berth.notifier.internal.TopicReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

/**
 * {@code berth notifications replay}: asks the running notifier to send the dead letters again. Each
 * letter of {@code berth.notifications.dlq} not replayed before is written to {@code
 * berth.notifications.replay} (keyed by channel, header {@value #DLQ_HEADER} naming the letter's
 * partition and offset); the channel's dispatcher then sends it unless its ledger has it delivered.
 * A letter that fails again goes back to the dead letters, as a new letter. Stateless.
 */
public final class NotificationReplay {
    /** Names the dead letter a replay request is for: {@code <partition>@<offset>}. */
    public static final String DLQ_HEADER = "berth_dlq";

    /** A dead letter with where it is in the topic. */
    public record Pending(int partition, long offset, DeadLetter letter) {}

    private final KafkaSettings kafka;
    private final ObjectMapper json;

    public NotificationReplay(KafkaSettings kafka, EventCodec codec) {
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        this.json = codec.json();
    }

    /** The dead letters not replayed yet, oldest first per partition; only {@code channel}'s when not null. */
    public List<Pending> pending(@Nullable String channel) {
        Set<String> requested = new HashSet<>();
        TopicReader.read(kafka, NotifierTopics.REPLAY, null, r -> {
            var h = r.headers().lastHeader(DLQ_HEADER);
            if (h != null && h.value() != null) {
                requested.add(new String(h.value(), StandardCharsets.UTF_8));
            }
        });
        List<Pending> pending = new ArrayList<>();
        TopicReader.read(kafka, Topics.NOTIFICATIONS_DLQ, null, r -> {
            if (requested.contains(r.partition() + "@" + r.offset())) {
                return;
            }
            if (channel != null && !channel.equals(r.key())) {
                return;
            }
            try {
                pending.add(new Pending(r.partition(), r.offset(), json.readValue(r.value(), DeadLetter.class)));
            } catch (IOException e) {
                // Not a letter this Berth wrote: nothing to replay.
            }
        });
        return pending;
    }

    /**
     * Requests a redelivery of each pending letter and returns them.
     *
     * @throws BerthException when the requests cannot be written
     */
    public List<Pending> replay(@Nullable String channel) throws InterruptedException {
        List<Pending> pending = pending(channel);
        if (pending.isEmpty()) {
            return pending;
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                kafka.producerProperties("berth-replay", Map.of()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (Pending p : pending) {
                RecordHeaders headers = new RecordHeaders();
                headers.add(DLQ_HEADER, (p.partition() + "@" + p.offset()).getBytes(StandardCharsets.UTF_8));
                sent.add(producer.send(new ProducerRecord<>(
                        NotifierTopics.REPLAY,
                        null,
                        p.letter().channel(),
                        json.writeValueAsBytes(p.letter()),
                        headers)));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (IOException | ExecutionException | TimeoutException | KafkaException e) {
            throw new BerthException(
                    "could not write replay requests to " + NotifierTopics.REPLAY + ": " + e.getMessage()
                            + "; is the broker reachable?",
                    e);
        }
        return pending;
    }

    /** Creates the notifier's topics when missing (a replay before any notifier ran). */
    public void ensureTopics() throws InterruptedException {
        NotifierTopics.ensure(kafka);
    }
}
