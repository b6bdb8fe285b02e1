package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.event.DeploymentStarted;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.notifier.internal.HttpPoster;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlackWebhookChannelTest extends NotificationChannelContract {
    @Override
    NotificationChannel channel(URI url, HttpPoster poster) {
        return new SlackWebhookChannel(url, CODEC, poster);
    }

    @Test
    void writesAReadableMessageWithBlocksWithinSlacksLimits() throws Exception {
        channel(receiver.url("/slack"), new HttpPoster(Duration.ofSeconds(5), 1))
                .deliver(failed("y".repeat(5000)));
        JsonNode body = CODEC.json().readTree(receiver.requests().get(0).body());
        assertThat(body.get("text").asText())
                .contains(":x: *dev/shop* failed @0123456")
                .contains("unhealthy");
        assertThat(body.get("blocks")).allSatisfy(block -> {
            assertThat(block.get("type").asText()).isEqualTo("section");
            assertThat(block.at("/text/text").asText().length()).isLessThanOrEqualTo(SlackWebhookChannel.SECTION_LIMIT);
        });
        assertThat(body.get("blocks").toString())
                .contains("Alice")
                .contains("Ship it")
                .contains("```");
    }

    @Test
    void onlyOutcomesAreSent() {
        NotificationChannel channel = channel(receiver.url("/slack"), new HttpPoster(Duration.ofSeconds(1), 1));
        Envelope started = Envelope.newChain(
                URI.create("/test"),
                Clock.systemUTC(),
                new DeploymentStarted(STACK, "d", COMMIT, List.of("create web")));
        assertThat(channel.accepts(started)).isFalse();
    }

    @Test
    void itsNameHidesTheTokenInThePath() {
        NotificationChannel channel = channel(
                URI.create("https://hooks.slack.com/services/T1/B2/token"), new HttpPoster(Duration.ofSeconds(1), 1));
        assertThat(channel.name()).isEqualTo("slack https://hooks.slack.com/…");
    }

    @Test
    void namesEveryFactOfASuccess() {
        var message = new SlackWebhookChannel(receiver.url("/slack"), CODEC, new HttpPoster(Duration.ofSeconds(1), 1))
                .message(succeeded());
        assertThat(message.get("text").asText())
                .startsWith(":white_check_mark: *dev/shop* deployed @0123456 in 2.1 s")
                .contains("create web");
        assertThat(message.get("blocks").toString())
                .contains("environment *dev*")
                .contains("stack *shop*")
                .contains("`0123456` by Alice: Ship it")
                .doesNotContain("body");
    }

    @Test
    void anEmptyPlanIsNotWorthAMessage() {
        Envelope noop = Envelope.newChain(
                URI.create("/test"),
                Clock.systemUTC(),
                new DeploymentSucceeded(STACK, "d", COMMIT, List.of(), Duration.ofMillis(10)));
        assertThat(channel(receiver.url("/slack"), new HttpPoster(Duration.ofSeconds(1), 1))
                        .accepts(noop))
                .isFalse();
    }

    @Test
    void escapesMarkupFromCommitsAndGates() {
        var message = new SlackWebhookChannel(receiver.url("/slack"), CODEC, new HttpPoster(Duration.ofSeconds(1), 1))
                .message(failed("<!channel> & ```nested```"));
        assertThat(message.get("blocks").toString())
                .contains("&lt;!channel&gt; &amp; '''nested'''")
                .doesNotContain("<!channel>");
    }

    @Test
    void truncatesCleanly() {
        String cut = SlackWebhookChannel.truncate("```" + "z".repeat(100) + "```", 50);
        assertThat(cut).hasSizeLessThanOrEqualTo(50).startsWith("```").endsWith("(truncated)```");
        assertThat(SlackWebhookChannel.truncate("short", 50)).isEqualTo("short");
        // A surrogate pair right at the cut is dropped whole, not split.
        String rocket = "a".repeat(36) + "\uD83D\uDE80" + "b".repeat(20);
        assertThat(SlackWebhookChannel.truncate(rocket, 50)).isEqualTo("a".repeat(36) + "… (truncated)");
    }
}
