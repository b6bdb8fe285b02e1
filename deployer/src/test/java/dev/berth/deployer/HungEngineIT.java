package dev.berth.deployer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.StackRef;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentStarted;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.kafka.Topics;
import dev.berth.testkit.DockerFixture;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.SharedKafka;
import dev.berth.testkit.Stacks;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A hung engine, gates that need a container to stay up, and static membership, on a real broker and
 * engine: an engine stand-in on 127.0.0.1 that accepts connections and never answers; a proxy in front
 * of the real engine's socket that swallows the inspects of containers (a gate cannot see its
 * container); a container that passes its first health check and exits; a static member that comes
 * back within the dead member's session.
 */
@Isolated
@ExtendWith(SharedKafka.class)
class HungEngineIT {
    private static final Clock CLOCK = Clock.systemUTC();
    private static final EventCodec CODEC = new EventCodec();
    private static final Path SOCKET = Path.of("/var/run/docker.sock");
    private static KafkaFixture kafka;
    private static KafkaEventPublisher publisher;
    private static DockerFixture docker;
    private static final Set<String> USED_STACKS = ConcurrentHashMap.newKeySet();
    private final List<Deployer> deployers = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private int revision;

    @BeforeAll
    static void start(KafkaFixture broker) throws InterruptedException {
        kafka = broker;
        new TopicAdmin(kafka.settings(), CLOCK).awaitBrokerAndCreateTopics(line -> {});
        publisher = new KafkaEventPublisher(kafka.settings(), "hung-engine-it", CODEC);
        docker = new DockerFixture();
    }

    @AfterAll
    static void stop() {
        if (publisher != null) {
            publisher.close();
        }
        if (docker != null) {
            USED_STACKS.forEach(docker::removeStack);
            docker.close();
        }
    }

    @AfterEach
    void stopDeployers() throws Exception {
        for (Deployer d : deployers) {
            d.stop();
        }
        for (Deployer d : deployers) {
            d.awaitStop(Duration.ofSeconds(30));
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
        USED_STACKS.forEach(docker::removeStack);
    }

    private static String environment() {
        return "h" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static StackRef stack(String environment) {
        StackRef stack =
                new StackRef(environment, "s" + UUID.randomUUID().toString().substring(0, 8));
        USED_STACKS.add(stack.key());
        return stack;
    }

    private Deployer deployer(DeployerConfig config, String instanceId) {
        Deployer d = new Deployer(config, kafka.settings(), publisher, CLOCK, new SimpleMeterRegistry(), instanceId);
        deployers.add(d);
        d.start();
        return d;
    }

    private StackChanged changeOf(StackRef stack, String compose) {
        return Stacks.changed(stack, compose, "rev " + ++revision);
    }

    private static Envelope publish(BerthEvent event) {
        Envelope envelope = Envelope.newChain(URI.create("/test"), CLOCK, event);
        publisher.publish(envelope);
        return envelope;
    }

    private static JsonNode json(KafkaFixture.Record r) throws IOException {
        return CODEC.json().readTree(r.value());
    }

    private static StackHistory history(StackRef stack) {
        try (KafkaStackHistoryStore store = new KafkaStackHistoryStore(
                new KafkaStateStore(kafka.settings(), "hung-it-reader-" + UUID.randomUUID()), CODEC)) {
            store.refresh();
            return store.history(stack);
        }
    }

    @Test
    void aDeployerStartsAgainstAnEngineThatNeverAnswersAndIsNotReady() throws Exception {
        Silent engine = new Silent();
        closeables.add(engine);
        DeployerConfig config = DeployerConfig.defaults()
                .withEnvironment(environment())
                .withDockerHost("tcp://127.0.0.1:" + engine.port());
        Instant begin = Instant.now();
        Deployer deployer = deployer(config, null);
        // start() returned without waiting for the engine; the engine was asked, and never answered.
        assertThat(Duration.between(begin, Instant.now())).isLessThan(Duration.ofSeconds(3));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.accepted() > 0);
        await().during(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(9)).until(() -> !deployer.isReady());
        deployer.stop();
        assertThat(deployer.awaitStop(Duration.ofSeconds(15))).isTrue();
    }

    @Test
    void aGateTimesOutWhenTheEngineStopsAnsweringInspectsAndAnotherEnvironmentGoesOn() throws Exception {
        Proxy proxy = new Proxy();
        closeables.add(proxy);
        String hung = environment();
        Duration timeout = Duration.ofSeconds(6);
        deployer(
                DeployerConfig.defaults()
                        .withEnvironment(hung)
                        .withDockerHost("tcp://127.0.0.1:" + proxy.port())
                        .withHealthTimeout(timeout)
                        .withMonitorPeriod(Duration.ofSeconds(1)),
                null);
        String other = environment();
        deployer(
                DeployerConfig.defaults()
                        .withEnvironment(other)
                        .withHealthTimeout(Duration.ofSeconds(20))
                        .withMonitorPeriod(Duration.ofSeconds(1)),
                null);
        StackRef stack = stack(hung);
        StackRef elsewhere = stack(other);

        proxy.hangInspects(true);
        Envelope chain = publish(changeOf(stack, Stacks.webServer(Stacks.freePort(), "one", Stacks.HEALTHY)));
        Envelope otherChain = publish(changeOf(elsewhere, Stacks.webServer(Stacks.freePort(), "two", Stacks.HEALTHY)));

        assertThat(kafka.awaitOutcome(otherChain.chainId(), Duration.ofSeconds(60))
                        .ceType())
                .contains("deployment.succeeded");
        KafkaFixture.Record failed = kafka.awaitOutcome(chain.chainId(), Duration.ofSeconds(60));
        assertThat(failed.ceType()).contains("deployment.failed");
        assertThat(json(failed).at("/subject/content/reason").asText())
                .contains("did not pass its gate within 6 s")
                .contains("did not answer");
        Instant started = Instant.parse(kafka.chain(Topics.DEPLOYMENTS, chain.chainId())
                .get(0)
                .headers()
                .get("ce_time"));
        Instant ended = Instant.parse(failed.headers().get("ce_time"));
        // The gate's timeout held (an inspect is otherwise given up only after 30 s, and retried).
        assertThat(Duration.between(started, ended)).isLessThan(Duration.ofSeconds(25));
        // Failed cleanly: the new container is gone.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> docker.containers(stack.key()).isEmpty());

        // The engine answers again: the next change deploys.
        proxy.hangInspects(false);
        Envelope again = publish(changeOf(stack, Stacks.webServer(Stacks.freePort(), "three", Stacks.HEALTHY)));
        assertThat(kafka.awaitOutcome(again.chainId(), Duration.ofSeconds(90)).ceType())
                .contains("deployment.succeeded");
    }

    @Test
    void aContainerThatExitsSoonAfterTurningHealthyFailsAndTheStackIsRolledBack() throws Exception {
        String env = environment();
        deployer(
                DeployerConfig.defaults()
                        .withEnvironment(env)
                        .withHealthTimeout(Duration.ofSeconds(20))
                        .withMonitorPeriod(Duration.ofSeconds(5)),
                null);
        StackRef stack = stack(env);
        int port = Stacks.freePort();
        StackChanged good = changeOf(stack, Stacks.webServer(port, "one", Stacks.HEALTHY));
        assertThat(kafka.awaitOutcome(publish(good).chainId(), Duration.ofSeconds(60))
                        .ceType())
                .contains("deployment.succeeded");

        // Healthy at its first check (about 1 s), gone 2 s later.
        StackChanged flaky = changeOf(stack, """
                services:
                  web:
                    image: busybox:1.35
                    command: ["sh", "-c", "touch /ok; sleep 3; exit 3"]
                    healthcheck:
                      test: ["CMD-SHELL", "test -f /ok"]
                      interval: 1s
                      timeout: 2s
                      retries: 2
                """);
        KafkaFixture.Record failed = kafka.awaitOutcome(publish(flaky).chainId(), Duration.ofSeconds(90));
        assertThat(failed.ceType()).contains("deployment.failed");
        JsonNode content = json(failed).at("/subject/content");
        assertThat(content.get("reason").asText())
                .containsPattern(
                        "exited with code 3 [0-9.]+ s after passing its gate, within its stability window \\(monitor 5.0 s\\)")
                .contains("rolled back to " + good.commit().shortSha());
        StackHistory history = history(stack);
        assertThat(history.lastGood()).isEqualTo(good.commit().sha());
        assertThat(history.revisions())
                .extracting(StackHistory.Revision::revision, StackHistory.Revision::status)
                .containsExactly(
                        tuple(flaky.commit().sha(), StackHistory.Status.QUARANTINED),
                        tuple(good.commit().sha(), StackHistory.Status.GOOD));
    }

    @Test
    void aContainerThatCannotStartOnAFirstDeploymentIsNotLeftCreated() throws Exception {
        String env = environment();
        deployer(
                DeployerConfig.defaults()
                        .withEnvironment(env)
                        .withHealthTimeout(Duration.ofSeconds(20))
                        .withMonitorPeriod(Duration.ofSeconds(1)),
                null);
        StackRef stack = stack(env);
        StackChanged broken = changeOf(stack, """
                services:
                  web:
                    image: busybox:1.35
                    command: ["/no/such/program"]
                """);
        KafkaFixture.Record failed = kafka.awaitOutcome(publish(broken).chainId(), Duration.ofSeconds(60));
        assertThat(failed.ceType()).contains("deployment.failed");
        // The engine's refusal is the evidence, kept in the failure; the container is gone.
        assertThat(json(failed).at("/subject/content/reason").asText())
                .contains("service \"web\"")
                .contains("/no/such/program");
        assertThat(docker.containers(stack.key())).isEmpty();
    }

    @Test
    void aStaticMemberKilledMidRolloutIsTakenOverAtItsRestartBeforeItsSessionExpires() throws Exception {
        String env = environment();
        String group = "berth-static-" + UUID.randomUUID();
        String instance = "berth-run-" + UUID.randomUUID() + "-" + env;
        StackRef stack = stack(env);
        int port = Stacks.freePort();
        Process child = child(group, env, instance);
        try {
            Envelope one = publish(changeOf(stack, Stacks.webServer(port, "one", Stacks.HEALTHY)));
            assertThat(kafka.awaitOutcome(one.chainId(), Duration.ofSeconds(120))
                            .ceType())
                    .contains("deployment.succeeded");
            // A revision that never turns healthy: its rollout waits in the gate, the old container kept aside.
            StackChanged two = changeOf(stack, Stacks.webServer(port, "two", "false"));
            publish(two);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> docker.containers(stack.key()).stream()
                            .anyMatch(c -> c.getNames()[0].endsWith("-berth-old")));
        } finally {
            child.destroyForcibly();
            child.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        // To the group the killed member is alive until its 45 s session expires; its restart (the same
        // instance id) takes its partitions back at once, and the takeover at assignment still runs.
        Instant restarted = Instant.now();
        deployer(
                DeployerConfig.defaults()
                        .withEnvironment(env)
                        .withGroupId(group)
                        .withHealthTimeout(Duration.ofSeconds(40))
                        .withMonitorPeriod(Duration.ofSeconds(1)),
                instance);
        String started = await().atMost(Duration.ofSeconds(10)).until(() -> started(stack, 1), id -> id != null);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> interruptedDeployments(stack).contains(started));
        assertThat(Duration.between(restarted, Instant.now())).isLessThan(Duration.ofSeconds(35));
    }

    /** The id of a stack's {@code index}-th (0-based) deployment that started, or null. */
    private static String started(StackRef stack, int index) {
        List<String> ids = events(stack).stream()
                .filter(e -> e instanceof DeploymentStarted)
                .map(e -> ((DeploymentStarted) e).deploymentId())
                .toList();
        return ids.size() > index ? ids.get(index) : null;
    }

    /** The ids of a stack's deployments that ended as interrupted (their deployer stopped before they ended). */
    private static List<String> interruptedDeployments(StackRef stack) {
        return events(stack).stream()
                .filter(e -> e instanceof DeploymentFailed f && f.reason().contains("was interrupted"))
                .map(e -> ((DeploymentFailed) e).deploymentId())
                .toList();
    }

    private static List<BerthEvent> events(StackRef stack) {
        return kafka.readAll(Topics.DEPLOYMENTS).stream()
                .map(r -> CODEC.decode(r.ceType(), r.value()).event())
                .filter(e -> e.stack().equals(stack))
                .toList();
    }

    private static Process child(String group, String environment, String instanceId) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashChild.class.getName(),
                        kafka.bootstrapServers(),
                        group,
                        environment,
                        instanceId)
                .redirectErrorStream(true)
                .redirectOutput(Path.of("target", "static-child-" + environment + ".log")
                        .toFile())
                .start();
    }

    /** An engine stand-in: accepts every connection, reads what comes, never answers. */
    private static final class Silent implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> held = new CopyOnWriteArrayList<>();

        Silent() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread thread = new Thread(this::accept, "hung-engine");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int accepted() {
            return held.size();
        }

        private void accept() {
            try {
                while (!server.isClosed()) {
                    held.add(server.accept());
                }
            } catch (IOException e) {
                // closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /**
     * A TCP proxy on 127.0.0.1 in front of the engine's unix socket; switched to swallow the inspects of
     * containers, it forwards nothing more of such a connection, either way (the engine is hung for them).
     */
    private static final class Proxy implements AutoCloseable {
        private static final Pattern INSPECT = Pattern.compile("^GET (/v[0-9.]+)?/containers/[^/?]+/json");
        private final ServerSocketChannel server;
        private final List<java.nio.channels.Channel> open = new CopyOnWriteArrayList<>();
        private volatile boolean hangInspects;

        Proxy() throws IOException {
            server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread thread = new Thread(this::accept, "engine-proxy");
            thread.setDaemon(true);
            thread.start();
        }

        int port() throws IOException {
            return ((InetSocketAddress) server.getLocalAddress()).getPort();
        }

        void hangInspects(boolean hang) {
            hangInspects = hang;
        }

        private void accept() {
            try {
                while (server.isOpen()) {
                    SocketChannel client = server.accept();
                    SocketChannel engine = SocketChannel.open(StandardProtocolFamily.UNIX);
                    engine.connect(UnixDomainSocketAddress.of(SOCKET));
                    open.add(client);
                    open.add(engine);
                    java.util.concurrent.atomic.AtomicBoolean hung = new java.util.concurrent.atomic.AtomicBoolean();
                    pump(client, engine, hung, true);
                    pump(engine, client, hung, false);
                }
            } catch (IOException e) {
                // closed
            }
        }

        private void pump(
                SocketChannel from,
                SocketChannel to,
                java.util.concurrent.atomic.AtomicBoolean hung,
                boolean requests) {
            Thread thread = new Thread(
                    () -> {
                        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                        try {
                            while (from.read(buffer) >= 0) {
                                buffer.flip();
                                if (requests && hangInspects) {
                                    String head = StandardCharsets.ISO_8859_1
                                            .decode(buffer.duplicate())
                                            .toString();
                                    if (INSPECT.matcher(head).find()) {
                                        hung.set(true);
                                    }
                                }
                                if (!hung.get()) {
                                    while (buffer.hasRemaining()) {
                                        to.write(buffer);
                                    }
                                }
                                buffer.clear();
                            }
                        } catch (IOException e) {
                            // one side closed
                        } finally {
                            try {
                                to.close();
                                from.close();
                            } catch (IOException e) {
                                // closing
                            }
                        }
                    },
                    "engine-proxy-pump");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (java.nio.channels.Channel c : open) {
                c.close();
            }
        }
    }
}
