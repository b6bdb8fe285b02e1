package dev.berth.deployer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.model.Container;
import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackRetryRequested;
import dev.berth.common.event.StackRollbackRequested;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Isolated;

/** Whole-stack rollback, quarantine, history and the operators' commands, on a real broker and engine. */
@Isolated
@ExtendWith(SharedKafka.class)
class RollbackIT {
    private static final Clock CLOCK = Clock.systemUTC();
    private static final EventCodec CODEC = new EventCodec();
    private static final String UNHEALTHY = "false";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static KafkaFixture kafka;
    private static KafkaEventPublisher publisher;
    private static DockerFixture docker;
    private static Deployer deployer;
    private static final Set<String> USED_STACKS = ConcurrentHashMap.newKeySet();

    private final StackRef stack =
            new StackRef("rit", "s" + UUID.randomUUID().toString().substring(0, 8));
    private int revision;

    {
        USED_STACKS.add(stack.key());
    }

    @BeforeAll
    static void start(KafkaFixture broker) throws InterruptedException {
        kafka = broker;
        new TopicAdmin(kafka.settings(), CLOCK).awaitBrokerAndCreateTopics(line -> {});
        publisher = new KafkaEventPublisher(kafka.settings(), "rollback-it", CODEC);
        docker = new DockerFixture();
        DeployerConfig config = DeployerConfig.defaults()
                .withEnvironment("rit")
                .withHealthTimeout(Duration.ofSeconds(20))
                .withMonitorPeriod(Duration.ofSeconds(1));
        deployer = new Deployer(config, kafka.settings(), publisher, CLOCK, new SimpleMeterRegistry());
        deployer.start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (deployer != null) {
            deployer.stop();
            deployer.awaitStop(Duration.ofSeconds(30));
        }
        if (publisher != null) {
            publisher.close();
        }
        if (docker != null) {
            USED_STACKS.forEach(docker::removeStack);
            docker.close();
        }
    }

    @AfterEach
    void cleanUp() {
        docker.removeStack(stack.key());
    }

    private StackChanged changeOf(String compose) {
        return changeOf(stack, compose);
    }

    private StackChanged changeOf(StackRef target, String compose) {
        return Stacks.changed(target, compose, "rev " + ++revision);
    }

    private Envelope publish(BerthEvent event) {
        Envelope envelope = Envelope.newChain(URI.create("/test"), CLOCK, event);
        publisher.publish(envelope);
        return envelope;
    }

    private Commit command(String what) {
        return new Commit("", "ops", what, Instant.now());
    }

    private KafkaFixture.Record outcome(Envelope chain) {
        return kafka.awaitOutcome(chain.chainId(), Duration.ofSeconds(120));
    }

    private List<KafkaFixture.Record> chainOf(Envelope chain) {
        return kafka.chain(Topics.DEPLOYMENTS, chain.chainId());
    }

    private static JsonNode json(KafkaFixture.Record r) throws IOException {
        return CODEC.json().readTree(r.value());
    }

    private static String get(int port) throws IOException, InterruptedException {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                .timeout(Duration.ofSeconds(3))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body()
                .strip();
    }

    private Set<String> revisions() {
        return docker.containers(stack.key()).stream()
                .map(c -> c.getLabels().get("berth.revision"))
                .collect(Collectors.toSet());
    }

    /** The stack's history as another process reads it from berth.state. */
    private StackHistory history() {
        try (KafkaStackHistoryStore store = new KafkaStackHistoryStore(
                new KafkaStateStore(kafka.settings(), "rollback-it-reader-" + UUID.randomUUID()), CODEC)) {
            store.refresh();
            return store.history(stack);
        }
    }

    private static long count(List<KafkaFixture.Record> chain, String type) {
        return chain.stream().filter(r -> r.ceType().contains(type)).count();
    }

    @Test
    void aRevisionWhoseHealthFailsIsRolledBackQuarantinedAndRetried() throws Exception {
        int port = Stacks.freePort();
        StackChanged good = changeOf(Stacks.webServer(port, "one", Stacks.HEALTHY));
        assertThat(outcome(publish(good)).ceType()).contains("succeeded");
        assertThat(get(port)).isEqualTo("GREETING=one");

        StackChanged bad = changeOf(Stacks.webServer(port, "two", UNHEALTHY));
        Envelope badChain = publish(bad);
        KafkaFixture.Record failed = outcome(badChain);
        assertThat(failed.ceType()).contains("deployment.failed");
        JsonNode content = json(failed).at("/subject/content");
        assertThat(content.get("rolledBackTo").asText()).isEqualTo(good.commit().sha());
        assertThat(content.get("reason").asText())
                .contains("unhealthy")
                .contains("the stack was rolled back to " + good.commit().shortSha());
        assertThat(content.get("service").asText()).isEqualTo("web");
        List<KafkaFixture.Record> chain = chainOf(badChain);
        assertThat(count(chain, "deployment.failed") + count(chain, "deployment.succeeded"))
                .isEqualTo(1);
        assertThat(chain)
                .filteredOn(r -> r.ceType().equals("dev.cdevents.service.rolledback.0.3.0"))
                .singleElement()
                .satisfies(r -> assertThat(json(r).at("/customData/commit/sha").asText())
                        .isEqualTo(good.commit().sha()));
        // The old revision serves again on its published port.
        assertThat(get(port)).isEqualTo("GREETING=one");
        assertThat(revisions()).containsExactly(good.commit().sha());
        StackHistory history = history();
        assertThat(history.quarantined()).isEqualTo(bad.commit().sha());
        assertThat(history.lastGood()).isEqualTo(good.commit().sha());
        assertThat(history.revisions())
                .extracting(StackHistory.Revision::revision, StackHistory.Revision::status)
                .containsExactly(
                        tuple(bad.commit().sha(), StackHistory.Status.QUARANTINED),
                        tuple(good.commit().sha(), StackHistory.Status.GOOD));

        // The same commit again (a re-published change): an empty plan, nothing happens.
        Envelope again = publish(bad);
        String container = docker.containers(stack.key()).get(0).getId();
        await().during(Duration.ofSeconds(4))
                .atMost(Duration.ofSeconds(6))
                .until(() -> chainOf(again).isEmpty()
                        && docker.containers(stack.key()).stream()
                                .map(Container::getId)
                                .toList()
                                .equals(List.of(container)));

        // A retry clears the quarantine and applies it again (it fails again, and goes back again).
        Envelope retry = publish(new StackRetryRequested(stack, command("berth retry"), "ops"));
        KafkaFixture.Record retried = outcome(retry);
        assertThat(chainOf(retry).get(0).ceType()).contains("deployment.started");
        assertThat(json(chainOf(retry).get(0)).at("/subject/content/commit/sha").asText())
                .isEqualTo(bad.commit().sha());
        assertThat(retried.ceType()).contains("deployment.failed");
        assertThat(get(port)).isEqualTo("GREETING=one");
        assertThat(history().quarantined()).isEqualTo(bad.commit().sha());
    }

    @Test
    void aThreeServiceStackWhoseSecondGateFailsComesBackEntirely() throws Exception {
        StackChanged first = changeOf(threeServices("one", "true"));
        assertThat(outcome(publish(first)).ceType()).contains("succeeded");
        assertThat(docker.containers(stack.key())).hasSize(3);

        StackChanged second = changeOf(threeServices("two", UNHEALTHY));
        Envelope chain = publish(second);
        KafkaFixture.Record failed = outcome(chain);
        assertThat(failed.ceType()).contains("deployment.failed");
        assertThat(json(failed).at("/subject/content/service").asText()).isEqualTo("b");
        assertThat(json(failed).at("/subject/content/rolledBackTo").asText())
                .isEqualTo(first.commit().sha());
        // a was upgraded then restored, b put back, c never started: the whole stack is on the first revision.
        assertThat(chainOf(chain))
                .filteredOn(r -> r.ceType().contains("service.rolledback"))
                .extracting(r -> json(r).at("/customData/service").asText())
                .containsExactly("b", "a");
        List<Container> containers = docker.containers(stack.key());
        assertThat(containers).hasSize(3);
        assertThat(revisions()).containsExactly(first.commit().sha());
        for (Container c : containers) {
            assertThat(docker.inspect(c.getId()).getConfig().getEnv()).contains("VERSION=one");
            assertThat(docker.inspect(c.getId()).getState().getRunning()).isTrue();
        }
    }

    @Test
    void rollbackToAnOlderGoodRevisionAndToOneThatNeverExisted() throws Exception {
        int port = Stacks.freePort();
        StackChanged one = changeOf(Stacks.webServer(port, "one", Stacks.HEALTHY));
        assertThat(outcome(publish(one)).ceType()).contains("succeeded");
        StackChanged two = changeOf(Stacks.webServer(port, "two", Stacks.HEALTHY));
        assertThat(outcome(publish(two)).ceType()).contains("succeeded");
        StackChanged three = changeOf(Stacks.webServer(port, "three", Stacks.HEALTHY));
        assertThat(outcome(publish(three)).ceType()).contains("succeeded");
        assertThat(get(port)).isEqualTo("GREETING=three");

        // A revision that never existed: one failed event, nothing touched.
        String before = docker.containers(stack.key()).get(0).getId();
        Envelope unknown = publish(new StackRollbackRequested(stack, command("berth rollback"), "deadbeef", "ops"));
        KafkaFixture.Record refused = outcome(unknown);
        assertThat(refused.ceType()).contains("deployment.failed");
        assertThat(json(refused).at("/subject/content/reason").asText())
                .contains("no revision \"deadbeef\"")
                .contains("nothing was changed");
        assertThat(chainOf(unknown)).hasSize(1);
        assertThat(docker.containers(stack.key())).extracting(Container::getId).containsExactly(before);

        // Back to the first, by a prefix of its sha.
        Envelope rollback = publish(new StackRollbackRequested(
                stack, command("berth rollback"), one.commit().sha().substring(0, 10), "ops"));
        KafkaFixture.Record done = outcome(rollback);
        assertThat(done.ceType()).contains("succeeded");
        assertThat(get(port)).isEqualTo("GREETING=one");
        assertThat(revisions()).containsExactly(one.commit().sha());
        StackHistory history = history();
        assertThat(history.lastGood()).isEqualTo(one.commit().sha());
        assertThat(history.quarantined()).isEqualTo(three.commit().sha());
        assertThat(history.revisions().get(0).revision()).isEqualTo(one.commit().sha());
        assertThat(history.revisions().get(0).reason()).contains("rollback requested by ops");
        assertThat(history.find(three.commit().sha()))
                .hasValueSatisfying(r -> assertThat(r.status()).isEqualTo(StackHistory.Status.ROLLEDBACK));

        // Without a target: the newest good revision before the current one (two).
        Envelope previous = publish(new StackRollbackRequested(stack, command("berth rollback"), null, "ops"));
        assertThat(outcome(previous).ceType()).contains("succeeded");
        assertThat(get(port)).isEqualTo("GREETING=two");
    }

    @Test
    void aDeployerThatTakesTheStackOverKeepsItsQuarantine() throws Exception {
        StackRef other = new StackRef("tko", "s" + UUID.randomUUID().toString().substring(0, 8));
        USED_STACKS.add(other.key());
        DeployerConfig config = DeployerConfig.defaults()
                .withEnvironment("tko")
                .withHealthTimeout(Duration.ofSeconds(20))
                .withMonitorPeriod(Duration.ofSeconds(1));
        Deployer first = new Deployer(config, kafka.settings(), publisher, CLOCK, new SimpleMeterRegistry());
        Deployer second = null;
        try {
            first.start();
            int port = Stacks.freePort();
            StackChanged good = changeOf(other, Stacks.webServer(port, "one", Stacks.HEALTHY));
            assertThat(outcome(publish(good)).ceType()).contains("succeeded");
            StackChanged bad = changeOf(other, Stacks.webServer(port, "two", UNHEALTHY));
            assertThat(outcome(publish(bad)).ceType()).contains("deployment.failed");
            first.stop();
            assertThat(first.awaitStop(Duration.ofSeconds(30))).isTrue();

            // Another worker of the group takes the stack over: it must know the revision is quarantined.
            second = new Deployer(config, kafka.settings(), publisher, CLOCK, new SimpleMeterRegistry());
            second.start();
            Envelope again = publish(bad);
            Envelope retry = publish(new StackRetryRequested(other, command("berth retry"), "ops"));
            // The retry is handled after the repeated change (same partition): by then that one was skipped.
            assertThat(outcome(retry).ceType()).contains("deployment.failed");
            assertThat(chainOf(again)).isEmpty();
            assertThat(chainOf(retry).get(0).ceType()).contains("deployment.started");
            assertThat(get(port)).isEqualTo("GREETING=one");
        } finally {
            first.stop();
            first.awaitStop(Duration.ofSeconds(30));
            if (second != null) {
                second.stop();
                second.awaitStop(Duration.ofSeconds(30));
            }
            docker.removeStack(other.key());
        }
    }

    /** a ← b ← c (each waits for the previous one healthy); b's health check is {@code bTest}. */
    private static String threeServices(String version, String bTest) {
        return """
                services:
                  a:
                    image: busybox:1.35
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
                    environment: {VERSION: %1$s}
                    healthcheck: {test: ["CMD", "true"], interval: 1s, timeout: 2s, retries: 2}
                  b:
                    image: busybox:1.35
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
                    environment: {VERSION: %1$s}
                    healthcheck: {test: ["CMD", "%2$s"], interval: 1s, timeout: 2s, retries: 2}
                    depends_on: {a: {condition: service_healthy}}
                  c:
                    image: busybox:1.35
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
                    environment: {VERSION: %1$s}
                    healthcheck: {test: ["CMD", "true"], interval: 1s, timeout: 2s, retries: 2}
                    depends_on: {b: {condition: service_healthy}}
                """.formatted(version, bTest);
    }
}
