package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.notifier.internal.HttpPoster;
import dev.berth.testkit.WebhookReceiver;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every notification channel must do, against a real HTTP receiver on 127.0.0.1: one POST of
 * JSON per delivered outcome, retries of 5xx, a 429's Retry-After honoured, a clear failure after
 * the last attempt.
 */
abstract class NotificationChannelContract {
    static final StackRef STACK = new StackRef("dev", "shop");
    static final Commit COMMIT = new Commit(
            "0123456789abcdef0123456789abcdef01234567",
            "Alice",
            "Ship it\n\nbody",
            Instant.parse("2026-11-22T10:00:00Z"));
    static final EventCodec CODEC = new EventCodec();

    WebhookReceiver receiver;

    /** The channel under test, posting to {@code url}. */
    abstract NotificationChannel channel(URI url, HttpPoster poster);

    @BeforeEach
    void startReceiver() {
        receiver = WebhookReceiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    static Envelope succeeded() {
        return Envelope.newChain(
                URI.create("/test"),
                Clock.systemUTC(),
                new DeploymentSucceeded(STACK, "d1", COMMIT, List.of("create web"), Duration.ofMillis(2100)));
    }

    static Envelope failed(String evidence) {
        return Envelope.newChain(
                URI.create("/test"),
                Clock.systemUTC(),
                new DeploymentFailed(
                        STACK, "d2", COMMIT, "web", "service \"web\" is unhealthy", evidence, Duration.ofSeconds(3)));
    }

    private NotificationChannel channel(int attempts) {
        return channel(receiver.url("/hook"), new HttpPoster(Duration.ofSeconds(5), attempts));
    }

    @Test
    void deliversOutcomesAsOnePostOfJsonEach() throws Exception {
        NotificationChannel channel = channel(3);
        assertThat(channel.accepts(succeeded())).isTrue();
        assertThat(channel.accepts(failed("exit 1"))).isTrue();
        channel.deliver(succeeded());
        channel.deliver(failed("exit 1"));
        assertThat(receiver.requests()).hasSize(2).allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.headers().get("content-type")).contains("json");
            JsonNode body = CODEC.json().readTree(r.body());
            assertThat(body.isObject()).isTrue();
        });
        assertThat(receiver.requests().get(0).body()).contains("dev/shop");
    }

    @Test
    void retriesServerErrorsThenSucceeds() throws Exception {
        receiver.failNext(2, 500);
        channel(3).deliver(succeeded());
        assertThat(receiver.requests())
                .extracting(WebhookReceiver.Request::status)
                .containsExactly(500, 500, 200);
    }

    @Test
    void honoursRetryAfterOn429() throws Exception {
        receiver.failNext(1, 429); // with Retry-After: 1, twice the first backoff
        long begin = System.nanoTime();
        channel(2).deliver(succeeded());
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        List<WebhookReceiver.Request> requests = receiver.requests();
        assertThat(requests).extracting(WebhookReceiver.Request::status).containsExactly(429, 200);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aRefusalIsNotRetried() {
        receiver.failNext(1, 404);
        assertThatThrownBy(() -> channel(3).deliver(succeeded()))
                .isInstanceOf(DeliveryException.class)
                .hasMessage("HTTP 404");
        assertThat(receiver.requests()).hasSize(1);
    }

    @Test
    void anAbortedPosterStopsRetryingAtOnce() {
        receiver.failNext(5, 503);
        HttpPoster poster = new HttpPoster(Duration.ofSeconds(5), 5);
        poster.abort();
        assertThatThrownBy(() -> channel(receiver.url("/hook"), poster).deliver(succeeded()))
                .isInstanceOf(DeliveryException.class)
                .hasMessageContaining("HTTP 503")
                .hasMessageContaining("stopped");
        assertThat(receiver.requests()).hasSize(1);
    }

    @Test
    void itsNameHidesCredentials() {
        NotificationChannel channel = channel(
                URI.create("https://user:secret@hooks.example.com/services/T1/B2/token?key=k2"),
                new HttpPoster(Duration.ofSeconds(1), 1));
        assertThat(channel.name())
                .contains("https://hooks.example.com")
                .doesNotContain("secret")
                .doesNotContain("k2");
    }

    @Test
    void givesUpAfterTheLastAttemptWithTheReason() {
        receiver.failNext(5, 503);
        assertThatThrownBy(() -> channel(2).deliver(succeeded()))
                .isInstanceOf(DeliveryException.class)
                .hasMessageContaining("HTTP 503");
        assertThat(receiver.requests()).hasSize(2);
    }

    @Test
    void anUnreachableReceiverFailsCleanly() {
        NotificationChannel channel =
                channel(URI.create("http://127.0.0.1:1/hook"), new HttpPoster(Duration.ofSeconds(2), 1));
        assertThatThrownBy(() -> channel.deliver(succeeded())).isInstanceOf(DeliveryException.class);
    }

    @Test
    void aLongEvidenceStaysWithinLimits() throws Exception {
        channel(1).deliver(failed("x".repeat(10_000)));
        assertThat(receiver.requests()).hasSize(1);
        assertThat(receiver.requests().get(0).body().length()).isLessThan(60_000);
    }
}
