package dev.berth.common.compose;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HostVariablesTest {
    @Test
    void hidesOnlyTheValuesAStackHasTaken() {
        HostVariables host = new HostVariables(Map.of("DB_PASSWORD", "s3cr3t-value", "USER", "root"));
        assertThat(host.redact("login root with s3cr3t-value")).isEqualTo("login root with s3cr3t-value");

        assertThat(host.get("DB_PASSWORD")).contains("s3cr3t-value");

        assertThat(host.redact("login root with s3cr3t-value")).isEqualTo("login root with ***");
    }

    @Test
    void leavesShortValuesAndUnknownNamesAlone() {
        HostVariables host = new HostVariables(Map.of("FLAG", "on"));
        assertThat(host.get("FLAG")).contains("on");
        assertThat(host.get("MISSING")).isEmpty();
        assertThat(host.redact("feature on")).isEqualTo("feature on");
    }

    @Test
    void neverPrintsAValue() {
        assertThat(new HostVariables(Map.of("TOKEN", "abcdef123456")))
                .hasToString("HostVariables[1 variables, values hidden]");
    }
}
