package dev.berth.notifier.internal;

import dev.berth.common.RetriableBerthException;
import dev.berth.common.kafka.KafkaSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * What became of each message on one channel, kept in the compacted topic {@value
 * NotifierTopics#DELIVERED} and in memory (the last {@value #MEMORY} keys). Each change is
 * acknowledged by the broker before the caller goes on, so a restarted notifier knows what its
 * predecessor did. Used by one thread.
 */
public final class DeliveryLedger implements Deliverer.Ledger {
    private static final int MEMORY = 200_000;
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final String channel;
    private final KafkaProducer<String, byte[]> producer;
    private final Map<String, Deliverer.State> states = new LinkedHashMap<>(1024, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deliverer.State> eldest) {
            return size() > MEMORY;
        }
    };

    public DeliveryLedger(String channel, KafkaProducer<String, byte[]> producer) {
        this.channel = channel;
        this.producer = producer;
    }

    /** Reads the channel's states from the topic, from its start to its current end. */
    public void load(KafkaSettings settings, String clientId) {
        String prefix = channel + "/";
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                settings.clientProperties(clientId, Map.of("enable.auto.commit", false)),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(NotifierTopics.DELIVERED, Duration.ofSeconds(30));
            List<TopicPartition> partitions = infos.stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, Duration.ofSeconds(30)));
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() == null || !r.key().startsWith(prefix)) {
                        continue;
                    }
                    String id = r.key().substring(prefix.length());
                    if (r.value() == null) {
                        states.remove(id);
                    } else {
                        states.put(id, Deliverer.State.valueOf(new String(r.value(), StandardCharsets.UTF_8)));
                    }
                }
            }
        } catch (KafkaException | IllegalArgumentException e) {
            throw new RetriableBerthException(
                    "could not read " + NotifierTopics.DELIVERED + " for channel " + channel + ": " + e.getMessage(),
                    e);
        }
    }

    /** The state of a message, or null when it was never tried. */
    @Override
    public Deliverer.@Nullable State get(String messageId) {
        return states.get(messageId);
    }

    /** Records a state and waits until the broker has it. */
    @Override
    public void put(String messageId, Deliverer.State state) throws InterruptedException {
        try {
            producer.send(new ProducerRecord<>(
                            NotifierTopics.DELIVERED,
                            channel + "/" + messageId,
                            state.name().getBytes(StandardCharsets.UTF_8)))
                    .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            throw new RetriableBerthException(
                    "could not record " + state + " of " + messageId + " on " + channel + " in "
                            + NotifierTopics.DELIVERED + ": " + e.getMessage(),
                    e);
        }
        states.put(messageId, state);
    }

    /** How many states are held in memory. */
    public int size() {
        return states.size();
    }
}
