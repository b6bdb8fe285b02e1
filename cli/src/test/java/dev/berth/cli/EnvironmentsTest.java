package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.compose.UpdatePolicy;
import dev.berth.watcher.GitCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How an environment file and {@code berth run}'s flags become the components' config records. */
class EnvironmentsTest {
    @TempDir
    Path dir;

    private EnvironmentFile file(String yaml) throws IOException {
        Path path = dir.resolve("environments/dev.yaml");
        Files.createDirectories(path.getParent());
        Files.writeString(path, yaml);
        return EnvironmentFileReader.read(path);
    }

    private Environments.Run run(EnvironmentFile file, Environments.Overrides overrides, HostVariables host) {
        return Environments.fromFile(
                file,
                overrides,
                dir.resolve("data"),
                "unix:///from/DOCKER_HOST.sock",
                Duration.ofMinutes(2),
                host,
                dir.resolve("data/stacks"),
                null);
    }

    @Test
    void theFilesValuesGoToTheWatcherAndTheDeployerOfItsEnvironment() throws IOException {
        Environments.Run run = run(file("""
                        name: dev
                        source:
                          repository: https://git.example.com/config.git
                          branch: develop
                          stacks_path: envs/dev/stacks
                          poll_interval: 30s
                        variables: {DOMAIN: dev.example.com}
                        docker: {host: "tcp://docker.internal:2376"}
                        deploy:
                          health_timeout: 5m
                          update_config: {order: start-first}
                          allow: [host-pid]
                        """), Environments.Overrides.NONE, HostVariables.NONE);
        assertThat(run.name()).isEqualTo("dev");
        assertThat(run.watcher().repository()).isEqualTo("https://git.example.com/config.git");
        assertThat(run.watcher().branch()).isEqualTo("develop");
        assertThat(run.watcher().stacksPath()).isEqualTo("envs/dev/stacks");
        assertThat(run.watcher().pollInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(run.watcher().variables()).isEqualTo(Map.of("DOMAIN", "dev.example.com"));
        assertThat(run.watcher().credentials()).isEqualTo(GitCredentials.none());
        assertThat(run.watcher().dataDir()).isEqualTo(dir.resolve("data"));
        assertThat(run.watcher().policy().hostPid()).isTrue();
        assertThat(run.deployer().environments()).containsExactly("dev");
        assertThat(run.deployer().groupId()).isEqualTo("berth-deployer-dev");
        assertThat(run.deployer().dockerHost()).isEqualTo("tcp://docker.internal:2376");
        assertThat(run.deployer().healthTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(run.deployer().policy().hostPid()).isTrue();
        assertThat(run.deployer().updateDefaults().order()).isEqualTo(UpdatePolicy.Order.START_FIRST);
    }

    @Test
    void flagsGivenWinOverTheFileAndAllowancesAdd() throws IOException {
        EnvironmentFile file = file("""
                name: dev
                source: {repository: https://git.example.com/config.git, branch: develop, poll_interval: 30s}
                docker: {host: "tcp://docker.internal:2376"}
                deploy: {health_timeout: 5m, allow: [host-pid]}
                """);
        Environments.Run run = run(
                file,
                new Environments.Overrides(
                        "/srv/config",
                        "main",
                        Duration.ofSeconds(2),
                        "unix:///flag.sock",
                        Duration.ofSeconds(40),
                        List.of("privileged")),
                HostVariables.NONE);
        assertThat(run.watcher().repository()).isEqualTo("/srv/config");
        assertThat(run.watcher().branch()).isEqualTo("main");
        assertThat(run.watcher().pollInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(run.deployer().dockerHost()).isEqualTo("unix:///flag.sock");
        assertThat(run.deployer().healthTimeout()).isEqualTo(Duration.ofSeconds(40));
        assertThat(run.deployer().policy()).isEqualTo(new ComposePolicy(true, false, true, false, List.of()));

        // Keys neither the file nor a flag sets take $DOCKER_HOST and --health-timeout's default.
        Environments.Run defaults =
                run(file("name: dev\nsource: {repository: r}\n"), Environments.Overrides.NONE, HostVariables.NONE);
        assertThat(defaults.deployer().dockerHost()).isEqualTo("unix:///from/DOCKER_HOST.sock");
        assertThat(defaults.deployer().healthTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(defaults.deployer().adopt()).isFalse();
    }

    @Test
    void adoptionIsOnWhenTheFileOrTheFlagTurnsItOn() throws IOException {
        EnvironmentFile off = file("name: dev\nsource: {repository: r}\n");
        EnvironmentFile on = file("name: dev\nsource: {repository: r}\ndeploy: {adopt: true}\n");
        Environments.Overrides flag = new Environments.Overrides(null, null, null, null, null, List.of(), true);
        assertThat(run(off, Environments.Overrides.NONE, HostVariables.NONE)
                        .deployer()
                        .adopt())
                .isFalse();
        assertThat(run(on, Environments.Overrides.NONE, HostVariables.NONE)
                        .deployer()
                        .adopt())
                .isTrue();
        assertThat(run(off, flag, HostVariables.NONE).deployer().adopt()).isTrue();
    }

    @Test
    void credentialsAreResolvedFromTheHostsSecretsAndFiles() throws IOException {
        HostVariables host = new HostVariables(Map.of("GIT_TOKEN", "t0ken-value", "GIT_PASSWORD", "pa55word"));
        assertThat(run(
                                file("name: dev\nsource:\n  repository: https://g/c.git\n  credentials:\n"
                                        + "    token: {secret: GIT_TOKEN}\n"),
                                Environments.Overrides.NONE,
                                host)
                        .watcher()
                        .credentials())
                .isEqualTo(GitCredentials.token("t0ken-value"));
        assertThat(run(
                                file("name: dev\nsource:\n  repository: https://g/c.git\n  credentials:\n"
                                        + "    token: {secret: GIT_TOKEN}\n    username: oauth2\n"),
                                Environments.Overrides.NONE,
                                host)
                        .watcher()
                        .credentials())
                .isEqualTo(GitCredentials.token("oauth2", "t0ken-value"));
        Path passwordFile = dir.resolve("password");
        Files.writeString(passwordFile, "from-file\n");
        assertThat(run(
                                file("name: dev\nsource:\n  repository: https://g/c.git\n  credentials:\n"
                                        + "    username: berth\n    password: {file: " + passwordFile + "}\n"),
                                Environments.Overrides.NONE,
                                host)
                        .watcher()
                        .credentials())
                .isEqualTo(GitCredentials.userPassword("berth", "from-file"));
    }

    @Test
    void anSshKeyHeldByASecretIsWrittenToAFileOnlyBerthReads() throws IOException {
        Path knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, "git.example.com ssh-ed25519 AAAA\n");
        HostVariables host = new HostVariables(
                Map.of("DEPLOY_KEY", "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----"));
        Environments.Run run = run(
                file("name: dev\nsource:\n  repository: git@git.example.com:acme/c.git\n  credentials:\n"
                        + "    ssh_key: {secret: DEPLOY_KEY}\n    known_hosts: " + knownHosts + "\n"),
                Environments.Overrides.NONE,
                host);
        GitCredentials.SshKey ssh = (GitCredentials.SshKey) run.watcher().credentials();
        assertThat(ssh.privateKey()).isEqualTo(dir.resolve("data/credentials/dev/ssh_key"));
        assertThat(ssh.knownHosts()).isEqualTo(knownHosts);
        assertThat(ssh.passphrase()).isNull();
        assertThat(Files.readString(ssh.privateKey())).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ssh.privateKey())))
                .isEqualTo("rw-------");
    }

    @Test
    void aMissingKnownHostsOrKeyFileIsAUsageErrorNamingTheKey() throws IOException {
        EnvironmentFile noKnownHosts = file("name: dev\nsource:\n  repository: git@g:c.git\n  credentials:\n"
                + "    ssh_key: " + dir.resolve("key") + "\n    known_hosts: " + dir.resolve("nope") + "\n");
        assertThatThrownBy(() -> run(noKnownHosts, Environments.Overrides.NONE, HostVariables.NONE))
                .isInstanceOf(Berth.UsageException.class)
                .hasMessageContaining("source.credentials.known_hosts: " + dir.resolve("nope") + " is not a file");
        Files.writeString(dir.resolve("known_hosts"), "x\n");
        EnvironmentFile noKey = file("name: dev\nsource:\n  repository: git@g:c.git\n  credentials:\n" + "    ssh_key: "
                + dir.resolve("key") + "\n    known_hosts: " + dir.resolve("known_hosts") + "\n");
        assertThatThrownBy(() -> run(noKey, Environments.Overrides.NONE, HostVariables.NONE))
                .isInstanceOf(Berth.UsageException.class)
                .hasMessageContaining(":5:14: source.credentials.ssh_key: " + dir.resolve("key") + " is not a file");
    }
}
