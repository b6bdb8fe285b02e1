package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.compose.HostVariables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostSecretsTest {
    @TempDir
    Path dir;

    @Test
    void theSecretsFileWinsOverTheEnvironment() throws IOException {
        Path file = dir.resolve("secrets.env");
        Files.writeString(file, "# database\nDB_PASSWORD='s3cr3t value'\nexport API_TOKEN=abc123\n");

        HostVariables variables = HostSecrets.load(file, Map.of("DB_PASSWORD", "from-env", "HOME", "/home/berth"));

        assertThat(variables.get("DB_PASSWORD")).contains("s3cr3t value");
        assertThat(variables.get("API_TOKEN")).contains("abc123");
        assertThat(variables.get("HOME")).contains("/home/berth");
        assertThat(variables.get("MISSING")).isEmpty();
        assertThat(variables.toString()).doesNotContain("s3cr3t").doesNotContain("abc123");
    }

    @Test
    void withoutAFileTheEnvironmentAlone() {
        HostVariables variables = HostSecrets.load(null, Map.of("TOKEN", "xyz"));

        assertThat(variables.size()).isEqualTo(1);
        assertThat(variables.get("TOKEN")).contains("xyz");
    }
}
