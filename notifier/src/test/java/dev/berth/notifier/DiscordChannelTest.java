package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testkit.ProviderServer;

class DiscordChannelTest extends NotificationChannelContract {
    @Override
    ProviderServer.Provider provider() {
        return ProviderServer.Provider.DISCORD;
    }

    @Override
    ChannelType type() {
        return ChannelType.DISCORD;
    }

    @Override
    void checkShape(ProviderServer.Request request, Message message) {
        JsonNode body = request.json();
        assertThat(body.path("allowed_mentions").path("parse")).isEmpty();
        JsonNode embed = body.path("embeds").get(0);
        assertThat(embed.path("title").asText()).isEqualTo(message.title());
        assertThat(embed.path("color").asInt())
                .isEqualTo(Integer.parseInt(message.colour().substring(1), 16));
        assertThat(embed.path("timestamp").asText()).isEqualTo(message.time().toString());
    }
}
