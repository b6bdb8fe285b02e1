package dev.berth.notifier.internal;

import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.ReceivedEvent;
import dev.berth.common.kafka.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends every record of {@code berth.changes} and {@code berth.deployments} to {@code
 * berth.audit}: same key, value and headers, plus {@value #ACTOR_HEADER} (the commit author, or the
 * operator behind a command) and {@value #KIND_HEADER} (the event kind). Works in batches: a poll's
 * records are sent together, and their offsets are committed once the broker acknowledged every
 * copy, so nothing is lost and a crash can only repeat a batch (the copies keep their {@code ce_id}).
 * Independent of the channels: a dead channel never holds up the audit trail.
 *
 * <p>Runs on its own thread ({@code berth-notifier-audit}).
 */
public final class AuditLoop implements Runnable {
    /** The header naming who caused an audited event. */
    public static final String ACTOR_HEADER = "berth_actor";
    /** The header naming the event's kind ({@code failed}, {@code watcher-error}...). */
    public static final String KIND_HEADER = "berth_kind";

    private static final Logger log = LoggerFactory.getLogger(AuditLoop.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration RETRY = Duration.ofSeconds(2);

    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final Notices notices;
    private final Counter appended;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean ready;

    public AuditLoop(
            KafkaSettings kafka,
            String groupId,
            KafkaProducer<String, byte[]> producer,
            Notices notices,
            MeterRegistry registry) {
        this.producer = producer;
        this.notices = notices;
        this.consumer = new KafkaConsumer<>(
                kafka.clientProperties(
                        "berth-notifier",
                        Map.of(
                                ConsumerConfig.GROUP_ID_CONFIG,
                                groupId,
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false,
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                                "earliest",
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                                1000)),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        new KafkaClientMetrics(consumer).bindTo(registry);
        this.appended = Counter.builder("berth.audit.appended")
                .description("Events appended to berth.audit")
                .register(registry);
    }

    /** True while the consumer polls. */
    public boolean isReady() {
        return ready;
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(Topics.CHANGES, Topics.DEPLOYMENTS));
            while (!stopping.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                ready = true;
                if (records.isEmpty()) {
                    continue;
                }
                List<Future<RecordMetadata>> sent = new ArrayList<>(records.count());
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                Map<TopicPartition, Long> firsts = new HashMap<>();
                for (ConsumerRecord<String, byte[]> r : records) {
                    sent.add(producer.send(copy(r)));
                    TopicPartition p = new TopicPartition(r.topic(), r.partition());
                    offsets.put(p, new OffsetAndMetadata(r.offset() + 1));
                    firsts.putIfAbsent(p, r.offset());
                }
                if (awaitAll(sent)) {
                    consumer.commitSync(offsets);
                    appended.increment(sent.size());
                } else if (!stopping.get()) {
                    firsts.forEach(consumer::seek);
                    stopRequested.await(RETRY.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (WakeupException e) {
            // stop() woke the consumer up.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("notifier: the audit loop stopped: {}", e.getMessage(), e);
        } finally {
            ready = false;
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.debug("closing the audit consumer: {}", e.getMessage());
            }
            stopped.countDown();
        }
    }

    private boolean awaitAll(List<Future<RecordMetadata>> sent) throws InterruptedException {
        try {
            for (Future<RecordMetadata> f : sent) {
                f.get(90, TimeUnit.SECONDS);
            }
            return true;
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            String why = e instanceof ExecutionException x && x.getCause() != null
                    ? x.getCause().getMessage()
                    : e.getMessage();
            log.warn(
                    "notifier: could not append to {}: {}; trying the batch again in {} s",
                    Topics.AUDIT,
                    why,
                    RETRY.toSeconds());
            return false;
        }
    }

    private ProducerRecord<String, byte[]> copy(ConsumerRecord<String, byte[]> r) {
        RecordHeaders headers = new RecordHeaders();
        Map<String, String> text = new HashMap<>();
        for (Header h : r.headers()) {
            if (h.key().equals(ACTOR_HEADER) || h.key().equals(KIND_HEADER)) {
                continue;
            }
            headers.add(h.key(), h.value());
            if (h.value() != null) {
                text.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
            }
        }
        byte[] value = r.value() == null ? new byte[0] : r.value();
        Notice notice = notices.read(new ReceivedEvent(r.topic(), r.partition(), r.offset(), r.key(), text, value));
        if (notice.actor() != null) {
            headers.add(ACTOR_HEADER, notice.actor().getBytes(StandardCharsets.UTF_8));
        }
        headers.add(KIND_HEADER, notice.kind().key().getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(Topics.AUDIT, null, r.key(), r.value(), headers);
    }

    public void stop() {
        // No wakeup(): the poll returns within its timeout, and the batch in hand is finished and
        // committed before the loop ends, so a stop never leaves a half-committed batch.
        if (stopping.compareAndSet(false, true)) {
            stopRequested.countDown();
        }
    }

    /** Closes the consumer of a loop that never ran. */
    public void closeUnstarted() {
        consumer.close(Duration.ZERO);
    }

    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
