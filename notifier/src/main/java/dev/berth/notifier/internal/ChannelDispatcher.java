package dev.berth.notifier.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.samskivert.mustache.Template;
import dev.berth.common.RetriableBerthException;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.ReceivedEvent;
import dev.berth.common.kafka.Topics;
import dev.berth.notifier.ChannelType;
import dev.berth.notifier.DeadLetter;
import dev.berth.notifier.Message;
import dev.berth.notifier.NotificationChannel;
import dev.berth.notifier.NotifierConfig;
import dev.berth.notifier.RouteConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers to one channel: reads {@code berth.audit} (and the replay requests) in its own consumer
 * group {@code <group>.channel.<name>}, so a slow or dead channel holds up only itself; renders and
 * routes each event, applies flood control (chat channels), and hands each message to its {@link
 * Deliverer} (at most once, retries, circuit breaker), whose states go to {@link DeliveryLedger} and
 * whose dead letters go to {@code berth.notifications.dlq}.
 *
 * <p>Runs on its own thread ({@code berth-notifier-<channel>}); {@link #stop()} ends backoff waits at
 * once and leaves the current record uncommitted, to be seen again (and skipped by the ledger) after
 * a restart.
 */
public final class ChannelDispatcher implements Runnable {
    /** A new channel starts this far back in the audit trail (not at its beginning, years ago). */
    public static final Duration FIRST_START_LOOKBACK = Duration.ofMinutes(10);

    private static final Logger log = LoggerFactory.getLogger(ChannelDispatcher.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final NotificationChannel channel;
    private final List<Map.Entry<RouteConfig, @Nullable Template>> routes;
    private final KafkaSettings kafka;
    private final Notices notices;
    private final Messages messages;
    private final KafkaProducer<String, byte[]> producer;
    private final ObjectMapper json;
    private final Clock clock;
    private final @Nullable FloodControl flood;
    private final DeliveryLedger ledger;
    private final Deliverer deliverer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean ready;

    public ChannelDispatcher(
            NotificationChannel channel,
            List<Map.Entry<RouteConfig, @Nullable Template>> routes,
            NotifierConfig config,
            KafkaSettings kafka,
            Notices notices,
            Messages messages,
            HttpSender sender,
            KafkaProducer<String, byte[]> producer,
            ObjectMapper json,
            Clock clock,
            MeterRegistry registry) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.routes = List.copyOf(routes);
        this.kafka = kafka;
        this.notices = notices;
        this.messages = messages;
        this.producer = producer;
        this.json = json;
        this.clock = clock;
        this.flood = channel.config().type() == ChannelType.WEBHOOK
                ? null
                : new FloodControl(config.floodWindow(), config.stormThreshold());
        this.ledger = new DeliveryLedger(channel.name(), producer);
        this.consumer = new KafkaConsumer<>(
                kafka.clientProperties(
                        "berth-notifier-" + channel.name(),
                        Map.of(
                                ConsumerConfig.GROUP_ID_CONFIG,
                                groupId(config.groupId(), channel.name()),
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false,
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                                "earliest",
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                                200)),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        new KafkaClientMetrics(consumer).bindTo(registry);
        this.deliverer =
                new Deliverer(channel, config, sender, ledger, this::addDeadLetter, clock, stopRequested, registry);
    }

    /** The consumer group of a channel's dispatcher. */
    public static String groupId(String notifierGroup, String channel) {
        return notifierGroup + ".channel." + channel;
    }

    public String name() {
        return channel.name();
    }

    /** True once the ledger is loaded and the consumer polls. */
    public boolean isReady() {
        return ready;
    }

    @Override
    public void run() {
        try {
            ledger.load(kafka, "berth-notifier-ledger-" + channel.name());
            consumer.subscribe(List.of(Topics.AUDIT, NotifierTopics.REPLAY), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    startFreshPartitionsRecently(partitions);
                }
            });
            while (!stopping.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                ready = true;
                Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
                boolean complete = true;
                for (ConsumerRecord<String, byte[]> record : records) {
                    if (stopping.get() || !handle(record)) {
                        complete = false;
                        break;
                    }
                    done.put(
                            new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                }
                if (flood != null && !stopping.get()) {
                    for (Message m : flood.tick(clock.instant())) {
                        deliver(m);
                    }
                }
                if (!done.isEmpty()) {
                    consumer.commitSync(done);
                }
                if (!complete && !stopping.get()) {
                    // A record was not finished (the broker did not record its state): read it again.
                    rewind(records);
                }
            }
        } catch (WakeupException e) {
            // stop() woke the consumer up.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("notifier: channel {} stopped: {}", channel.name(), e.getMessage(), e);
        } finally {
            ready = false;
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.debug("closing the consumer of {}: {}", channel.name(), e.getMessage());
            }
            stopped.countDown();
        }
    }

    private void rewind(ConsumerRecords<String, byte[]> records) {
        for (TopicPartition p : records.partitions()) {
            OffsetAndMetadata committed =
                    consumer.committed(java.util.Set.of(p)).get(p);
            consumer.seek(p, committed == null ? records.records(p).get(0).offset() : committed.offset());
        }
    }

    /** Partitions this group never committed start {@link #FIRST_START_LOOKBACK} ago, not at the beginning. */
    private void startFreshPartitionsRecently(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(partitions));
        Map<TopicPartition, Long> since = new HashMap<>();
        for (TopicPartition p : partitions) {
            if (committed.get(p) == null) {
                since.put(p, clock.instant().minus(FIRST_START_LOOKBACK).toEpochMilli());
            }
        }
        if (since.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(since);
        Map<TopicPartition, Long> ends = consumer.endOffsets(since.keySet());
        for (TopicPartition p : since.keySet()) {
            OffsetAndTimestamp o = offsets.get(p);
            consumer.seek(p, o == null ? ends.get(p) : o.offset());
        }
    }

    /** Handles one record; false when it must be read again (its state could not be recorded). */
    private boolean handle(ConsumerRecord<String, byte[]> record) throws InterruptedException {
        try {
            if (record.topic().equals(NotifierTopics.REPLAY)) {
                if (channel.name().equals(record.key())) {
                    replay(record);
                }
                return true;
            }
            Notice notice = notices.read(ReceivedEvent.of(record));
            Template template = null;
            boolean routed = false;
            for (Map.Entry<RouteConfig, @Nullable Template> route : routes) {
                if (route.getKey().matches(notice.environment(), notice.kind())) {
                    routed = true;
                    template = route.getValue();
                    break;
                }
            }
            if (!routed) {
                return true;
            }
            Message message = messages.render(notice, template);
            List<Message> out = flood == null ? List.of(message) : flood.offer(message);
            for (Message m : out) {
                if (!deliver(m)) {
                    return !stopping.get();
                }
            }
            return true;
        } catch (RetriableBerthException e) {
            log.warn("notifier: channel {}: {}; trying again", channel.name(), e.getMessage());
            stopRequested.await(2, TimeUnit.SECONDS);
            return false;
        }
    }

    private void replay(ConsumerRecord<String, byte[]> record) throws InterruptedException {
        DeadLetter letter;
        try {
            letter = json.readValue(record.value(), DeadLetter.class);
        } catch (IOException e) {
            log.warn("notifier: channel {}: skipped an unreadable replay request: {}", channel.name(), e.getMessage());
            return;
        }
        Deliverer.Outcome outcome = deliverer.replay(letter.message());
        log.info("notifier: replay of {} to {}: {}", letter.message().id(), channel.name(), outcome);
    }

    private boolean deliver(Message message) throws InterruptedException {
        return deliverer.deliver(message) != Deliverer.Outcome.STOPPED;
    }

    private void addDeadLetter(DeadLetter letter) throws InterruptedException {
        try {
            producer.send(new ProducerRecord<>(
                            Topics.NOTIFICATIONS_DLQ, channel.name(), json.writeValueAsBytes(letter)))
                    .get(30, TimeUnit.SECONDS);
        } catch (IOException | ExecutionException | TimeoutException | KafkaException e) {
            throw new RetriableBerthException(
                    "could not write " + letter.message().id() + " to " + Topics.NOTIFICATIONS_DLQ + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /** Ends backoff waits and the poll; idempotent. */
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
