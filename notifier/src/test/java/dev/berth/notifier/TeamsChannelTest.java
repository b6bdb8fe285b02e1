package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testkit.ProviderServer;

class TeamsChannelTest extends NotificationChannelContract {
    @Override
    ProviderServer.Provider provider() {
        return ProviderServer.Provider.TEAMS;
    }

    @Override
    ChannelType type() {
        return ChannelType.TEAMS;
    }

    @Override
    void checkShape(ProviderServer.Request request, Message message) {
        JsonNode card = request.json().path("attachments").get(0).path("content");
        assertThat(card.path("version").asText()).isEqualTo("1.4");
        JsonNode title = card.path("body").get(0);
        assertThat(title.path("text").asText()).isEqualTo(message.title());
        assertThat(title.path("color").asText()).isIn("good", "warning", "attention", "accent");
        if (message.link() != null) {
            assertThat(card.path("actions").get(0).path("url").asText()).isEqualTo(message.link());
        }
        assertThat(request.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(TeamsChannel.PAYLOAD_LIMIT);
    }
}
