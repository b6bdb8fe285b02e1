package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.kafka.Topics;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.ProviderServer;
import dev.berth.testkit.SharedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * 1,000 events while the receiver fails every third request and the notifier is stopped and
 * restarted five times in the middle of its work: the receiver accepts every event exactly once, in
 * order per stack, and {@code berth.audit} holds all 1,000, each once. Bounded: 1,000 events, six
 * runs, at most 3 minutes in all.
 */
@ExtendWith(SharedKafka.class)
class NotifierFaultIT {
    private static final Logger log = LoggerFactory.getLogger(NotifierFaultIT.class);
    private static final int EVENTS = 1000;
    private static final int STACKS = 20;
    private static final int RESTARTS = 5;

    @Test
    void everyEventOnceInOrderPerStackThroughFailuresAndRestarts(KafkaFixture kafka) throws Exception {
        EventCodec codec = new EventCodec();
        Clock clock = Clock.systemUTC();
        String env = "fault" + UUID.randomUUID().toString().substring(0, 8);
        try (ProviderServer receiver = ProviderServer.start(ProviderServer.Provider.WEBHOOK)) {
            new TopicAdmin(kafka.settings(), clock).awaitBrokerAndCreateTopics(line -> {});
            receiver.failEvery(3);
            NotifierConfig config = NotifierConfig.defaults()
                    .withGroupId("fault-" + env)
                    .withBackoff(Duration.ofMillis(5), Duration.ofMillis(100))
                    .withMaxAttempts(10)
                    .withCircuitBreaker(50, Duration.ofSeconds(1))
                    .withChannelsAndRoutes(
                            List.of(new ChannelConfig("receiver", ChannelType.WEBHOOK, receiver.url("/hook"))),
                            List.of(new RouteConfig(
                                    "all", Set.of(env), Set.of(), Severity.INFO, List.of("receiver"), null)));

            Commit commit = new Commit("0123456789abcdef0123456789abcdef01234567", "Dana", "load", Instant.now());
            Set<String> ids = new HashSet<>();
            try (KafkaEventPublisher publisher = new KafkaEventPublisher(kafka.settings(), "fault-it", codec)) {
                for (int i = 0; i < EVENTS; i++) {
                    StackRef stack = new StackRef(env, "s" + (i % STACKS));
                    Envelope e = Envelope.newChain(
                            URI.create("/fault"),
                            clock,
                            new DeploymentSucceeded(stack, String.valueOf(i), commit, List.of(), Duration.ZERO));
                    publisher.publish(e);
                    ids.add(e.id());
                }
            }

            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            for (int run = 0; run <= RESTARTS; run++) {
                Notifier notifier = new Notifier(config, kafka.settings(), codec, clock, new SimpleMeterRegistry());
                notifier.start();
                int before = receiver.accepted().size();
                int target = run == RESTARTS ? EVENTS : Math.min(EVENTS, before + EVENTS / (RESTARTS + 2));
                Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
                await().atMost(left)
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> receiver.accepted().size() >= target);
                // Stopped in the middle of its work: deliveries, retries and audit batches under way.
                notifier.stop();
                assertThat(notifier.awaitStop(Duration.ofSeconds(30))).isTrue();
                log.info(
                        "fault run {}: {} accepted, {} requests",
                        run,
                        receiver.accepted().size(),
                        receiver.requests().size());
            }

            List<JsonNode> accepted = receiver.accepted().stream()
                    .map(ProviderServer.Request::json)
                    .toList();
            Map<String, Long> perId = accepted.stream()
                    .collect(Collectors.groupingBy(
                            j -> j.path("id").asText(), LinkedHashMap::new, Collectors.counting()));
            assertThat(perId.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(perId.values()).allMatch(n -> n == 1);
            assertThat(receiver.requests().size()).isGreaterThan(EVENTS); // a third of them failed
            Map<String, List<Integer>> perStack = accepted.stream()
                    .collect(Collectors.groupingBy(
                            j -> j.path("subject").asText(),
                            Collectors.mapping(
                                    j -> Integer.parseInt(j.path("data")
                                            .path("subject")
                                            .path("content")
                                            .path("deploymentId")
                                            .asText()),
                                    Collectors.toList())));
            assertThat(perStack).hasSize(STACKS);
            perStack.values().forEach(seq -> assertThat(seq).isSorted());

            List<KafkaFixture.Record> audit = kafka.readAll(Topics.AUDIT).stream()
                    .filter(r -> r.key().startsWith(env + "/"))
                    .toList();
            Map<String, Long> audited = audit.stream()
                    .collect(Collectors.groupingBy(r -> r.headers().get("ce_id"), Collectors.counting()));
            assertThat(audited.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(audited.values()).allMatch(n -> n == 1);
            assertThat(audit).allMatch(r -> "Dana".equals(r.headers().get(Notifier.ACTOR_HEADER)));
            log.info(
                    "fault test: {} events, {} requests ({} refused), {} runs",
                    EVENTS,
                    receiver.requests().size(),
                    receiver.requests().size() - accepted.size(),
                    RESTARTS + 1);
            assertThat(ids).hasSize(EVENTS);
        }
    }
}
