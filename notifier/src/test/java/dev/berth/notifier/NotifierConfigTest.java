package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NotifierConfigTest {
    @Test
    void hasNamedDefaults() {
        NotifierConfig config = NotifierConfig.defaults();
        assertThat(config.webhooks()).isEmpty();
        assertThat(config.slackWebhooks()).isEmpty();
        assertThat(config.groupId()).isEqualTo("berth-notifier");
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.maxAttempts()).isEqualTo(3);
    }

    @Test
    void acceptsHttpAndHttps() {
        NotifierConfig config = NotifierConfig.defaults()
                .withWebhooks(List.of(URI.create("http://127.0.0.1:9000/hook")))
                .withSlackWebhooks(List.of(URI.create("https://hooks.slack.com/services/T/B/x")));
        assertThat(config.webhooks()).hasSize(1);
        assertThat(config.slackWebhooks()).hasSize(1);
    }

    @Test
    void refusesOtherSchemesNamingTheOptionAndTheValue() {
        assertThatThrownBy(() -> NotifierConfig.defaults().withWebhooks(List.of(URI.create("ftp://example.com/x"))))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("--webhook")
                .hasMessageContaining("ftp://example.com/x");
        assertThatThrownBy(() -> NotifierConfig.defaults().withSlackWebhooks(List.of(URI.create("hooks.slack.com/x"))))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("--slack-webhook")
                .hasMessageContaining("hooks.slack.com/x");
    }

    @Test
    void refusesNonsenseLimits() {
        assertThatThrownBy(() -> NotifierConfig.defaults().withMaxAttempts(0))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("max attempts")
                .hasMessageContaining("0");
        assertThatThrownBy(() -> NotifierConfig.defaults().withRequestTimeout(Duration.ZERO))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("request timeout");
        assertThatThrownBy(() -> NotifierConfig.defaults().withGroupId(" "))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("group id");
    }
}
