package dev.berth.notifier;

import com.samskivert.mustache.Template;
import dev.berth.common.Service;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.Topics;
import dev.berth.notifier.internal.AuditLoop;
import dev.berth.notifier.internal.ChannelDispatcher;
import dev.berth.notifier.internal.HttpSender;
import dev.berth.notifier.internal.Messages;
import dev.berth.notifier.internal.Notices;
import dev.berth.notifier.internal.NotifierTopics;
import dev.berth.notifier.internal.Redactor;
import dev.berth.notifier.internal.Templates;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifier: keeps the audit trail and tells people.
 *
 * <ul>
 *   <li><b>Audit.</b> Every record of {@code berth.changes} and {@code berth.deployments} is
 *       appended to {@code berth.audit} unchanged, with headers {@value AuditLoop#ACTOR_HEADER}
 *       (commit author, or the operator behind a rollback/retry) and {@value AuditLoop#KIND_HEADER};
 *       the event itself carries the evidence. In batches; offsets committed after the broker has
 *       every copy. An event no route takes is audited only.
 *   <li><b>Channels.</b> Each channel has its own thread and consumer group on {@code berth.audit}
 *       ({@code <group>.channel.<name>}), so a failing channel never blocks the others or the audit.
 *       Routes pick events by environment, kind and severity; templates render the text; chat
 *       channels apply flood control (incidents, storm summaries); each message's state is kept in
 *       the compacted {@code berth.notifications.delivered}, so it is sent at most once per channel,
 *       across restarts. Retries with exponential backoff honour {@code Retry-After}; a per-channel
 *       circuit breaker (resilience4j) stops trying a dead channel; a message that runs out of
 *       attempts goes to {@code berth.notifications.dlq}, and {@code berth notifications replay}
 *       sends it again through {@code berth.notifications.replay}.
 * </ul>
 *
 * <p>Nothing sent contains a secret the notifier knows: the channels' URL tokens, signing secrets
 * and header values, and the {@code secretValues} given to the constructor are masked in every
 * message.
 *
 * <p>Metrics: {@code berth.audit.appended}; per channel (tag {@code channel}) {@code
 * berth.notifications.delivered}, {@code .failed} (attempts), {@code .dead}, {@code .skipped}.
 *
 * <p>Owns its threads ({@code berth-notifier-audit}, {@code berth-notifier-<channel>}), Kafka clients
 * and HTTP client; {@link #stop()} ends retry waits at once; {@link #awaitStop} releases everything.
 * Thread-safe.
 */
public final class Notifier implements Service {
    /** The header naming who caused an audited event. */
    public static final String ACTOR_HEADER = AuditLoop.ACTOR_HEADER;

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final NotifierConfig config;
    private final KafkaSettings kafka;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaProducer<String, byte[]> ledgerProducer;
    private final ExecutorService http;
    private final AuditLoop audit;
    private final List<ChannelDispatcher> dispatchers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private volatile boolean threadDied;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A notifier that knows no secrets beyond its channels'. */
    public Notifier(NotifierConfig config, KafkaSettings kafka, EventCodec codec, Clock clock, MeterRegistry registry) {
        this(config, kafka, codec, clock, registry, Set.of());
    }

    /**
     * Creates the notifier; nothing connects until {@link #start()}.
     *
     * @param secretValues values masked in everything sent (the host secrets of the deployers this
     *     notifier reports on), besides the channels' own
     */
    public Notifier(
            NotifierConfig config,
            KafkaSettings kafka,
            EventCodec codec,
            Clock clock,
            MeterRegistry registry,
            Collection<String> secretValues) {
        this.config = Objects.requireNonNull(config, "config");
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(registry, "registry");
        List<String> secrets = new ArrayList<>(secretValues);
        List<String> urlParts = new ArrayList<>();
        for (ChannelConfig c : config.channels()) {
            secrets.addAll(c.headers().values());
            if (c.signingSecret() != null) {
                secrets.add(c.signingSecret());
            }
            // The path and query of a webhook URL are usually its token; hidden whole, as their parts
            // ("services/") are ordinary words.
            if (c.url().getRawPath() != null && c.url().getRawPath().length() > 1 && c.type() != ChannelType.WEBHOOK) {
                urlParts.add(c.url().getRawPath().substring(1));
            }
            if (c.url().getRawQuery() != null) {
                urlParts.add(c.url().getRawQuery());
            }
        }
        Redactor redactor = new Redactor(secrets, urlParts);
        Notices notices = new Notices(codec, config.commitUrlTemplate());
        Messages messages = new Messages(redactor);
        // The audit copies go in batches (a little linger fills them); delivery states are written
        // one at a time and waited for, so they must not linger.
        this.producer = new KafkaProducer<>(
                kafka.producerProperties("berth-notifier-audit", Map.of(ProducerConfig.LINGER_MS_CONFIG, 5)),
                new StringSerializer(),
                new ByteArraySerializer());
        this.ledgerProducer = new KafkaProducer<>(
                kafka.producerProperties("berth-notifier-ledger", Map.of(ProducerConfig.LINGER_MS_CONFIG, 0)),
                new StringSerializer(),
                new ByteArraySerializer());
        AtomicInteger n = new AtomicInteger();
        this.http = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "berth-notifier-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        HttpSender sender = new HttpSender(config.requestTimeout(), http);
        this.audit = new AuditLoop(kafka, config.groupId(), producer, notices, registry);
        for (ChannelConfig c : config.channels()) {
            List<Map.Entry<RouteConfig, @Nullable Template>> routes = new ArrayList<>();
            for (RouteConfig r : config.routes()) {
                if (r.channels().contains(c.name())) {
                    Template t = r.template() == null
                            ? null
                            : Templates.compile("notifications.routes." + r.name() + ".template", r.template());
                    routes.add(new AbstractMap.SimpleImmutableEntry<>(r, t));
                }
            }
            if (routes.isEmpty()) {
                log.warn("notifier: no route names channel {}: it gets nothing", c.name());
                continue;
            }
            dispatchers.add(new ChannelDispatcher(
                    NotificationChannel.of(c),
                    routes,
                    config,
                    kafka,
                    notices,
                    messages,
                    sender,
                    ledgerProducer,
                    codec.json(),
                    clock,
                    registry));
        }
    }

    /** Creates the notifier's topics when missing, then starts the audit loop and one thread per channel. */
    @Override
    public void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        try {
            NotifierTopics.ensure(kafka);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        log.info(
                "notifier: auditing {} and {} to {}; channels: {}; routes: {}",
                Topics.CHANGES,
                Topics.DEPLOYMENTS,
                Topics.AUDIT,
                config.channels(),
                config.routes().stream().map(RouteConfig::name).toList());
        start("berth-notifier-audit", audit);
        for (ChannelDispatcher d : dispatchers) {
            start("berth-notifier-" + d.name(), d);
        }
    }

    private void start(String name, Runnable runnable) {
        Thread thread = new Thread(
                () -> {
                    try {
                        runnable.run();
                    } catch (RuntimeException | Error e) {
                        threadDied = true;
                        // Logged here with the thread's name; the thread ends, and isHealthy says so.
                        log.error("{} stopped: {}; /health is DOWN, restart the process", name, e.toString(), e);
                    }
                },
                name);
        threads.add(thread);
        thread.start();
    }

    /**
     * False when one of its threads ended with an error, or ended while the notifier was not
     * stopping: the process needs a restart.
     */
    public boolean isHealthy() {
        if (threadDied) {
            return false;
        }
        return stopping.get() || threads.stream().allMatch(Thread::isAlive);
    }

    /** True once the audit loop and every channel poll. */
    public boolean isReady() {
        return audit.isReady() && dispatchers.stream().allMatch(ChannelDispatcher::isReady);
    }

    @Override
    public void stop() {
        stopping.set(true);
        audit.stop();
        dispatchers.forEach(ChannelDispatcher::stop);
        if (started.compareAndSet(false, true) && closed.compareAndSet(false, true)) {
            // Never started: nothing will run the loops' finally blocks.
            audit.closeUnstarted();
            dispatchers.forEach(ChannelDispatcher::closeUnstarted);
            producer.close(Duration.ZERO);
            ledgerProducer.close(Duration.ZERO);
            http.shutdownNow();
        }
    }

    /** Waits for every thread to end, then closes the producer and the HTTP client's threads. */
    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (t.isAlive()) {
                return false;
            }
        }
        if (closed.compareAndSet(false, true)) {
            producer.close(Duration.ofSeconds(5));
            ledgerProducer.close(Duration.ofSeconds(5));
            http.shutdownNow();
        }
        return true;
    }

    @Override
    public String name() {
        return "notifier";
    }
}
