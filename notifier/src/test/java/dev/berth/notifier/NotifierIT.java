package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentStarted;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.ServiceDeployed;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackInvalid;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.kafka.Topics;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.WebhookReceiver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The notifier on a real broker, delivering to a real HTTP receiver on 127.0.0.1. */
class NotifierIT {
    private static KafkaFixture kafka;
    private static KafkaEventPublisher publisher;
    private static final EventCodec CODEC = new EventCodec();
    private static final Clock CLOCK = Clock.systemUTC();
    private static final URI DEAD = URI.create("http://127.0.0.1:1/dead");

    private final StackRef stack =
            new StackRef("it", "n" + UUID.randomUUID().toString().substring(0, 8));
    private final Commit commit = new Commit(
            "89abcdef0123456789abcdef0123456789abcdef", "Dana", "Add shop", Instant.parse("2026-11-22T10:00:00Z"));
    private WebhookReceiver receiver;
    private Notifier notifier;
    private SimpleMeterRegistry registry;

    @BeforeAll
    static void startKafka() throws InterruptedException {
        kafka = KafkaFixture.start();
        new TopicAdmin(kafka.settings(), CLOCK).awaitBrokerAndCreateTopics(line -> {});
        publisher = new KafkaEventPublisher(kafka.settings(), "notifier-it", CODEC);
    }

    @AfterAll
    static void stopKafka() {
        publisher.close();
        kafka.close();
    }

    @BeforeEach
    void setUp() {
        receiver = WebhookReceiver.start();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        stopNotifier();
        receiver.close();
    }

    private void startNotifier(String group) {
        startNotifier(NotifierConfig.defaults()
                // A dead channel first: its failures must not hold up the others or the audit.
                .withWebhooks(List.of(DEAD, receiver.url("/hook")))
                .withSlackWebhooks(List.of(receiver.url("/slack")))
                .withGroupId(group));
    }

    private void startNotifier(NotifierConfig config) {
        registry = new SimpleMeterRegistry();
        notifier = new Notifier(config, kafka.settings(), CODEC, CLOCK, registry);
        notifier.start();
    }

    private void stopNotifier() throws InterruptedException {
        if (notifier != null) {
            notifier.stop();
            assertThat(notifier.awaitStop(Duration.ofSeconds(30))).isTrue();
            notifier = null;
        }
    }

    private List<KafkaFixture.Record> audit() {
        return kafka.readAll(Topics.AUDIT).stream()
                .filter(r -> stack.key().equals(r.key()))
                .toList();
    }

    private List<String> hookTypes() {
        return receiver.requests("/hook").stream()
                .filter(r -> r.status() == 200)
                .map(r -> r.headers().get("ce-type"))
                .toList();
    }

    @Test
    void auditsEveryEventAndDeliversToEachChannelInOrder() throws Exception {
        String group = "notifier-it-" + stack.name();
        Envelope change = Envelope.newChain(
                URI.create("/test"),
                CLOCK,
                new StackChanged(stack, commit, "stacks/x/compose.yaml", "services: {}", List.of()));
        publisher.publish(change);
        publisher.publish(change.follow(
                URI.create("/test"), CLOCK, new DeploymentStarted(stack, "d1", commit, List.of("create web"))));
        publisher.publish(change.follow(
                URI.create("/test"), CLOCK, new ServiceDeployed(stack, "d1", commit, "web", "busybox:1.35", "c1")));
        publisher.publish(change.follow(
                URI.create("/test"),
                CLOCK,
                new DeploymentSucceeded(stack, "d1", commit, List.of("create web"), Duration.ofSeconds(2))));
        publisher.publish(Envelope.newChain(
                URI.create("/test"),
                CLOCK,
                new StackInvalid(stack, commit, "stacks/x/compose.yaml", 3, 5, "not valid YAML")));
        publisher.publish(Envelope.newChain(
                URI.create("/test"),
                CLOCK,
                new DeploymentFailed(stack, "d2", commit, "web", "unhealthy", "exit 1", Duration.ofSeconds(9))));
        publishUnknownType();
        // The first delivery attempt meets two server errors: it is retried, not lost.
        receiver.failNext(2, 500);
        startNotifier(group);

        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        hookTypes().size() == 5 && receiver.requests("/slack").size() == 3);
        assertThat(hookTypes())
                .containsExactly(
                        "dev.cdeventsx.berth-deployment.started.0.1.0",
                        "dev.cdevents.service.deployed.0.3.0",
                        "dev.cdeventsx.berth-deployment.succeeded.0.1.0",
                        "dev.cdeventsx.berth-stack.invalid.0.1.0",
                        "dev.cdeventsx.berth-deployment.failed.0.1.0");
        assertThat(receiver.requests("/slack"))
                .extracting(WebhookReceiver.Request::body)
                .satisfiesExactly(
                        b -> assertThat(b).contains("deployed @89abcde"),
                        b -> assertThat(b).contains("is invalid").contains("stacks/x/compose.yaml:3:5"),
                        b -> assertThat(b).contains("failed @89abcde").contains("unhealthy"));

        List<WebhookReceiver.Request> answered = receiver.requests("/hook").stream()
                .filter(r -> r.status() == 200)
                .toList();
        assertThat(answered.get(1).body()).satisfies(body -> {
            JsonNode event = CODEC.json().readTree(body);
            assertThat(event.get("specversion").asText()).isEqualTo("1.0");
            assertThat(event.get("subject").asText()).isEqualTo(stack.key());
            assertThat(event.at("/data/context/type").asText()).isEqualTo("dev.cdevents.service.deployed.0.3.0");
            assertThat(event.at("/data/subject/content/environment/id").asText())
                    .isEqualTo("it");
        });
        assertThat(receiver.requests("/hook"))
                .allSatisfy(r -> assertThat(r.headers().get("content-type")).isEqualTo("application/cloudevents+json"));
        assertThat(receiver.requests())
                .noneMatch(r -> r.headers().get("ce-type") != null
                        && r.headers().get("ce-type").contains("frobnicated"));

        await().atMost(Duration.ofSeconds(30)).until(() -> audit().size() == 7);
        List<KafkaFixture.Record> known = audit().stream()
                .filter(r -> !r.ceType().contains("frobnicated"))
                .toList();
        assertThat(known)
                .hasSize(6)
                .allSatisfy(r -> assertThat(r.headers())
                        .containsKeys("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject")
                        .containsEntry(Notifier.ACTOR_HEADER, "Dana"));
        assertThat(known).extracting(KafkaFixture.Record::ceType).contains("dev.cdeventsx.berth-stack.changed.0.1.0");
        // Not decodable: audited unchanged, without an actor, sent nowhere.
        KafkaFixture.Record unknown = audit().stream()
                .filter(r -> r.ceType().contains("frobnicated"))
                .findFirst()
                .orElseThrow();
        assertThat(unknown.valueText()).isEqualTo("{\"from\":\"the future\"}");
        assertThat(unknown.headers()).doesNotContainKey(Notifier.ACTOR_HEADER);

        assertThat(registry.get("berth.audit.appended").counter().count()).isEqualTo(7);
        assertThat(count("berth.notifications.failed", "webhook http://127.0.0.1:1/dead"))
                .isEqualTo(5);
        assertThat(count("berth.notifications.delivered", "webhook " + receiver.url("/hook")))
                .isEqualTo(5);
        assertThat(count(
                        "berth.notifications.delivered",
                        "slack http://127.0.0.1:" + receiver.url("/").getPort() + "/…"))
                .isEqualTo(3);

        // A restart in the same group resumes after what it committed: nothing is audited or sent twice.
        stopNotifier();
        int delivered = receiver.requests().size();
        startNotifier(group);
        publisher.publish(Envelope.newChain(
                URI.create("/test"),
                CLOCK,
                new DeploymentSucceeded(stack, "d3", commit, List.of("replace web"), Duration.ofSeconds(1))));
        await().atMost(Duration.ofSeconds(60)).until(() -> audit().size() == 8);
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().size() == delivered + 2);
        assertThat(audit()).extracting(r -> r.headers().get("ce_id")).doesNotHaveDuplicates();
    }

    @Test
    void aStopDuringRetriesIsPromptAndLeavesTheEventForTheNextNotifier() throws Exception {
        String group = "notifier-it-stop-" + stack.name();
        receiver.failNext(1_000, 503);
        NotifierConfig config = NotifierConfig.defaults()
                .withWebhooks(List.of(receiver.url("/hook")))
                .withGroupId(group)
                .withMaxAttempts(10); // about 1 min of backoff, were it not cut short
        startNotifier(config);
        Envelope failed = Envelope.newChain(
                URI.create("/test"),
                CLOCK,
                new DeploymentFailed(stack, "d9", commit, "web", "unhealthy", "", Duration.ofSeconds(1)));
        publisher.publish(failed);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> receiver.requests("/hook").size() >= 2);

        notifier.stop();
        assertThat(notifier.awaitStop(Duration.ofSeconds(15))).isTrue();
        notifier = null;
        // The new group reads from the beginning: the event in flight may be another test's.
        List<WebhookReceiver.Request> refused = receiver.requests("/hook");
        String inFlight = refused.get(refused.size() - 1).headers().get("ce-id");

        try (WebhookReceiver healthy = WebhookReceiver.start()) {
            startNotifier(config.withWebhooks(List.of(healthy.url("/hook"))));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> healthy.requests("/hook").stream()
                            .anyMatch(r -> failed.id().equals(r.headers().get("ce-id"))));
            assertThat(healthy.requests("/hook"))
                    .filteredOn(r -> inFlight.equals(r.headers().get("ce-id")))
                    .hasSize(1);
            stopNotifier();
        }
        // At least once: the event in flight was audited before the stop, and again after.
        assertThat(kafka.readAll(Topics.AUDIT))
                .filteredOn(r -> inFlight.equals(r.headers().get("ce_id")))
                .isNotEmpty();
    }

    private double count(String name, String channel) {
        return registry.get(name).tag("channel", channel).counter().count();
    }

    /** A record of a type this Berth does not know, as a newer Berth might write. */
    private void publishUnknownType() throws Exception {
        Properties props = kafka.settings().clientProperties("notifier-it-raw", Map.of());
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            ProducerRecord<String, String> record =
                    new ProducerRecord<>(Topics.DEPLOYMENTS, stack.key(), "{\"from\":\"the future\"}");
            record.headers()
                    .add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8))
                    .add("ce_id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8))
                    .add("ce_source", "/berth/future".getBytes(StandardCharsets.UTF_8))
                    .add("ce_type", "dev.cdeventsx.berth-stack.frobnicated.0.1.0".getBytes(StandardCharsets.UTF_8))
                    .add("ce_time", CLOCK.instant().toString().getBytes(StandardCharsets.UTF_8))
                    .add("ce_subject", stack.key().getBytes(StandardCharsets.UTF_8));
            producer.send(record).get();
        }
    }
}
