package dev.berth.notifier;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.CloudEventHeaders;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.ProviderServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.function.DoubleSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Benchmark harness for {@code bench/notifier.sh}: events per second into {@code berth.audit} (no
 * channel), events per second to one channel (a generic webhook on 127.0.0.1 that accepts
 * everything), and the resident memory of the notifier while it works. The notifier runs in a child
 * JVM of its own (this class's {@code child} mode, same class path, the script's heap limit), so its
 * RSS is its own; this JVM runs the broker container, the load producer and the receiver, and counts.
 * Bounded: fixed event counts, each phase at most 5 minutes. Not a test.
 */
public final class NotifierBench {
    private NotifierBench() {}

    public static void main(String[] args) throws Exception {
        if (args[0].equals("child")) {
            child(args);
            return;
        }
        int auditEvents = Integer.parseInt(args[0]);
        int channelEvents = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        EventCodec codec = new EventCodec();
        Clock clock = Clock.systemUTC();
        List<String> lines = new ArrayList<>();
        try (KafkaFixture kafka = KafkaFixture.start();
                ProviderServer receiver = ProviderServer.start(ProviderServer.Provider.WEBHOOK)) {
            KafkaSettings settings = kafka.settings();
            new TopicAdmin(settings, clock).awaitBrokerAndCreateTopics(line -> {});

            // 1. The audit trail alone: the events wait in berth.deployments, then the notifier starts.
            String env = "bench" + UUID.randomUUID().toString().substring(0, 6);
            publish(settings, codec, env, auditEvents, 1);
            long[] rss = {0};
            long before = auditSize(kafka);
            Rate audit = measure(
                    child(kafka, "bench-audit-" + env, "-", env), auditEvents, () -> auditSize(kafka) - before, rss);
            lines.add(String.format(
                    Locale.ROOT,
                    "audit only: %d events in %.2f s = %.0f events/s into berth.audit (first to last append)",
                    auditEvents,
                    audit.seconds(),
                    auditEvents / audit.seconds()));

            // 2. One channel: another group audits and delivers the same kind of events to a webhook.
            String env2 = env + "c";
            publish(settings, codec, env2, channelEvents, 2);
            Rate channel = measure(
                    child(kafka, "bench-channel-" + env, receiver.url("/hook").toString(), env2),
                    channelEvents,
                    () -> receiver.accepted().size(),
                    rss);
            lines.add(String.format(
                    Locale.ROOT,
                    "one channel (webhook, %d events, each state acknowledged before and after its POST): %.2f s"
                            + " = %.0f events/s",
                    channelEvents,
                    channel.seconds(),
                    channelEvents / channel.seconds()));
            lines.add(String.format(
                    Locale.ROOT,
                    "notifier RSS (its own JVM, %s): peak %d MB (VmHWM)",
                    System.getProperty("bench.childOpts", "-Xmx64m"),
                    rss[0] / 1024));
        }
        Files.write(out, lines);
    }

    private record Rate(double seconds) {}

    /** The notifier of a child JVM, until it is destroyed. */
    private static void child(String[] args) throws Exception {
        KafkaSettings settings = new KafkaSettings(
                args[1],
                KafkaSettings.DEFAULT_PARTITIONS,
                KafkaSettings.DEFAULT_REPLICATION_FACTOR,
                Duration.ofMinutes(1),
                Map.of());
        NotifierConfig config = NotifierConfig.defaults().withGroupId(args[2]);
        if (!args[3].equals("-")) {
            config = config.withChannelsAndRoutes(
                    List.of(new ChannelConfig("bench-hook", ChannelType.WEBHOOK, URI.create(args[3]))),
                    List.of(new RouteConfig(
                            "bench", Set.of(args[4]), Set.of(), Severity.INFO, List.of("bench-hook"), null)));
        }
        Notifier notifier =
                new Notifier(config, settings, new EventCodec(), Clock.systemUTC(), new SimpleMeterRegistry());
        notifier.start();
        // The harness destroys this process when it is done; six minutes bound it otherwise.
        notifier.awaitStop(Duration.ofMinutes(6));
        notifier.stop();
        notifier.awaitStop(Duration.ofSeconds(30));
    }

    private static Process child(KafkaFixture kafka, String group, String url, String env) throws IOException {
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(System.getProperty("bench.childOpts", "-Xmx64m").split(" ")));
        command.addAll(List.of(
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                System.getProperty("java.class.path"),
                NotifierBench.class.getName(),
                "child",
                kafka.bootstrapServers(),
                group,
                url,
                env));
        return new ProcessBuilder(command).inheritIO().start();
    }

    private static org.apache.kafka.clients.consumer.@org.jspecify.annotations.Nullable KafkaConsumer<String, byte[]>
            counter;

    /** The number of records in berth.audit, from one consumer kept for the whole run. */
    private static long auditSize(KafkaFixture kafka) {
        if (counter == null) {
            counter = new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                    kafka.settings().clientProperties("bench-count", Map.of()),
                    new StringDeserializer(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer());
        }
        var partitions = counter.partitionsFor(dev.berth.common.kafka.Topics.AUDIT, Duration.ofSeconds(10)).stream()
                .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition()))
                .toList();
        return counter.endOffsets(partitions).values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    /** Starts the notifier's JVM, waits for {@code count} on {@code progress}, and stops it. */
    private static Rate measure(Process notifier, int count, DoubleSupplier progress, long[] rss)
            throws InterruptedException, IOException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        long first = 0;
        long last = 0;
        while (System.nanoTime() < deadline) {
            double done = progress.getAsDouble();
            if (done > 0 && first == 0) {
                first = System.nanoTime();
            }
            if (done >= count) {
                last = System.nanoTime();
                break;
            }
            rss[0] = Math.max(rss[0], vmHwmKb(notifier.pid()));
            // The sampling period (fine until the first append, whose time is measured), not a wait.
            Thread.sleep(first == 0 ? 5 : 20);
        }
        rss[0] = Math.max(rss[0], vmHwmKb(notifier.pid()));
        notifier.destroy();
        notifier.waitFor();
        if (last == 0) {
            throw new IllegalStateException("only " + progress.getAsDouble() + " of " + count + " within 5 minutes");
        }
        return new Rate((last - first) / 1e9);
    }

    private static long vmHwmKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return 0;
    }

    /** Publishes {@code count} outcomes over 50 stacks, asynchronously, as the deployer would. */
    private static void publish(KafkaSettings settings, EventCodec codec, String env, int count, int variant)
            throws Exception {
        Commit commit =
                new Commit("0123456789abcdef0123456789abcdef01234567", "Bench", "load " + variant, Instant.now());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                settings.producerProperties("bench-load", Map.of(ProducerConfig.LINGER_MS_CONFIG, 10)),
                new StringSerializer(),
                new ByteArraySerializer())) {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                StackRef stack = new StackRef(env, "s" + (i % 50));
                Envelope e = Envelope.newChain(
                        URI.create("/bench"),
                        Clock.systemUTC(),
                        i % 10 == 9
                                ? new DeploymentFailed(
                                        stack, "d" + i, commit, "web", "unhealthy", "exit 1", Duration.ofSeconds(2))
                                : new DeploymentSucceeded(
                                        stack, "d" + i, commit, List.of("recreate web"), Duration.ofSeconds(2)));
                sent.add(producer.send(new ProducerRecord<>(
                        e.type().topic(), null, e.subject(), codec.encode(e), CloudEventHeaders.of(e))));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        }
    }
}
