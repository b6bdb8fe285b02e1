package dev.berth.notifier;

import dev.berth.common.BerthException;
import dev.berth.common.RetriableBerthException;
import dev.berth.common.Service;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.EventConsumerLoop;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.ReceivedEvent;
import dev.berth.common.kafka.Topics;
import dev.berth.notifier.internal.HttpPoster;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes {@code berth.changes} and {@code berth.deployments}; appends every record to
 * {@code berth.audit} (unchanged, plus a {@code berth_actor} header) and delivers the events each
 * channel wants. A record's offset is committed after its audit copy is stored and its deliveries
 * ended, so a crash repeats rather than loses. A failing channel is logged and skipped; it never
 * blocks the audit or the other channels. Owns its consumer and producer.
 */
public final class Notifier implements Service {
    /** The header naming who caused an audited event (the commit author). */
    public static final String ACTOR_HEADER = "berth_actor";

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final EventCodec codec;
    private final List<NotificationChannel> channels = new ArrayList<>();
    private final KafkaProducer<String, byte[]> audit;
    private final EventConsumerLoop loop;
    private final MeterRegistry registry;
    private final Counter audited;

    public Notifier(NotifierConfig config, KafkaSettings kafka, EventCodec codec, Clock clock, MeterRegistry registry) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.registry = Objects.requireNonNull(registry, "registry");
        HttpPoster poster = new HttpPoster(config.requestTimeout(), config.maxAttempts());
        config.webhooks().forEach(u -> channels.add(new JsonWebhookChannel(u, codec, poster)));
        config.slackWebhooks().forEach(u -> channels.add(new SlackWebhookChannel(u, codec.json(), poster)));
        this.audit = new KafkaProducer<>(
                kafka.clientProperties(
                        "berth-notifier-audit",
                        Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)),
                new StringSerializer(),
                new ByteArraySerializer());
        this.audited = Counter.builder("berth.audit.appended")
                .description("Events appended to berth.audit")
                .register(registry);
        this.loop = new EventConsumerLoop(
                "notifier",
                kafka,
                config.groupId(),
                List.of(Topics.CHANGES, Topics.DEPLOYMENTS),
                Map.of(),
                this::handle);
    }

    private void handle(ReceivedEvent record) throws InterruptedException {
        Envelope envelope = null;
        try {
            envelope = record.decode(codec);
        } catch (BerthException e) {
            log.debug("audit only, not decodable: {}", e.getMessage());
        }
        appendToAudit(
                record, envelope == null ? null : envelope.event().commit().author());
        if (envelope == null) {
            return;
        }
        for (NotificationChannel channel : channels) {
            if (!channel.accepts(envelope)) {
                continue;
            }
            try {
                channel.deliver(envelope);
                count("berth.notifications.delivered", channel);
                log.debug("delivered {} for {} to {}", envelope.type().ceType(), envelope.subject(), channel.name());
            } catch (DeliveryException e) {
                count("berth.notifications.failed", channel);
                log.warn(
                        "could not deliver {} for {} to {}: {}",
                        envelope.type().ceType(),
                        envelope.subject(),
                        channel.name(),
                        e.getMessage());
            }
        }
    }

    private void appendToAudit(ReceivedEvent record, @Nullable String actor) {
        RecordHeaders headers = new RecordHeaders();
        record.headers().forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        if (actor != null) {
            headers.add(ACTOR_HEADER, actor.getBytes(StandardCharsets.UTF_8));
        }
        try {
            audit.send(new ProducerRecord<>(Topics.AUDIT, null, record.key(), record.value(), headers))
                    .get(60, TimeUnit.SECONDS);
            audited.increment();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetriableBerthException("interrupted while appending to " + Topics.AUDIT, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new RetriableBerthException(
                    "could not append " + record.topic() + "@" + record.offset() + " to " + Topics.AUDIT + ": " + e, e);
        }
    }

    private void count(String name, NotificationChannel channel) {
        Counter.builder(name).tag("channel", channel.name()).register(registry).increment();
    }

    @Override
    public void start() {
        loop.start();
    }

    /** True while the consumer polls. */
    public boolean isReady() {
        return loop.isPolling();
    }

    @Override
    public void stop() {
        loop.stop();
    }

    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        boolean stopped = loop.awaitStop(timeout);
        audit.close(Duration.ofSeconds(5));
        return stopped;
    }

    @Override
    public String name() {
        return "notifier";
    }
}
