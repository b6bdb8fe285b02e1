package dev.berth.common.kafka;

import dev.berth.common.LogContext;
import dev.berth.common.RetriableBerthException;
import dev.berth.common.Service;
import dev.berth.common.ops.Heartbeat;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes topics in one consumer group on one thread and hands each record to a handler, in
 * partition order. The offset of a record is committed only after its handler returns, so a
 * record whose side effect did not finish is delivered again (handlers are idempotent). A handler
 * that throws {@link RetriableBerthException} gets the same record again after a backoff; any other
 * exception is logged and the record is skipped, so one poison record cannot stall a stack forever.
 */
public final class EventConsumerLoop implements Service, MeterBinder {
    /** Handles one record; runs on the loop's thread. */
    @FunctionalInterface
    public interface Handler {
        void handle(ReceivedEvent event) throws InterruptedException;
    }

    /**
     * Told which partitions the group gives this member and takes from it; runs on the loop's thread,
     * inside a poll, before any record of a newly given partition is handled.
     */
    public interface Rebalance {
        /**
         * The group gave this member {@code partitions} (at its start and after each rebalance): where a
         * handler takes over what the previous owner of those partitions left, before their records come.
         */
        void assigned(Collection<TopicPartition> partitions) throws InterruptedException;

        /** The group took {@code partitions} from this member (or this member lost them). */
        default void revoked(Collection<TopicPartition> partitions) {}
    }

    private static final Logger log = LoggerFactory.getLogger(EventConsumerLoop.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
    private static final Duration RETRY_BACKOFF = Duration.ofSeconds(2);

    /**
     * How long past the consumer's {@code max.poll.interval.ms} the loop may go without polling before
     * {@code /health} says it is stuck. That interval is already the longest a handler may work on one
     * record (the deployer sets it above its pull and health timeouts), and the group evicts a member
     * that passes it, so a loop past it plus this margin does no more work.
     */
    static final Duration STALL_MARGIN = Duration.ofMinutes(1);

    private final String name;
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<String> topics;
    private final Handler handler;
    private final Rebalance rebalance;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile boolean polling;
    private final Heartbeat heartbeat;
    private final AtomicLong failures = new AtomicLong();

    /**
     * @param name names the thread ({@code berth-<name>-consumer}) and the Kafka client id
     * @param extra consumer properties on top of Berth's defaults (max.poll.records, for example)
     */
    public EventConsumerLoop(
            String name,
            KafkaSettings settings,
            String groupId,
            List<String> topics,
            Map<String, Object> extra,
            Handler handler) {
        this(name, settings, groupId, topics, extra, handler, partitions -> {});
    }

    /**
     * @param rebalance told on the loop's thread when the group gives this member partitions (at its
     *     start and after each rebalance), before any of their records is handled, and when it takes
     *     them: where a handler reloads the state that the previous owner of those partitions wrote and
     *     finishes what it left
     */
    public EventConsumerLoop(
            String name,
            KafkaSettings settings,
            String groupId,
            List<String> topics,
            Map<String, Object> extra,
            Handler handler,
            Rebalance rebalance) {
        this.name = Objects.requireNonNull(name, "name");
        this.topics = List.copyOf(topics);
        this.handler = Objects.requireNonNull(handler, "handler");
        this.rebalance = Objects.requireNonNull(rebalance, "rebalance");
        this.heartbeat = new Heartbeat(name + " consumer loop", Clock.systemUTC(), stallBound(extra));
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.putAll(extra);
        this.consumer = new KafkaConsumer<>(
                settings.clientProperties("berth-" + name, props),
                new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    @Override
    public String name() {
        return name;
    }

    private static Duration stallBound(Map<String, Object> extra) {
        Object interval = extra.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        // Kafka's default max.poll.interval.ms is 5 minutes.
        long ms = interval == null ? 300_000L : Long.parseLong(interval.toString());
        return Duration.ofMillis(ms).plus(STALL_MARGIN);
    }

    /**
     * Registers the consumer's own metrics, among them {@code kafka.consumer.fetch.manager.records.lag.max}:
     * how far this member is behind its partitions.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        new KafkaClientMetrics(consumer).bindTo(registry);
        FunctionCounter.builder("berth.loop.failures", failures, AtomicLong::doubleValue)
                .description("Records a consumer loop's handler failed on (skipped), and the loop's own death")
                .tag("loop", name)
                .register(registry);
    }

    @Override
    public void start() {
        if (stopping.get() || !started.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(this::run, "berth-" + name + "-consumer");
        thread.start();
    }

    /** True while the loop polls: it has joined its group and nothing stopped it. */
    public boolean isPolling() {
        return polling;
    }

    /**
     * False when the loop ended with an error (not stopped), or made no progress for {@link
     * #STALL_MARGIN} past {@code max.poll.interval.ms}: the process then needs a restart, which {@code /health} tells its supervisor.
     */
    public boolean isHealthy() {
        return stopping.get() || heartbeat.isHealthy();
    }

    private void run() {
        try {
            consumer.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (partitions.isEmpty()) {
                        return;
                    }
                    try {
                        rebalance.revoked(partitions);
                    } catch (RuntimeException e) {
                        log.error("{}: could not let partitions {} go: {}", name, partitions, e.getMessage(), e);
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (partitions.isEmpty() || stopping.get()) {
                        return;
                    }
                    try {
                        rebalance.assigned(partitions);
                    } catch (InterruptedException e) {
                        // Stopping: the loop ends at its next check; the flag stays for the waits after.
                        Thread.currentThread().interrupt();
                    } catch (RuntimeException e) {
                        log.error("{}: could not prepare for partitions {}: {}", name, partitions, e.getMessage(), e);
                    }
                }
            });
            while (!stopping.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL_TIMEOUT);
                heartbeat.beat();
                polling = true;
                for (TopicPartition partition : records.partitions()) {
                    if (!handlePartition(records.records(partition))) {
                        break;
                    }
                }
            }
        } catch (WakeupException e) {
            if (!stopping.get()) {
                failures.incrementAndGet();
                heartbeat.died(e);
                log.error("{}: consumer loop woken up without a stop; /health is DOWN, restart the process", name, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // An Error too (a StackOverflowError in a handler): said, counted and on /health, never silent.
            failures.incrementAndGet();
            heartbeat.died(e);
            log.error("{}: consumer loop stopped: {}; /health is DOWN, restart the process", name, e.toString(), e);
        } finally {
            polling = false;
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            stopped.countDown();
        }
    }

    /** Handles a partition's records in order; false when a retriable failure rewound it. */
    private boolean handlePartition(List<ConsumerRecord<String, byte[]>> records) throws InterruptedException {
        for (ConsumerRecord<String, byte[]> record : records) {
            if (stopping.get()) {
                return false;
            }
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            ReceivedEvent event = ReceivedEvent.of(record);
            try (LogContext context = LogContext.forEvent(
                    event.key(),
                    event.headers().get(CloudEventHeaders.CHAIN_ID),
                    event.headers().get(CloudEventHeaders.ID))) {
                handler.handle(event);
            } catch (RetriableBerthException e) {
                if (stopping.get()) {
                    log.warn(
                            "{}: {}; stopping, so the record stays uncommitted for the next run", name, e.getMessage());
                    return false;
                }
                log.warn("{}: {}; retrying in {} s", name, e.getMessage(), RETRY_BACKOFF.toSeconds());
                consumer.seek(partition, record.offset());
                stopRequested.await(RETRY_BACKOFF.toMillis(), TimeUnit.MILLISECONDS);
                return false;
            } catch (StackOverflowError e) {
                // A record that overflows the stack is skipped like any poison record; another Error ends the loop.
                failures.incrementAndGet();
                log.error(
                        "{}: skipped record {}-{}@{} (key {}): {}",
                        name,
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.key(),
                        e.toString(),
                        e);
            } catch (Error e) {
                log.error(
                        "{}: record {}-{}@{} (key {}) ended the loop: {}",
                        name,
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.key(),
                        e.toString());
                throw e;
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                log.error(
                        "{}: skipped record {}-{}@{} (key {}): {}",
                        name,
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.key(),
                        e.getMessage(),
                        e);
            }
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(record.offset() + 1)));
        }
        return true;
    }

    @Override
    public void stop() {
        if (stopping.compareAndSet(false, true)) {
            stopRequested.countDown();
            consumer.wakeup();
            if (!started.get()) {
                consumer.close(CloseOptions.timeout(Duration.ZERO));
                stopped.countDown();
            }
        }
    }

    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
