package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code berth run}'s flags refused before anything starts: no broker, no Docker, no repository read. */
class RunCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        var cli = Berth.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("run", "--repo", dir.toString(), "--data-dir", dir.toString()));
        all.addAll(List.of(args));
        return cli.execute(all.toArray(String[]::new));
    }

    @Test
    void anUnknownAllowanceIsAUsageErrorListingTheKnownOnes() {
        assertThat(run("--allow", "privileged", "--allow", "root")).isEqualTo(2);
        assertThat(err.toString())
                .contains("berth: --allow: \"root\" is not an allowance; use privileged, host-network, host-pid,"
                        + " docker-socket or bind:<absolute directory>");
    }

    @Test
    void aRelativeBindAllowanceIsAUsageError() {
        assertThat(run("--allow", "bind:srv/data")).isEqualTo(2);
        assertThat(err.toString()).contains("--allow: bind path \"srv/data\" must be absolute, like /srv/data");
    }

    @Test
    void aMissingSecretsFileIsAUsageErrorNamingIt() {
        Path missing = dir.resolve("secrets.env");
        assertThat(run("--secrets-file", missing.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("secrets file " + missing + " does not exist");
    }

    @Test
    void aSecretsFileThatIsADirectoryIsAUsageError() {
        assertThat(run("--secrets-file", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("secrets file " + dir + " is a directory");
    }

    @Test
    void aBadSecretsLineIsAUsageErrorThatDoesNotShowTheLine() throws IOException {
        Path secrets = dir.resolve("secrets.env");
        Files.writeString(secrets, "DB_PASSWORD=fine\nhunter2-s3cr3t\n");

        assertThat(run("--secrets-file", secrets.toString())).isEqualTo(2);
        assertThat(err.toString())
                .contains("secrets file " + secrets + ", line 2: not a variable")
                .doesNotContain("hunter2")
                .doesNotContain("fine");
    }

    @Test
    void helpNamesTheNewFlags() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("--allow=<allowance>").contains("--secrets-file=<file>");
    }
}
