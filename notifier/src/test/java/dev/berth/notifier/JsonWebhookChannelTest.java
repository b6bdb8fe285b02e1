package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.notifier.internal.HttpPoster;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JsonWebhookChannelTest extends NotificationChannelContract {
    @Override
    NotificationChannel channel(URI url, HttpPoster poster) {
        return new JsonWebhookChannel(url, CODEC, poster);
    }

    @Test
    void postsCloudEventsStructuredJsonWithTheCdEventAsData() throws Exception {
        channel(receiver.url("/hook"), new HttpPoster(Duration.ofSeconds(5), 1)).deliver(succeeded());
        var request = receiver.requests().get(0);
        assertThat(request.headers().get("content-type")).isEqualTo("application/cloudevents+json");
        JsonNode body = CODEC.json().readTree(request.body());
        assertThat(body.get("specversion").asText()).isEqualTo("1.0");
        assertThat(body.get("type").asText()).isEqualTo("dev.cdeventsx.berth-deployment.succeeded.0.1.0");
        assertThat(body.get("subject").asText()).isEqualTo("dev/shop");
        assertThat(body.at("/data/context/id").asText())
                .isEqualTo(body.get("id").asText());
        assertThat(request.headers().get("ce-id")).isEqualTo(body.get("id").asText());
    }
}
