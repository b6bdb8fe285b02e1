package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testkit.ProviderServer;

class MattermostChannelTest extends NotificationChannelContract {
    @Override
    ProviderServer.Provider provider() {
        return ProviderServer.Provider.MATTERMOST;
    }

    @Override
    ChannelType type() {
        return ChannelType.MATTERMOST;
    }

    @Override
    void checkShape(ProviderServer.Request request, Message message) {
        JsonNode body = request.json();
        assertThat(body.path("text").asText()).isEqualTo(message.title());
        JsonNode attachment = body.path("attachments").get(0);
        assertThat(attachment.path("color").asText()).isEqualTo(message.colour());
        assertThat(attachment.path("fields")).hasSize(message.facts().size());
        if (message.link() != null) {
            assertThat(attachment.path("title_link").asText()).isEqualTo(message.link());
        }
    }
}
