package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testkit.ProviderServer;

class SlackChannelTest extends NotificationChannelContract {
    @Override
    ProviderServer.Provider provider() {
        return ProviderServer.Provider.SLACK;
    }

    @Override
    ChannelType type() {
        return ChannelType.SLACK;
    }

    @Override
    void checkShape(ProviderServer.Request request, Message message) {
        JsonNode body = request.json();
        assertThat(body.path("text").asText()).isNotBlank();
        JsonNode attachment = body.path("attachments").get(0);
        assertThat(attachment.path("color").asText()).isEqualTo(message.colour());
        JsonNode blocks = attachment.path("blocks");
        assertThat(blocks.get(0).path("type").asText()).isEqualTo("header");
        // Commit text cannot mention @here or open a link.
        assertThat(request.body()).doesNotContain("<@here>");
        if (message.link() != null) {
            assertThat(request.body()).contains("|View commit>");
        }
    }
}
