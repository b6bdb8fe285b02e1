package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentStarted;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.ServiceDeployed;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackInvalid;
import dev.berth.common.event.StackRollbackRequested;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.kafka.Topics;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.ProviderServer;
import dev.berth.testkit.SharedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The notifier on a real broker, delivering to provider-like servers on 127.0.0.1. */
@ExtendWith(SharedKafka.class)
class NotifierIT {
    private static final EventCodec CODEC = new EventCodec();
    private static final Clock CLOCK = Clock.systemUTC();
    private static final String CANARY = "canary-secret-4d2c8e";
    private static final String KEY = "signing-key-0123456789";
    private static KafkaFixture kafka;
    private static KafkaEventPublisher publisher;

    private final String env = "it" + UUID.randomUUID().toString().substring(0, 8);
    private final Commit commit = new Commit(
            "89abcdef0123456789abcdef0123456789abcdef", "Dana", "Add shop", Instant.parse("2026-11-22T10:00:00Z"));
    private final List<ProviderServer> servers = new ArrayList<>();
    private final List<Notifier> notifiers = new ArrayList<>();
    private SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void startKafka(KafkaFixture broker) throws InterruptedException {
        kafka = broker;
        new TopicAdmin(kafka.settings(), CLOCK).awaitBrokerAndCreateTopics(line -> {});
        publisher = new KafkaEventPublisher(kafka.settings(), "notifier-it", CODEC);
    }

    @AfterAll
    static void stopKafka() {
        publisher.close();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Notifier n : notifiers) {
            n.stop();
            assertThat(n.awaitStop(Duration.ofSeconds(30))).isTrue();
        }
        servers.forEach(ProviderServer::close);
    }

    private ProviderServer server(ProviderServer.Provider provider) {
        ProviderServer s = ProviderServer.start(provider);
        servers.add(s);
        return s;
    }

    private Notifier start(NotifierConfig config) {
        registry = new SimpleMeterRegistry();
        Notifier n = new Notifier(config, kafka.settings(), CODEC, CLOCK, registry, Set.of(CANARY));
        notifiers.add(n);
        n.start();
        await().atMost(Duration.ofSeconds(60)).until(n::isReady);
        return n;
    }

    private NotifierConfig base() {
        return NotifierConfig.defaults()
                .withGroupId("notifier-it-" + env)
                .withBackoff(Duration.ofMillis(20), Duration.ofSeconds(2))
                .withRequestTimeout(Duration.ofSeconds(3))
                .withMaxAttempts(3);
    }

    private RouteConfig route(String name, Set<EventKind> events, Severity min, String... channels) {
        return new RouteConfig(name, Set.of(env), events, min, List.of(channels), null);
    }

    private StackRef stack(String name) {
        return new StackRef(env, name);
    }

    private Envelope publish(BerthEvent event) {
        Envelope e = Envelope.newChain(URI.create("/test"), CLOCK, event);
        publisher.publish(e);
        return e;
    }

    /** A record of a type this Berth does not know, as a newer Berth might write. */
    private void publishRaw(StackRef stack, String ceType, String contentJson) throws Exception {
        String id = UUID.randomUUID().toString();
        String value = "{\"context\":{\"id\":\"" + id + "\",\"source\":\"/berth/watcher\",\"type\":\"" + ceType
                + "\",\"timestamp\":\"" + CLOCK.instant() + "\"},\"subject\":{\"id\":\"" + stack.key()
                + "\",\"content\":" + contentJson + "}}";
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                kafka.settings().clientProperties("notifier-it-raw", Map.of()),
                new StringSerializer(),
                new StringSerializer())) {
            ProducerRecord<String, String> record = new ProducerRecord<>(Topics.DEPLOYMENTS, stack.key(), value);
            record.headers()
                    .add("ce_id", id.getBytes(StandardCharsets.UTF_8))
                    .add("ce_type", ceType.getBytes(StandardCharsets.UTF_8));
            producer.send(record).get();
        }
    }

    private List<KafkaFixture.Record> audit() {
        return kafka.readAll(Topics.AUDIT).stream()
                .filter(r -> r.key() != null && r.key().startsWith(env + "/"))
                .toList();
    }

    @Test
    void auditsEveryEventAndRoutesByKindSeverityAndEnvironment() throws Exception {
        ProviderServer slack = server(ProviderServer.Provider.SLACK);
        ProviderServer teams = server(ProviderServer.Provider.TEAMS);
        ProviderServer hook = server(ProviderServer.Provider.WEBHOOK);
        hook.requireSignature(KEY);
        List<ChannelConfig> channels = List.of(
                new ChannelConfig("ops-slack", ChannelType.SLACK, slack.url("/services/T0/B0/tok")),
                new ChannelConfig("ops-teams", ChannelType.TEAMS, teams.url("/workflows/x")),
                new ChannelConfig("machines", ChannelType.WEBHOOK, hook.url("/hook"), KEY, Map.of()),
                // Unreachable: its failures must hold up nobody.
                new ChannelConfig("dead", ChannelType.DISCORD, URI.create("http://127.0.0.1:1/api/webhooks/1/x")));
        List<RouteConfig> routes = List.of(
                route(
                        "failures",
                        Set.of(EventKind.FAILED, EventKind.INVALID, EventKind.WATCHER_ERROR),
                        Severity.INFO,
                        "ops-slack",
                        "dead"),
                route("errors-only", Set.of(), Severity.ERROR, "ops-teams"),
                route(
                        "machines",
                        Set.of(
                                EventKind.CHANGED,
                                EventKind.STARTED,
                                EventKind.SERVICE,
                                EventKind.SUCCEEDED,
                                EventKind.FAILED,
                                EventKind.INVALID,
                                EventKind.WATCHER_ERROR,
                                EventKind.COMMAND),
                        Severity.INFO,
                        "machines"),
                // Another environment's route: none of this test's events match it.
                new RouteConfig(
                        "elsewhere", Set.of("prod-" + env), Set.of(), Severity.INFO, List.of("ops-slack"), null));
        start(base().withChannelsAndRoutes(channels, routes));

        publish(new StackChanged(stack("a"), commit, "stacks/a/compose.yaml", "services: {}", List.of("stacks/a")));
        publish(new DeploymentStarted(stack("a"), "d1", commit, List.of("create web")));
        publish(new ServiceDeployed(stack("a"), "d1", commit, "web", "busybox:1.35", "c1"));
        publish(new DeploymentSucceeded(stack("a"), "d1", commit, List.of("create web"), Duration.ofSeconds(2)));
        publish(new DeploymentFailed(
                stack("b"),
                "d2",
                commit,
                "web",
                "service \"web\" is unhealthy",
                "PASSWORD=" + CANARY + " refused",
                Duration.ofSeconds(3)));
        publish(new StackInvalid(stack("c"), commit, "stacks/c/compose.yaml", 3, 5, "unknown key \"imgae\""));
        publishRaw(
                stack("d"),
                "dev.cdeventsx.berth-watcher.error.0.1.0",
                "{\"error\":\"git fetch failed: authentication required\"}");
        publishRaw(stack("e"), "dev.cdeventsx.berth-stack.frobnicated.0.1.0", "{\"from\":\"the future\"}");
        publish(new StackRollbackRequested(stack("a"), commit, null, "erin"));

        // The audit trail holds all nine, with their actors, in spite of the dead channel. It reads
        // berth.changes and berth.deployments: records of one stack keep their order within a topic,
        // not across the two (the rollback request, on berth.changes, may come before the deployment's).
        await().atMost(Duration.ofSeconds(30)).until(() -> audit().size() == 9);
        List<KafkaFixture.Record> audit = audit();
        assertThat(audit)
                .filteredOn(r -> r.key().equals(env + "/a"))
                .extracting(r -> r.headers().get(Notifier.ACTOR_HEADER))
                .containsExactlyInAnyOrder("Dana", "Dana", "Dana", "Dana", "erin");
        assertThat(audit)
                .extracting(r -> r.headers().get("berth_kind"))
                .contains(
                        "changed",
                        "started",
                        "service",
                        "succeeded",
                        "failed",
                        "invalid",
                        "watcher-error",
                        "other",
                        "command");

        // Chat: one incident per failing stack, each a Block Kit message (stacks are not ordered among themselves).
        await().atMost(Duration.ofSeconds(30)).until(() -> slack.accepted().size() == 3);
        assertThat(slack.accepted())
                .extracting(r -> r.json().path("text").asText())
                .containsExactlyInAnyOrder(
                        "🔥 Incident: " + env + "/b failed at 89abcde",
                        "🔥 Incident: " + env + "/c is invalid at 89abcde: nothing deployed",
                        "🔥 Incident: " + env + "/d: watcher.error");
        await().atMost(Duration.ofSeconds(30)).until(() -> teams.accepted().size() == 3);
        // Machines: every routed event once, in order per stack within each topic (the audit keeps a
        // topic's order, not the order across berth.changes and berth.deployments); the unrouted type
        // was audited only.
        await().atMost(Duration.ofSeconds(30)).until(() -> hook.accepted().size() == 8);
        List<String> typesOfA = hook.accepted().stream()
                .filter(r -> r.json().path("subject").asText().equals(env + "/a"))
                .map(r -> r.json().path("type").asText())
                .toList();
        assertThat(typesOfA)
                .containsExactlyInAnyOrder(
                        "dev.cdeventsx.berth-stack.changed.0.1.0",
                        "dev.cdeventsx.berth-deployment.started.0.1.0",
                        "dev.cdevents.service.deployed.0.3.0",
                        "dev.cdeventsx.berth-deployment.succeeded.0.1.0",
                        "dev.cdeventsx.berth-stack.rollback-requested.0.1.0")
                .containsSubsequence(
                        "dev.cdeventsx.berth-stack.changed.0.1.0", "dev.cdeventsx.berth-stack.rollback-requested.0.1.0")
                .containsSubsequence(
                        "dev.cdeventsx.berth-deployment.started.0.1.0",
                        "dev.cdevents.service.deployed.0.3.0",
                        "dev.cdeventsx.berth-deployment.succeeded.0.1.0");
        assertThat(hook.requests()).noneMatch(r -> r.body().contains("frobnicated"));
        assertThat(hook.requests()).allSatisfy(r -> assertThat(r.problem()).isEmpty());
        // The dead channel ends in the dead letters, three of them.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> kafka.readAll(Topics.NOTIFICATIONS_DLQ).stream()
                                .filter(r -> r.valueText().contains(env))
                                .count()
                        == 3);
        // Nothing sent anywhere holds the canary.
        for (ProviderServer s : servers) {
            assertThat(s.requests()).allSatisfy(r -> assertThat(r.body()).doesNotContain(CANARY));
        }
        assertThat(kafka.readAll(Topics.NOTIFICATIONS_DLQ))
                .allSatisfy(r -> assertThat(r.valueText()).doesNotContain(CANARY));

        // berth audit reads it back.
        List<AuditTrail.Entry> entries = new AuditTrail(kafka.settings(), CODEC).read(stack("b"), null);
        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo("failed");
            assertThat(e.actor()).isEqualTo("Dana");
            assertThat(e.evidence()).contains("refused");
        });
    }

    @Test
    void deliversAtMostOnceAcrossRestartsAndReplaysDeadLetters() throws Exception {
        ProviderServer hook = server(ProviderServer.Provider.WEBHOOK);
        NotifierConfig config = base().withChannelsAndRoutes(
                        List.of(new ChannelConfig("hook", ChannelType.WEBHOOK, hook.url("/hook"))),
                        List.of(route("all", Set.of(), Severity.INFO, "hook")));
        Notifier first = start(config);
        hook.failNext(3, 503); // the first event runs out of its three attempts
        publish(new DeploymentSucceeded(stack("a"), "d1", commit, List.of(), Duration.ofSeconds(1)));
        publish(new DeploymentSucceeded(stack("a"), "d2", commit, List.of(), Duration.ofSeconds(1)));
        await().atMost(Duration.ofSeconds(30)).until(() -> hook.accepted().size() == 1);
        first.stop();
        assertThat(first.awaitStop(Duration.ofSeconds(30))).isTrue();

        // Another group reads the same records again (its audit loop even appends them a second
        // time, with the same ids): the ledger says they were done.
        Notifier second = start(config.withGroupId("notifier-it-other-" + env));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> registry.get("berth.notifications.skipped")
                                .tag("channel", "hook")
                                .counter()
                                .count()
                        >= 2);
        assertThat(hook.requests()).hasSize(4);

        // The dead letter is replayed once, then there is nothing left to replay.
        NotificationReplay replay = new NotificationReplay(kafka.settings(), CODEC);
        List<NotificationReplay.Pending> pending = replay.pending("hook").stream()
                .filter(p -> p.letter().message().stack().startsWith(env))
                .toList();
        assertThat(pending)
                .singleElement()
                .satisfies(p -> assertThat(p.letter().reason()).contains("HTTP 503"));
        replay.replay("hook");
        await().atMost(Duration.ofSeconds(30)).until(() -> hook.accepted().size() == 2);
        assertThat(hook.accepted())
                .extracting(r -> r.json()
                        .path("data")
                        .path("subject")
                        .path("content")
                        .path("deploymentId")
                        .asText())
                .containsExactly("d2", "d1");
        assertThat(replay.pending("hook"))
                .noneMatch(p -> p.letter().message().stack().startsWith(env));
        second.stop();
        assertThat(second.awaitStop(Duration.ofSeconds(30))).isTrue();
    }
}
