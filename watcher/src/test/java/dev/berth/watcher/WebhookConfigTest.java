package dev.berth.watcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class WebhookConfigTest {
    @Test
    void toStringNeverShowsTheSecret() {
        WebhookConfig config = new WebhookConfig("127.0.0.1", 9418, "hunter2-hook");
        assertThat(config.toString())
                .doesNotContain("hunter2")
                .contains("127.0.0.1")
                .contains("9418");
        WatcherConfig watcher =
                WatcherConfig.of("/srv/config", "dev", Path.of("/tmp/berth")).withWebhook(config);
        assertThat(watcher.webhook()).isEqualTo(config);
        assertThat(watcher.toString()).doesNotContain("hunter2");
        assertThat(watcher.withBranch("prod").webhook()).isEqualTo(config);
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> new WebhookConfig("127.0.0.1", 70000, "s"))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("webhook port 70000");
        assertThatThrownBy(() -> new WebhookConfig(" ", 9418, "s"))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("webhook listen address is empty");
        assertThatThrownBy(() -> new WebhookConfig("127.0.0.1", 9418, "  "))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("webhook secret is empty");
    }

    @Test
    void withoutWebhookByDefault() {
        assertThat(WatcherConfig.of("/srv/config", "dev", Path.of("/tmp/berth")).webhook())
                .isNull();
    }
}
