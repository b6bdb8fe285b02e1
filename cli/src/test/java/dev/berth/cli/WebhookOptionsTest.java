package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.watcher.WebhookConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookOptionsTest {
    @TempDir
    Path dir;

    @Test
    void noFlagsMeansNoWebhooks() {
        assertThat(WebhookOptions.load(null, null)).isNull();
    }

    @Test
    void aSecretFileAloneListensOnTheDefaultLoopbackPort() throws IOException {
        WebhookConfig config = WebhookOptions.load(null, secret("  s3cret-value \n"));
        assertThat(config).isEqualTo(new WebhookConfig("127.0.0.1", 9418, "s3cret-value"));
        assertThat(config.toString()).doesNotContain("s3cret");
    }

    @Test
    void listenTakesHostAndPortPortAloneOrBracketedIpv6() throws IOException {
        Path file = secret("x");
        assertThat(WebhookOptions.load("0.0.0.0:8080", file)).isEqualTo(new WebhookConfig("0.0.0.0", 8080, "x"));
        assertThat(WebhookOptions.load("9000", file)).isEqualTo(new WebhookConfig("127.0.0.1", 9000, "x"));
        assertThat(WebhookOptions.load("[::1]:0", file)).isEqualTo(new WebhookConfig("::1", 0, "x"));
    }

    @Test
    void badAddressesAreUsageErrors() throws IOException {
        Path file = secret("x");
        for (String bad : new String[] {"", "host:", ":80", "host:http", "host:-1", "host:65536"}) {
            assertThatThrownBy(() -> WebhookOptions.load(bad, file))
                    .isInstanceOf(Berth.UsageException.class)
                    .hasMessageContaining("--webhook-listen");
        }
    }

    private Path secret(String content) throws IOException {
        Path file = dir.resolve("hook.secret");
        Files.writeString(file, content);
        return file;
    }
}
