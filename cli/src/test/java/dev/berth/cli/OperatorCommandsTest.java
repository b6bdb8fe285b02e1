package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code berth history}, {@code rollback} and {@code retry} refusing bad usage before reaching Kafka. */
class OperatorCommandsTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        var cli = Berth.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"history", "rollback", "retry"})
    void helpDescribesTheCommand(String command) {
        assertThat(run(command, "--help")).isZero();
        assertThat(out.toString())
                .contains("Usage: berth " + command)
                .contains("--bootstrap-servers")
                .contains("Exit codes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"audit", "notifications replay"})
    void helpDescribesTheNotifierCommands(String command) {
        assertThat(run((command + " --help").split(" "))).isZero();
        assertThat(out.toString())
                .contains("Usage: berth " + command)
                .contains("--bootstrap-servers")
                .contains("Exit codes");
    }

    @org.junit.jupiter.api.Test
    void auditRefusesABadStackOrTimeBeforeReachingKafka() {
        assertThat(run("audit", "--stack", "shop", "--bootstrap-servers", "127.0.0.1:1"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("\"shop\" is not a stack reference");
        assertThat(run("audit", "--since", "yesterday", "--bootstrap-servers", "127.0.0.1:1"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--since \"yesterday\" is not a time");
        java.time.Clock clock =
                java.time.Clock.fixed(java.time.Instant.parse("2026-11-22T12:00:00Z"), java.time.ZoneOffset.UTC);
        assertThat(AuditCommand.since("2h", clock)).isEqualTo(java.time.Instant.parse("2026-11-22T10:00:00Z"));
        assertThat(AuditCommand.since("7d", clock)).isEqualTo(java.time.Instant.parse("2026-11-15T12:00:00Z"));
        assertThat(AuditCommand.since("2026-11-20", clock)).isEqualTo(java.time.Instant.parse("2026-11-20T00:00:00Z"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"history", "rollback", "retry"})
    void aStackThatIsNotEnvSlashStackIsAUsageError(String command) {
        assertThat(run(command, "shop", "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(2);
        assertThat(err.toString()).contains("\"shop\" is not a stack reference");
    }

    @ParameterizedTest
    @ValueSource(strings = {"history", "rollback", "retry"})
    void withoutAnAddressOrADataDirWithOneItIsAUsageError(String command) {
        assertThat(run(command, "dev/shop", "--data-dir", dir.toString())).isEqualTo(2);
        assertThat(err.toString())
                .contains("no Kafka address: " + dir.resolve("bootstrap-servers"))
                .contains("give --bootstrap-servers");
    }
}
