package dev.berth.watcher;

import static org.awaitility.Awaitility.await;

import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.kafka.Topics;
import dev.berth.testkit.GitRepos;
import dev.berth.testkit.KafkaFixture;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The Java half of {@code bench/watcher-scale.sh}: a generated config repository with {@code stacks}
 * stacks (one busybox service each; every tenth uses {@code shared/common.env}), served as a local path,
 * watched by one {@link Watcher} publishing to a real broker ({@link KafkaFixture}). Polls are driven
 * by {@link Watcher#pollNow()} (the poll interval is an hour), so each figure is the watcher's own work:
 *
 * <ul>
 *   <li>the initial load: start until every stack's {@code stack.changed} was read back;
 *   <li>idle polls: the poll timer's time per poll when nothing changed;
 *   <li>one stack changed per commit: from {@code pollNow()} right after the commit until its {@code
 *       stack.changed} for that commit was read back from Kafka ({@code read_committed}), and the poll's
 *       own time;
 *   <li>the shared env file changed: until all of its users' events were read back;
 *   <li>push webhook to event: from sending a signed GitHub push webhook for a new commit to the
 *       watcher's receiver (127.0.0.1) until that commit's {@code stack.changed} was read back;
 *   <li>heap used after a full GC before the watcher started and with it loaded, and the process RSS.
 * </ul>
 *
 * <p>Arguments: {@code <stacks> <idle polls> <commits> <output file> [delivery]}, delivery being
 * {@code transactional} (the default: {@link Watcher#transactional}, one Kafka transaction per poll)
 * or {@code at-least-once} (a plain publisher, one acknowledged send per event). Writes {@code key
 * value...} lines.
 */
public final class WatcherScaleBench {
    private static final EventCodec codec = new EventCodec();
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String WEBHOOK_SECRET = "bench-webhook-secret";

    private WatcherScaleBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4 || args.length > 5) {
            throw new IllegalArgumentException(
                    "usage: WatcherScaleBench <stacks> <idle polls> <commits> <output> [transactional|at-least-once]");
        }
        boolean transactional = args.length < 5 || args[4].equals("transactional");
        int stacks = Integer.parseInt(args[0]);
        int idlePolls = Integer.parseInt(args[1]);
        int commits = Integer.parseInt(args[2]);
        Path output = Path.of(args[3]);
        List<String> lines = new ArrayList<>();
        Path dataDir = Files.createTempDirectory("berth-watcher-scale-");
        try (GitRepos repo = GitRepos.create();
                KafkaFixture kafka = KafkaFixture.start()) {
            int sharedUsers = 0;
            for (int i = 0; i < stacks; i++) {
                boolean shared = i % 10 == 0;
                sharedUsers += shared ? 1 : 0;
                repo.write("stacks/" + name(i) + "/compose.yaml", compose(shared, 3600));
            }
            repo.write("shared/common.env", "GREETING=hello\n");
            repo.commit("Bench", "Add " + stacks + " stacks");
            new TopicAdmin(kafka.settings(), Clock.systemUTC()).awaitBrokerAndCreateTopics(line -> {});
            long heapBefore = heapAfterGc();
            lines.add("stacks " + stacks + " shared-users " + sharedUsers + " delivery "
                    + (transactional ? "transactional" : "at-least-once"));
            lines.add("heap-before-watcher-mib " + mib(heapBefore));

            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (KafkaEventPublisher publisher = new KafkaEventPublisher(kafka.settings(), "watcher-scale", codec);
                    KafkaStateStore store = new KafkaStateStore(kafka.settings(), "watcher-scale");
                    KafkaConsumer<String, byte[]> consumer = consumer(kafka.bootstrapServers())) {
                WatcherConfig config = new WatcherConfig(
                                repo.path().toString(),
                                GitRepos.BRANCH,
                                "bench",
                                Duration.ofHours(1),
                                dataDir,
                                "stacks",
                                ComposePolicy.DEFAULT)
                        .withWebhook(new WebhookConfig("127.0.0.1", 0, WEBHOOK_SECRET));
                Watcher watcher = transactional
                        ? Watcher.transactional(config, kafka.settings(), codec, store, Clock.systemUTC(), registry)
                        : new Watcher(config, publisher, store, Clock.systemUTC(), registry);
                Timer pollTimer = registry.timer("berth.watcher.poll", "environment", "bench");
                try {
                    long start = System.nanoTime();
                    watcher.start();
                    awaitChanged(consumer, repo.head(), stacks);
                    lines.add(String.format(Locale.ROOT, "initial-load-ms %.0f", millis(System.nanoTime() - start)));
                    awaitPolls(pollTimer, 1);

                    List<Double> idle = new ArrayList<>();
                    for (int i = 0; i < idlePolls; i++) {
                        idle.add(poll(watcher, pollTimer));
                    }
                    lines.add("idle-poll-ms " + summary(idle));

                    List<Double> toEvent = new ArrayList<>();
                    List<Double> pollTimes = new ArrayList<>();
                    for (int c = 0; c < commits; c++) {
                        int stack = (c * 97 + 1) % stacks;
                        repo.write("stacks/" + name(stack) + "/compose.yaml", compose(stack % 10 == 0, 4000 + c));
                        String sha = repo.commit("Bench", "Change " + name(stack));
                        double pollsBefore = pollTimer.totalTime(TimeUnit.NANOSECONDS);
                        long count = pollTimer.count();
                        long t0 = System.nanoTime();
                        watcher.pollNow();
                        awaitChanged(consumer, sha, 1);
                        toEvent.add(millis(System.nanoTime() - t0));
                        awaitPolls(pollTimer, count + 1);
                        pollTimes.add((pollTimer.totalTime(TimeUnit.NANOSECONDS) - pollsBefore) / 1e6);
                    }
                    lines.add("one-stack-commit-to-event-ms " + summary(toEvent));
                    lines.add("one-stack-commit-poll-ms " + summary(pollTimes));

                    List<Double> sharedToEvents = new ArrayList<>();
                    for (int c = 0; c < Math.max(1, commits / 4); c++) {
                        repo.write("shared/common.env", "GREETING=hello " + c + "\n");
                        String sha = repo.commit("Bench", "Change the shared env file");
                        long t0 = System.nanoTime();
                        watcher.pollNow();
                        awaitChanged(consumer, sha, sharedUsers);
                        sharedToEvents.add(millis(System.nanoTime() - t0));
                    }
                    lines.add("shared-file-commit-to-" + sharedUsers + "-events-ms " + summary(sharedToEvents));

                    HttpClient http = HttpClient.newHttpClient();
                    int port = watcher.webhookPort().orElseThrow();
                    List<Double> webhookToEvent = new ArrayList<>();
                    for (int c = 0; c < commits; c++) {
                        int stack = (c * 89 + 7) % stacks;
                        repo.write("stacks/" + name(stack) + "/compose.yaml", compose(stack % 10 == 0, 5000 + c));
                        String sha = repo.commit("Bench", "Change " + name(stack) + " (webhook)");
                        String payload = "{\"ref\":\"refs/heads/" + GitRepos.BRANCH + "\",\"after\":\"" + sha
                                + "\",\"repository\":{\"clone_url\":\""
                                + repo.path().toUri() + "\"}}";
                        HttpRequest request = HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + port + "/hooks/git"))
                                .header("Content-Type", "application/json")
                                .header("X-GitHub-Event", "push")
                                .header("X-GitHub-Delivery", UUID.randomUUID().toString())
                                .header("X-Hub-Signature-256", "sha256=" + hmac(payload))
                                .POST(HttpRequest.BodyPublishers.ofString(payload))
                                .build();
                        long t0 = System.nanoTime();
                        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                        if (response.statusCode() != 202) {
                            throw new IllegalStateException("webhook answered " + response.statusCode());
                        }
                        awaitChanged(consumer, sha, 1);
                        webhookToEvent.add(millis(System.nanoTime() - t0));
                    }
                    lines.add("webhook-to-event-ms " + summary(webhookToEvent));

                    long heapWith = heapAfterGc();
                    lines.add("heap-with-watcher-mib " + mib(heapWith) + " watcher-share-mib "
                            + mib(heapWith - heapBefore));
                    lines.add("process-rss-mib " + rssMib());
                } finally {
                    watcher.stop();
                    watcher.awaitStop(Duration.ofSeconds(30));
                }
            }
        } finally {
            org.eclipse.jgit.util.FileUtils.delete(
                    dataDir.toFile(),
                    org.eclipse.jgit.util.FileUtils.RECURSIVE | org.eclipse.jgit.util.FileUtils.IGNORE_ERRORS);
        }
        Files.write(output, lines, StandardCharsets.UTF_8);
    }

    private static String hmac(String body) throws java.security.GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    private static String name(int i) {
        return String.format(Locale.ROOT, "s%04d", i);
    }

    private static String compose(boolean shared, int seconds) {
        return "services:\n  app:\n    image: busybox:1.35\n    command: sleep " + seconds + "\n"
                + (shared ? "    env_file: ../../shared/common.env\n" : "");
    }

    /** Asks for one poll and returns its time from the poll timer, in ms. */
    private static double poll(Watcher watcher, Timer timer) throws InterruptedException {
        double before = timer.totalTime(TimeUnit.NANOSECONDS);
        long count = timer.count();
        watcher.pollNow();
        awaitPolls(timer, count + 1);
        return (timer.totalTime(TimeUnit.NANOSECONDS) - before) / 1e6;
    }

    private static void awaitPolls(Timer timer, long count) {
        await("poll " + count)
                .atMost(WAIT)
                .pollInterval(Duration.ofNanos(200_000))
                .until(() -> timer.count() >= count);
    }

    /** Reads {@code stack.changed} records until {@code expected} of them are for commit {@code sha}. */
    private static void awaitChanged(KafkaConsumer<String, byte[]> consumer, String sha, int expected) {
        Set<String> seen = new HashSet<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (seen.size() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "only " + seen.size() + " of " + expected + " events for " + sha + " within " + WAIT);
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(5))) {
                Header type = r.headers().lastHeader("ce_type");
                if (type == null) {
                    continue;
                }
                if (codec.decode(new String(type.value(), StandardCharsets.UTF_8), r.value())
                                        .event()
                                instanceof StackChanged changed
                        && changed.commit().sha().equals(sha)) {
                    seen.add(changed.stack().name());
                }
            }
        }
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.CHANGES, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(Topics.CHANGES, p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            // Time for the collector's background work (reference processing) before the next run.
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static String rssMib() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                return String.format(Locale.ROOT, "%.0f", kib / 1024.0);
            }
        }
        return "unknown";
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024));
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    /** {@code median <m> p90 <p> min <a> max <b> n <n>}, in ms with one decimal. */
    private static String summary(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        double p90 = sorted.get(Math.min(n - 1, (int) Math.ceil(n * 0.9) - 1));
        return String.format(
                Locale.ROOT,
                "median %.1f p90 %.1f min %.1f max %.1f n %d",
                median,
                p90,
                sorted.get(0),
                sorted.get(n - 1),
                n);
    }
}
