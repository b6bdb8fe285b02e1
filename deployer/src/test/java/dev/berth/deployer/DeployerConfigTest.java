package dev.berth.deployer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.HostVariables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeployerConfigTest {
    @Test
    void defaultsApplyEveryEnvironmentOnTheLocalEngine() {
        DeployerConfig config = DeployerConfig.defaults();
        assertThat(config.groupId()).isEqualTo("berth-deployer");
        assertThat(config.dockerHost()).isNull();
        assertThat(config.healthTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.monitorPeriod()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.pullTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.applies("dev")).isTrue();
        assertThat(config.applies("prod")).isTrue();
    }

    @Test
    void aWorkerLimitedToEnvironmentsSkipsTheOthers() {
        DeployerConfig config = DeployerConfig.defaults().withEnvironment("dev");
        assertThat(config.applies("dev")).isTrue();
        assertThat(config.applies("prod")).isFalse();
        assertThat(config.groupId()).isEqualTo("berth-deployer-dev");
    }

    @Test
    void badValuesAreRefusedNamingTheKeyAndTheValue() {
        DeployerConfig ok = DeployerConfig.defaults();
        assertThatThrownBy(() -> ok.withGroupId(" "))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("group id");
        assertThatThrownBy(() -> ok.withDockerHost("/var/run/docker.sock"))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("docker host \"/var/run/docker.sock\"")
                .hasMessageContaining("unix:///var/run/docker.sock");
        assertThatThrownBy(() -> ok.withHealthTimeout(Duration.ZERO))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("health timeout must be positive, got PT0S");
        assertThatThrownBy(() -> ok.withMonitorPeriod(Duration.ofSeconds(-1)))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("monitor period");
        assertThatThrownBy(() -> ok.withPullTimeout(Duration.ZERO))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("pull timeout");
        assertThatThrownBy(() -> new DeployerConfig(
                        Set.of("Prod"),
                        "g",
                        null,
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(1),
                        ComposePolicy.DEFAULT,
                        HostVariables.NONE,
                        Path.of("/tmp")))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("environment name \"Prod\"");
        assertThat(ok.withDockerHost("tcp://10.0.0.2:2376").dockerHost()).isEqualTo("tcp://10.0.0.2:2376");
    }

    @Test
    void theConsumerGroupWaitsLongerThanAPullAndAHealthGate() {
        assertThat(Deployer.maxPollIntervalMs(DeployerConfig.defaults())).isEqualTo(15 * 60_000);
        DeployerConfig slow = DeployerConfig.defaults()
                .withHealthTimeout(Duration.ofMinutes(20))
                .withPullTimeout(Duration.ofMinutes(5));
        assertThat(Deployer.maxPollIntervalMs(slow)).isEqualTo(35 * 60_000);
        assertThat(Deployer.maxPollIntervalMs(DeployerConfig.defaults().withHealthTimeout(Duration.ofDays(365))))
                .isEqualTo(Integer.MAX_VALUE);
    }
}
