package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testkit.ProviderServer;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookChannelTest extends NotificationChannelContract {
    static final String KEY = "k-0123456789abcdef0123";

    @Override
    ProviderServer.Provider provider() {
        return ProviderServer.Provider.WEBHOOK;
    }

    @Override
    ChannelType type() {
        return ChannelType.WEBHOOK;
    }

    @Override
    ChannelConfig config(URI url) {
        // Signed, with a header carrying the canary: neither may leak.
        return new ChannelConfig("under-test", type(), url, KEY, Map.of("X-Api-Key", CANARY));
    }

    @Override
    void configure(ProviderServer server) {
        server.requireSignature(KEY);
    }

    @Override
    void checkShape(ProviderServer.Request request, Message message) {
        JsonNode body = request.json();
        assertThat(body.path("specversion").asText()).isEqualTo("1.0");
        assertThat(body.path("id").asText())
                .isEqualTo(message.cloudEvent().path("id").asText());
        assertThat(body.path("type").asText()).isEqualTo(message.ceType());
        assertThat(body.path("berthmessage").asText()).contains(message.title());
        assertThat(request.headers().get(WebhookChannel.DELIVERY_HEADER)).isEqualTo(message.id());
        assertThat(request.headers().get("ce-type")).isEqualTo(message.ceType());
        assertThat(request.headers().get(WebhookChannel.SIGNATURE_HEADER)).startsWith("sha256=");
        // The configured header goes to its own receiver, as asked; never into a body.
        assertThat(request.headers().get("X-Api-Key")).isEqualTo(CANARY);
    }

    @Override
    void nothingSentHoldsASecret() throws Exception {
        // The configured X-Api-Key header is the one place the canary may go (it is this receiver's own key).
        Message m = failed("DB_PASSWORD=" + CANARY + " rejected", null);
        assertThat(deliverer().deliver(m)).isEqualTo(dev.berth.notifier.internal.Deliverer.Outcome.DELIVERED);
        ProviderServer.Request r = server.requests().get(0);
        assertThat(r.body()).doesNotContain(CANARY).doesNotContain(KEY).contains("***");
        assertThat(r.headers().get(WebhookChannel.SIGNATURE_HEADER)).doesNotContain(KEY);
        assertThat(channel().config().toString()).doesNotContain(CANARY).doesNotContain(KEY);
    }

    @Test
    void aWrongSignatureIsRefusedByTheReceiver() throws Exception {
        server.requireSignature("another-key-0123456789");
        assertThat(deliverer().deliver(succeeded())).isEqualTo(dev.berth.notifier.internal.Deliverer.Outcome.DEAD);
        assertThat(server.requests())
                .singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo(401));
    }

    @Test
    void theSignatureIsTheHmacOfTimestampDotBody() {
        // Known answer from: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac k-0123456789abcdef0123
        assertThat(WebhookChannel.sign(KEY, "1700000000", "{\"a\":1}"))
                .isEqualTo("b1d96ccfe43252c3fc74e42c11d1a22e6dd8013f60f4634dc54faa7907a5aef4");
    }
}
