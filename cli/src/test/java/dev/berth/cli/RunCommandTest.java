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

    private int runWithout(String... args) {
        var cli = Berth.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("run", "--data-dir", dir.toString()));
        all.addAll(List.of(args));
        return cli.execute(all.toArray(String[]::new));
    }

    private Path environmentFile(String name, String content) throws IOException {
        Path file = dir.resolve("environments").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }

    @Test
    void withoutRepoOrEnvironmentFilesItIsAUsageError() {
        assertThat(runWithout()).isEqualTo(2);
        assertThat(err.toString()).contains("give --repo (the config repository), or environment files");
    }

    @Test
    void aBadEnvironmentFileIsAUsageErrorAtItsLine() throws IOException {
        Path file = environmentFile("dev.yaml", "name: dev\nsource:\n  repository: r\n  brnach: main\n");
        assertThat(runWithout("--environment-file", file.toString())).isEqualTo(2);
        assertThat(err.toString()).contains(file + ":4:3: source: unknown key \"brnach\": did you mean \"branch\"?");
    }

    @Test
    void aSecretThatIsNotSetIsAUsageErrorNamingTheKeyNeverAValue() throws IOException {
        Path secrets = dir.resolve("secrets.env");
        Files.writeString(secrets, "OTHER=hunter2-s3cr3t\n");
        Path file = environmentFile(
                "dev.yaml",
                "name: dev\nsource:\n  repository: https://git.example.com/c.git\n  credentials:\n"
                        + "    token: {secret: GIT_TOKEN_FOR_TEST}\n");
        assertThat(runWithout("--environments", file.getParent().toString(), "--secrets-file", secrets.toString()))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains(file + ":5:12: source.credentials.token: secret GIT_TOKEN_FOR_TEST is not set")
                .doesNotContain("hunter2");
    }

    @Test
    void environmentWithEnvironmentFilesSelectsAndAnUnknownOneIsAUsageError() throws IOException {
        Path file = environmentFile("dev.yaml", "name: dev\nsource: {repository: r}\n");
        assertThat(runWithout("--environment-file", file.toString(), "--environment", "prod"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("prod").contains("dev");
    }

    @Test
    void aLocalRepositoryThatIsNotGitIsAUsageErrorNamingTheFile() throws IOException {
        Path file = environmentFile("dev.yaml", "name: dev\nsource: {repository: " + dir.resolve("nothing") + "}\n");
        assertThat(runWithout("--environment-file", file.toString())).isEqualTo(2);
        assertThat(err.toString())
                .contains(file + ": ")
                .contains(dir.resolve("nothing").toString());
    }

    @Test
    void anEmptyEnvironmentsDirectoryIsAUsageError() throws IOException {
        Files.createDirectories(dir.resolve("empty"));
        assertThat(runWithout("--environments", dir.resolve("empty").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("holds no environment file");
    }

    @Test
    void pushWebhooksServeOneEnvironment() throws IOException {
        environmentFile("dev.yaml", "name: dev\nsource: {repository: r}\n");
        environmentFile("prod.yaml", "name: prod\nsource: {repository: r}\n");
        Path secret = dir.resolve("hook.secret");
        Files.writeString(secret, "hunter2-hook\n");
        assertThat(runWithout(
                        "--environments",
                        dir.resolve("environments").toString(),
                        "--webhook-secret-file",
                        secret.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--webhook-listen serves one environment");
    }

    @Test
    void anUnknownAllowanceIsAUsageErrorListingTheKnownOnes() {
        assertThat(run("--allow", "privileged", "--allow", "root")).isEqualTo(2);
        assertThat(err.toString())
                .contains("berth: --allow: \"root\" is not an allowance; use privileged, host-network, host-pid,"
                        + " docker-socket, cgroup-parent, device-cgroup-rules, gpu, host-cgroup, host-ipc, host-userns,"
                        + " host-uts, join-container, oom-kill-disable, volume-device, bind:<absolute directory>,"
                        + " cap:<capability>,"
                        + " volume-driver:<driver>, network-driver:<driver>, sysctl:<name>, device:<host path>, runtime:<name>,"
                        + " security-opt:<apparmor|label|no-new-privileges|seccomp|systempaths|writable-cgroups>");
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
        assertThat(out.toString())
                .contains("--allow=<allowance>")
                .contains("--secrets-file=<file>")
                .contains("--webhook-listen=<host:port>")
                .contains("--webhook-secret-file=<file>");
    }

    @Test
    void aBadWebhookListenAddressIsAUsageError() throws IOException {
        Path secret = dir.resolve("hook.secret");
        Files.writeString(secret, "hunter2-hook\n");
        assertThat(run("--webhook-listen", "127.0.0.1:99999", "--webhook-secret-file", secret.toString()))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("--webhook-listen: \"127.0.0.1:99999\" is not an address and port: give one like"
                        + " 127.0.0.1:9418")
                .doesNotContain("hunter2");
    }

    @Test
    void aWebhookListenAddressWithoutSecretFileIsAUsageError() {
        assertThat(run("--webhook-listen", "127.0.0.1:9418")).isEqualTo(2);
        assertThat(err.toString()).contains("--webhook-listen needs --webhook-secret-file");
    }

    @Test
    void aMissingOrEmptyWebhookSecretFileIsAUsageError() throws IOException {
        Path missing = dir.resolve("missing.secret");
        assertThat(run("--webhook-secret-file", missing.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("webhook secret file " + missing + " does not exist");

        Path empty = dir.resolve("empty.secret");
        Files.writeString(empty, "  \n");
        assertThat(run("--webhook-secret-file", empty.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("webhook secret file " + empty + " is empty");
    }

    @Test
    void aWebhookSecretFileOfSeveralLinesIsAUsageErrorThatDoesNotShowThem() throws IOException {
        Path secret = dir.resolve("two.secret");
        Files.writeString(secret, "hunter2-one\nhunter2-two\n");
        assertThat(run("--webhook-secret-file", secret.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("holds more than one line").doesNotContain("hunter2");
    }
}
