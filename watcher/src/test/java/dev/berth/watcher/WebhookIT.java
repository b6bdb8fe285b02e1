package dev.berth.watcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.kafka.Topics;
import dev.berth.testkit.GitRepos;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.SharedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push webhooks against a real broker and a real repository: with an hour between polls, a signed
 * push makes the change appear within seconds, a wrongly signed one does not.
 */
@ExtendWith(SharedKafka.class)
class WebhookIT {
    private static final String SECRET = "webhook-it-" + UUID.randomUUID();
    private static final String WEB = "services:\n  web:\n    image: busybox:1.35\n    command: sleep 3600\n";
    private static final String WEB_V2 = "services:\n  web:\n    image: busybox:1.35\n    command: sleep 7200\n";

    private static KafkaFixture kafka;
    private static KafkaEventPublisher publisher;
    private static final EventCodec codec = new EventCodec();

    @TempDir
    Path dataDir;

    private final String env = "w" + UUID.randomUUID().toString().substring(0, 8);
    private final GitRepos repo = GitRepos.create();
    private final HttpClient http = HttpClient.newHttpClient();
    private Watcher watcher;
    private KafkaStateStore store;

    @BeforeAll
    static void startKafka(KafkaFixture broker) throws InterruptedException {
        kafka = broker;
        new TopicAdmin(kafka.settings(), Clock.systemUTC()).awaitBrokerAndCreateTopics(line -> {});
        publisher = new KafkaEventPublisher(kafka.settings(), "webhook-it", codec);
    }

    @AfterAll
    static void stopKafka() {
        if (publisher != null) {
            publisher.close();
        }
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (watcher != null) {
            watcher.stop();
            watcher.awaitStop(Duration.ofSeconds(10));
        }
        if (store != null) {
            store.close();
        }
        repo.close();
    }

    @Test
    void aSignedPushIsPublishedWithinSecondsAndAWronglySignedOneIsNot() throws Exception {
        repo.write("stacks/web/compose.yaml", WEB);
        repo.commit("Alice", "Add web");
        WatcherConfig config = new WatcherConfig(
                        repo.path().toString(),
                        GitRepos.BRANCH,
                        env,
                        Duration.ofHours(1),
                        dataDir,
                        "stacks",
                        ComposePolicy.DEFAULT)
                .withWebhook(new WebhookConfig("127.0.0.1", 0, SECRET));
        store = new KafkaStateStore(kafka.settings(), "webhook-it-" + env);
        watcher = new Watcher(config, publisher, store, Clock.systemUTC(), new SimpleMeterRegistry());
        watcher.start();
        int port = watcher.webhookPort().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> changes().size() == 1);

        repo.write("stacks/web/compose.yaml", WEB_V2);
        String second = repo.commit("Bob", "Sleep longer");
        String payload = "{\"ref\":\"refs/heads/" + GitRepos.BRANCH + "\",\"after\":\"" + second
                + "\",\"repository\":{\"clone_url\":\"" + repo.path().toUri() + "\"}}";

        HttpResponse<String> wrong = post(port, payload, "sha256=" + hmac("not-the-secret", payload));
        assertThat(wrong.statusCode()).isEqualTo(401);
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .until(() -> changes().size() == 1);

        HttpResponse<String> signed = post(port, payload, "sha256=" + hmac(SECRET, payload));
        assertThat(signed.statusCode()).isEqualTo(202);
        assertThat(signed.body()).startsWith("accepted");
        List<StackChanged> changes = await().atMost(Duration.ofSeconds(10)).until(this::changes, c -> c.size() == 2);
        assertThat(changes.get(1).commit().sha()).isEqualTo(second);
        assertThat(changes.get(1).compose()).isEqualTo(WEB_V2);
    }

    private List<StackChanged> changes() {
        return kafka.readAll(Topics.CHANGES).stream()
                .filter(r -> r.key() != null && r.key().startsWith(env + "/"))
                .map(r -> codec.decode(r.ceType(), r.value()))
                .sorted((a, b) -> a.time().compareTo(b.time()))
                .map(Envelope::event)
                .filter(StackChanged.class::isInstance)
                .map(StackChanged.class::cast)
                .toList();
    }

    private HttpResponse<String> post(int port, String body, String signature) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hooks/git"))
                .header("Content-Type", "application/json")
                .header("X-GitHub-Event", "push")
                .header("X-GitHub-Delivery", UUID.randomUUID().toString())
                .header("X-Hub-Signature-256", signature)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String hmac(String secret, String body) throws NoSuchAlgorithmException, InvalidKeyException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }
}
