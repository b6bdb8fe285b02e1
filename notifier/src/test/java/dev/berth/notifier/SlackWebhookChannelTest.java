package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.event.DeploymentStarted;
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
        return new SlackWebhookChannel(url, CODEC.json(), poster);
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
    void truncatesCleanly() {
        String cut = SlackWebhookChannel.truncate("```" + "z".repeat(100) + "```", 50);
        assertThat(cut).hasSizeLessThanOrEqualTo(50).startsWith("```").endsWith("(truncated)```");
    }
}
