package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackInvalid;
import dev.berth.common.kafka.CloudEventHeaders;
import dev.berth.common.kafka.ReceivedEvent;
import dev.berth.notifier.internal.Deliverer;
import dev.berth.notifier.internal.FloodControl;
import dev.berth.notifier.internal.HttpSender;
import dev.berth.notifier.internal.Messages;
import dev.berth.notifier.internal.Notices;
import dev.berth.notifier.internal.Redactor;
import dev.berth.notifier.internal.Templates;
import dev.berth.testkit.ProviderServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every channel must do, against a real HTTP server on 127.0.0.1 that behaves like its provider
 * ({@link ProviderServer}): every kind of message is accepted in the provider's documented shape and
 * limits, even with huge texts; 5xx answers are retried, a 429's Retry-After is honoured, a slow
 * answer is never sent twice, a refusal is not retried, an unreachable URL and an open circuit end in
 * the dead letters; a message the ledger has is never sent again; nothing sent holds a secret.
 */
abstract class NotificationChannelContract {
    static final StackRef STACK = new StackRef("prod", "shop");
    static final String CANARY = "canary-7f3a9c1e5b";
    static final Commit COMMIT = new Commit(
            "0123456789abcdef0123456789abcdef01234567",
            "Alice <alice@example.com>",
            "Ship it & <@here> enjoy\n\nbody",
            Instant.parse("2026-11-22T10:00:00Z"));
    static final EventCodec CODEC = new EventCodec();
    static final Notices NOTICES = new Notices(CODEC, "https://git.example.com/acme/config/commit/{sha}");
    static final Messages MESSAGES = new Messages(new Redactor(List.of(CANARY)));

    ProviderServer server;
    final Map<String, Deliverer.State> ledger = new HashMap<>();
    final List<DeadLetter> dead = new ArrayList<>();
    final ExecutorService http = Executors.newFixedThreadPool(2);

    /** Which provider the channel under test talks to. */
    abstract ProviderServer.Provider provider();

    /** The channel's type. */
    abstract ChannelType type();

    /** Provider-specific checks of an accepted request for {@code message}. */
    abstract void checkShape(ProviderServer.Request request, Message message);

    @BeforeEach
    void startServer() {
        server = ProviderServer.start(provider());
        configure(server);
    }

    /** Prepares the server for this channel type (a signing key); nothing by default. */
    void configure(ProviderServer server) {}

    @AfterEach
    void stopServer() {
        server.close();
        http.shutdownNow();
    }

    ChannelConfig config(URI url) {
        return new ChannelConfig("under-test", type(), url);
    }

    NotificationChannel channel() {
        return NotificationChannel.of(config(server.url("/hooks/T0/B0/" + CANARY)));
    }

    Deliverer deliverer(NotificationChannel channel, NotifierConfig config) {
        return new Deliverer(
                channel,
                config,
                new HttpSender(config.requestTimeout(), http),
                new Deliverer.Ledger() {
                    @Override
                    public Deliverer.@Nullable State get(String id) {
                        return ledger.get(id);
                    }

                    @Override
                    public void put(String id, Deliverer.State state) {
                        ledger.put(id, state);
                    }
                },
                dead::add,
                Clock.systemUTC(),
                new CountDownLatch(1),
                new SimpleMeterRegistry());
    }

    static NotifierConfig fast() {
        return NotifierConfig.defaults()
                .withBackoff(Duration.ofMillis(20), Duration.ofSeconds(5))
                .withRequestTimeout(Duration.ofSeconds(2))
                .withMaxAttempts(3);
    }

    Deliverer deliverer() {
        return deliverer(channel(), fast());
    }

    static Envelope envelope(dev.berth.common.event.BerthEvent event) {
        return Envelope.newChain(URI.create("/test"), Clock.systemUTC(), event);
    }

    static Message message(dev.berth.common.event.BerthEvent event) {
        return MESSAGES.render(NOTICES.known(envelope(event)), null);
    }

    static Message succeeded() {
        return message(new DeploymentSucceeded(
                STACK, "d1", COMMIT, List.of("create web", "recreate db"), Duration.ofMillis(2100)));
    }

    static Message failed(String evidence, @Nullable String rolledBackTo) {
        return message(new DeploymentFailed(
                STACK,
                "d2",
                COMMIT,
                "web",
                "service \"web\" is unhealthy",
                evidence,
                Duration.ofSeconds(3),
                rolledBackTo));
    }

    static Message invalid() {
        return message(new StackInvalid(STACK, COMMIT, "stacks/shop/compose.yaml", 12, 5, "unknown key \"imgae\""));
    }

    static Message unknownType() {
        String json = "{\"context\":{\"id\":\"w-1\",\"source\":\"/berth/watcher/prod\","
                + "\"type\":\"dev.cdeventsx.berth-watcher.error.0.1.0\",\"timestamp\":\"2026-11-22T10:00:00Z\"},"
                + "\"subject\":{\"id\":\"prod/shop\",\"content\":{\"error\":\"git fetch failed: repository not found\"}}}";
        ReceivedEvent record = new ReceivedEvent(
                "berth.audit",
                0,
                1,
                STACK.key(),
                Map.of(CloudEventHeaders.TYPE, "dev.cdeventsx.berth-watcher.error.0.1.0"),
                json.getBytes(StandardCharsets.UTF_8));
        return MESSAGES.render(NOTICES.read(record), null);
    }

    static Message storm() {
        FloodControl flood = new FloodControl(Duration.ofMinutes(5), 3);
        Instant t = Instant.parse("2026-11-22T10:00:00Z");
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            StackRef s = new StackRef("prod", "s" + i);
            Message m = MESSAGES.render(
                    NOTICES.known(new Envelope(
                            "e" + i,
                            URI.create("/t"),
                            t.plusSeconds(i),
                            "e" + i,
                            new DeploymentFailed(s, "d", COMMIT, null, "down", "", Duration.ofSeconds(1)))),
                    null);
            out.addAll(flood.offer(m));
        }
        out.addAll(flood.tick(t.plus(Duration.ofMinutes(6))));
        return out.get(out.size() - 1);
    }

    @Test
    void everyKindOfMessageIsAcceptedInTheProvidersShape() throws Exception {
        Deliverer deliverer = deliverer();
        List<Message> messages = List.of(
                succeeded(),
                failed("exit 1\nlast health check: connection refused", null),
                failed("exit 1", "fedcba9876543210"),
                invalid(),
                unknownType(),
                storm());
        for (Message m : messages) {
            assertThat(deliverer.deliver(m)).as(m.title()).isEqualTo(Deliverer.Outcome.DELIVERED);
        }
        List<ProviderServer.Request> accepted = server.accepted();
        assertThat(server.requests()).allSatisfy(r -> assertThat(r.problem()).isEmpty());
        assertThat(accepted).hasSize(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            checkShape(accepted.get(i), messages.get(i));
        }
        assertThat(accepted.get(0).body()).contains("prod/shop");
        assertThat(dead).isEmpty();
    }

    @Test
    void hugeTextsAreCutToTheProvidersLimits() throws Exception {
        String evidence = IntStream.range(0, 4000)
                .mapToObj(i -> "line " + i + " ``` 🚀 ünïcödé <b>")
                .reduce("", (a, b) -> a + b + "\n");
        Message m = failed(evidence, null);
        assertThat(deliverer().deliver(m)).isEqualTo(Deliverer.Outcome.DELIVERED);
        ProviderServer.Request r = server.requests().get(0);
        assertThat(r.problem()).isEmpty();
        assertThat(r.status() / 100).isEqualTo(2);
        if (type() != ChannelType.WEBHOOK) {
            assertThat(r.body()).contains("(truncated)");
        }
    }

    @Test
    void retriesServerErrorsThenDeliversOnce() throws Exception {
        server.failNext(2, 500);
        Message m = succeeded();
        assertThat(deliverer().deliver(m)).isEqualTo(Deliverer.Outcome.DELIVERED);
        assertThat(server.requests()).extracting(ProviderServer.Request::status).containsExactly(500, 500, ok());
        assertThat(ledger).containsEntry(m.id(), Deliverer.State.DELIVERED);
    }

    int ok() {
        return provider() == ProviderServer.Provider.DISCORD ? 204 : 200;
    }

    @Test
    void honoursRetryAfterOn429() throws Exception {
        server.failNext(1, 429);
        server.retryAfterSeconds(1);
        long begin = System.nanoTime();
        assertThat(deliverer().deliver(succeeded())).isEqualTo(Deliverer.Outcome.DELIVERED);
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        assertThat(server.requests()).extracting(ProviderServer.Request::status).containsExactly(429, ok());
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void aSlowAnswerIsNeverSentTwice() throws Exception {
        server.delayNext(1, Duration.ofMillis(1500));
        NotifierConfig config = fast().withRequestTimeout(Duration.ofMillis(500));
        Message m = succeeded();
        assertThat(deliverer(channel(), config).deliver(m)).isEqualTo(Deliverer.Outcome.DEAD);
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.reason()).contains("no answer within 500 ms").contains("may have arrived");
            assertThat(d.message()).isEqualTo(m);
        });
        // The provider got it once (late); nothing more is sent, even after a restart.
        org.awaitility.Awaitility.await().until(() -> server.requests().size() == 1);
        assertThat(deliverer(channel(), config).deliver(m)).isEqualTo(Deliverer.Outcome.SKIPPED);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void aRefusalIsNotRetried() throws Exception {
        server.failNext(1, 404);
        assertThat(deliverer().deliver(succeeded())).isEqualTo(Deliverer.Outcome.DEAD);
        assertThat(server.requests()).hasSize(1);
        assertThat(dead).singleElement().satisfies(d -> assertThat(d.reason()).contains("HTTP 404"));
    }

    @Test
    void givesUpAfterTheLastAttemptIntoTheDeadLetters() throws Exception {
        server.failNext(5, 503);
        assertThat(deliverer().deliver(succeeded())).isEqualTo(Deliverer.Outcome.DEAD);
        assertThat(server.requests()).hasSize(3);
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.reason()).contains("HTTP 503 after 3 attempts");
            assertThat(d.attempts()).isEqualTo(3);
            assertThat(d.channel()).isEqualTo("under-test");
        });
        // A replay sends it again.
        Deliverer again = deliverer();
        assertThat(again.deliver(dead.get(0).message())).isEqualTo(Deliverer.Outcome.SKIPPED);
        assertThat(again.replay(dead.get(0).message())).isEqualTo(Deliverer.Outcome.DELIVERED);
    }

    @Test
    void anUnreachableUrlEndsInTheDeadLettersQuickly() throws Exception {
        NotificationChannel channel = NotificationChannel.of(config(URI.create("http://127.0.0.1:1/hook")));
        long begin = System.nanoTime();
        assertThat(deliverer(channel, fast()).deliver(succeeded())).isEqualTo(Deliverer.Outcome.DEAD);
        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(5));
        assertThat(dead).singleElement().satisfies(d -> assertThat(d.attempts()).isEqualTo(3));
    }

    @Test
    void anOpenCircuitSendsNothing() throws Exception {
        server.failNext(100, 500);
        Deliverer deliverer = deliverer(channel(), fast().withCircuitBreaker(3, Duration.ofMinutes(1)));
        assertThat(deliverer.deliver(succeeded())).isEqualTo(Deliverer.Outcome.DEAD);
        assertThat(server.requests()).hasSize(3);
        assertThat(deliverer.deliver(invalid())).isEqualTo(Deliverer.Outcome.DEAD);
        assertThat(server.requests()).hasSize(3);
        assertThat(dead.get(1).reason()).contains("circuit open");
    }

    @Test
    void whatTheLedgerHasIsNotSentAgain() throws Exception {
        Message delivered = succeeded();
        Message interrupted = invalid();
        ledger.put(delivered.id(), Deliverer.State.DELIVERED);
        ledger.put(interrupted.id(), Deliverer.State.SENDING);
        Deliverer deliverer = deliverer();
        assertThat(deliverer.deliver(delivered)).isEqualTo(Deliverer.Outcome.SKIPPED);
        assertThat(deliverer.deliver(interrupted)).isEqualTo(Deliverer.Outcome.DEAD);
        assertThat(server.requests()).isEmpty();
        assertThat(dead).singleElement().satisfies(d -> assertThat(d.reason()).contains("may have arrived"));
    }

    @Test
    void nothingSentHoldsASecret() throws Exception {
        Message m = failed("DB_PASSWORD=" + CANARY + " rejected", null);
        assertThat(m.toString()).doesNotContain(CANARY);
        assertThat(deliverer().deliver(m)).isEqualTo(Deliverer.Outcome.DELIVERED);
        assertThat(server.requests()).allSatisfy(r -> {
            assertThat(r.body()).doesNotContain(CANARY).contains("***");
            r.headers().values().forEach(v -> assertThat(v).doesNotContain(CANARY));
        });
        assertThat(channel().config().toString()).doesNotContain(CANARY);
    }

    @Test
    void aRouteTemplateRendersTheText() throws Exception {
        Message m = MESSAGES.render(
                NOTICES.known(envelope(new DeploymentSucceeded(STACK, "d1", COMMIT, List.of("a", "b"), Duration.ZERO))),
                Templates.compile("t", "Custom {{stack}} by {{author}}: {{#changes}}[{{.}}]{{/changes}}"));
        assertThat(m.text()).isEqualTo("Custom prod/shop by Alice <alice@example.com>: [a][b]");
        assertThat(deliverer().deliver(m)).isEqualTo(Deliverer.Outcome.DELIVERED);
        assertThat(server.requests().get(0).body()).contains("Custom prod/shop");
    }
}
