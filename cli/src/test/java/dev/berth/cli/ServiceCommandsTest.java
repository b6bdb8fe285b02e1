package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code berth watcher|deployer|notifier}: bad input refused before Kafka is contacted. */
class ServiceCommandsTest {
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

    @Test
    void eachRoleHasHelpThatNamesItsKafkaAndOpsOptions() {
        for (String role : new String[] {"watcher", "deployer", "notifier"}) {
            assertThat(run(role, "--help")).as(role).isZero();
            assertThat(out.toString()).contains("berth " + role, "--bootstrap-servers", "--ops-listen");
        }
    }

    @Test
    void aServiceWithoutBootstrapServersIsAUsageError() {
        assertThat(run("notifier")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--bootstrap-servers=<host:port>'");
    }

    @Test
    void aBadOpsAddressIsAUsageErrorWithAnExample() {
        assertThat(run("notifier", "--bootstrap-servers", "127.0.0.1:1", "--ops-listen", "8484"))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("berth: --ops-listen: \"8484\" is not an address and port: give one like 0.0.0.0:8484");
    }

    @Test
    void aWatcherOnAPathThatIsNoRepositoryIsAUsageError() {
        assertThat(run(
                        "watcher",
                        "--bootstrap-servers",
                        "127.0.0.1:1",
                        "--repo",
                        dir.resolve("missing").toString(),
                        "--data-dir",
                        dir.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).startsWith("berth: ").contains("missing");
    }

    @Test
    void aDeployerWithAMissingSecretsFileIsAUsageError() {
        assertThat(run(
                        "deployer",
                        "--bootstrap-servers",
                        "127.0.0.1:1",
                        "--secrets-file",
                        dir.resolve("nope.env").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("secrets file").contains("does not exist");
    }

    @Test
    void opsAddressesAcceptHostsAndBracketedV6() {
        assertThat(ServiceOptions.address("--ops-listen", "0.0.0.0:8484").getPort())
                .isEqualTo(8484);
        assertThat(ServiceOptions.address("--ops-listen", "[::1]:0")
                        .getAddress()
                        .isLoopbackAddress())
                .isTrue();
        assertThatThrownBy(() -> ServiceOptions.address("--ops-listen", "host:99999"))
                .isInstanceOf(Berth.UsageException.class);
    }

    @Test
    void webhookListsSkipBlanksAndNameABadEntryByPositionOnly() throws Exception {
        assertThat(NotifierCommand.urls("$BERTH_WEBHOOKS", " http://a/hook, ,https://b/x ", ","))
                .containsExactly(URI.create("http://a/hook"), URI.create("https://b/x"));
        assertThat(NotifierCommand.urls("$BERTH_WEBHOOKS", "", ",")).isEmpty();
        assertThatThrownBy(() -> NotifierCommand.urls("file", "# comment\nhttps://ok\nftp://token-123\n", "\n"))
                .isInstanceOf(Berth.UsageException.class)
                .hasMessage("file: entry 3 is not an http(s) URL: give URLs like https://hooks.example.com/berth")
                .hasMessageNotContaining("token-123");
        Path file = Files.writeString(dir.resolve("slack.txt"), "not a url at all\n");
        assertThat(run("notifier", "--bootstrap-servers", "127.0.0.1:1", "--slack-webhook-file", file.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("entry 1 is not an http(s) URL").doesNotContain("not a url at all");
    }
}
