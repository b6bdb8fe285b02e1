package dev.berth.watcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WatcherConfigTest {
    private static final Path DATA = Path.of("/tmp/berth-data");

    @Test
    void defaults() {
        var config = WatcherConfig.of("/srv/config", "dev", DATA);

        assertThat(config.branch()).isEqualTo("main");
        assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.stacksPath()).isEqualTo("stacks");
    }

    @Test
    void normalisesTheStacksPath() {
        var config = WatcherConfig.of("/srv/config", "dev", DATA);

        assertThat(config.withStacksPath("./deploy/stacks/").stacksPath()).isEqualTo("deploy/stacks");
        assertThat(config.withStacksPath(".").stacksPath()).isEmpty();
    }

    @Test
    void rejectsAPollIntervalUnderOneSecond() {
        var config = WatcherConfig.of("/srv/config", "dev", DATA);

        assertThatThrownBy(() -> config.withPollInterval(Duration.ofMillis(500)))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("poll interval 500 ms")
                .hasMessageContaining("at least 1 s");
    }

    @Test
    void rejectsABadEnvironmentName() {
        assertThatThrownBy(() -> WatcherConfig.of("/srv/config", "Prod", DATA))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("environment name \"Prod\"");
    }

    @Test
    void rejectsABadBranch() {
        var config = WatcherConfig.of("/srv/config", "dev", DATA);

        assertThatThrownBy(() -> config.withBranch("my branch"))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("branch \"my branch\"");
        assertThatThrownBy(() -> config.withBranch("a..b")).hasMessageContaining("branch \"a..b\"");
        assertThat(config.withBranch("release/1.2").branch()).isEqualTo("release/1.2");
    }

    @Test
    void rejectsAStacksPathOutsideTheRepository() {
        var config = WatcherConfig.of("/srv/config", "dev", DATA);

        assertThatThrownBy(() -> config.withStacksPath("../stacks"))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("stacks path \"../stacks\"");
        assertThatThrownBy(() -> config.withStacksPath("/stacks")).hasMessageContaining("stacks path \"/stacks\"");
    }

    @Test
    void rejectsABlankRepository() {
        assertThatThrownBy(() -> WatcherConfig.of(" ", "dev", DATA))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("repository is empty");
    }
}
