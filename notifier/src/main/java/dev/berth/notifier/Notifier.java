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
import dev.berth.notifier.internal.AuditLog;
import dev.berth.notifier.internal.HttpPoster;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes {@code berth.changes} and {@code berth.deployments} in one consumer group and, for every
 * record: appends it to {@code berth.audit} unchanged (same key, headers and value) plus a
 * {@value #ACTOR_HEADER} header naming the commit author, and waits for the broker's
 * acknowledgement; then delivers the event to each channel that wants it. A record that does not
 * decode (a type from a newer Berth) is audited only.
 *
 * <p>A record's offset is committed after its audit copy is stored and its deliveries ended, so a
 * crash repeats rather than loses: the audit trail and the channels are at-least-once, and an
 * event's {@code ce_id} tells repeats apart. A channel that fails after its retries is logged with
 * one WARN line and counted; it never blocks the audit or the other channels.
 *
 * <p>Metrics: {@code berth.notifications.delivered} and {@code berth.notifications.failed} tagged
 * {@code channel}, {@code berth.audit.appended}.
 *
 * <p>Owns its consumer (thread {@code berth-notifier-consumer}), its audit producer and its HTTP
 * clients; {@link #stop()} ends retry waits at once, and {@link #awaitStop} releases everything.
 * Thread-safe.
 */
public final class Notifier implements Service {
    /** The header naming who caused an audited event (the commit author). */
    public static final String ACTOR_HEADER = "berth_actor";

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final EventCodec codec;
    private final HttpPoster poster;
    private final List<Route> routes = new ArrayList<>();
    private final AuditLog audit;
    private final EventConsumerLoop loop;
    private final Counter audited;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A channel with its counters. */
    private record Route(NotificationChannel channel, Counter delivered, Counter failed) {}

    /**
     * Creates the notifier; nothing connects until {@link #start()}.
     *
     * @param clock reserved for time-based routing (quiet hours, flood grouping); unused today
     */
    public Notifier(NotifierConfig config, KafkaSettings kafka, EventCodec codec, Clock clock, MeterRegistry registry) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(registry, "registry");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.poster = new HttpPoster(config.requestTimeout(), config.maxAttempts());
        List<NotificationChannel> channels = new ArrayList<>();
        config.webhooks().forEach(u -> channels.add(new JsonWebhookChannel(u, codec, poster)));
        config.slackWebhooks().forEach(u -> channels.add(new SlackWebhookChannel(u, codec, poster)));
        for (NotificationChannel channel : channels) {
            routes.add(new Route(
                    channel,
                    Counter.builder("berth.notifications.delivered")
                            .description("Events delivered to a notification channel")
                            .tag("channel", channel.name())
                            .register(registry),
                    Counter.builder("berth.notifications.failed")
                            .description("Events a notification channel did not take after every retry")
                            .tag("channel", channel.name())
                            .register(registry)));
        }
        this.audited = Counter.builder("berth.audit.appended")
                .description("Events appended to berth.audit")
                .register(registry);
        this.audit = new AuditLog(kafka, "berth-notifier-audit");
        this.loop = new EventConsumerLoop(
                "notifier",
                kafka,
                config.groupId(),
                List.of(Topics.CHANGES, Topics.DEPLOYMENTS),
                Map.of(),
                this::handle);
        loop.bindTo(registry);
    }

    private void handle(ReceivedEvent record) throws InterruptedException {
        Envelope envelope = null;
        try {
            envelope = record.decode(codec);
        } catch (BerthException e) {
            log.debug("audit only: {}", e.getMessage());
        }
        audit.append(
                record,
                ACTOR_HEADER,
                envelope == null ? null : envelope.event().commit().author());
        audited.increment();
        if (envelope == null) {
            return;
        }
        for (Route route : routes) {
            if (route.channel().accepts(envelope)) {
                deliver(route, envelope);
            }
        }
    }

    private void deliver(Route route, Envelope envelope) throws InterruptedException {
        String type = envelope.type().ceType();
        try {
            route.channel().deliver(envelope);
            route.delivered().increment();
            log.debug(
                    "delivered {} {} for {} to {}",
                    type,
                    envelope.id(),
                    envelope.subject(),
                    route.channel().name());
        } catch (DeliveryException e) {
            if (stopping.get()) {
                // Not committed: the next notifier in the group delivers it (and audits it again).
                throw new RetriableBerthException("stopped while delivering " + type + " for " + envelope.subject()
                        + " to " + route.channel().name() + "; it is delivered after the restart");
            }
            route.failed().increment();
            log.warn(
                    "could not deliver {} for {} to {}: {}",
                    type,
                    envelope.subject(),
                    route.channel().name(),
                    e.getMessage());
        }
    }

    @Override
    public void start() {
        log.info(
                "notifier: auditing {} and {} to {}; {} webhook(s), {} Slack webhook(s)",
                Topics.CHANGES,
                Topics.DEPLOYMENTS,
                Topics.AUDIT,
                routes.stream()
                        .filter(r -> r.channel() instanceof JsonWebhookChannel)
                        .count(),
                routes.stream()
                        .filter(r -> r.channel() instanceof SlackWebhookChannel)
                        .count());
        loop.start();
    }

    /** True while the consumer polls. */
    public boolean isReady() {
        return loop.isPolling();
    }

    @Override
    public void stop() {
        stopping.set(true);
        poster.abort();
        loop.stop();
    }

    /** Waits for the consumer to stop, then closes the audit producer. */
    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        boolean stopped = loop.awaitStop(timeout);
        // The producer stays open while the loop may still append with it.
        if (stopped && closed.compareAndSet(false, true)) {
            audit.close();
        }
        return stopped;
    }

    @Override
    public String name() {
        return "notifier";
    }
}
