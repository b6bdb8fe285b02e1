package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.cli.EnvironmentFile.Credentials;
import dev.berth.cli.EnvironmentFile.Value;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.compose.UpdatePolicy;
import dev.berth.notifier.ChannelType;
import dev.berth.notifier.EventKind;
import dev.berth.notifier.Severity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Environment files: every key read, every bad input refused at its line with the key named. */
class EnvironmentFileReaderTest {
    private static final Path DEV = Path.of("environments/dev.yaml");
    private static final String MINIMAL = "name: dev\nsource:\n  repository: https://git.example.com/config.git\n";

    @TempDir
    Path dir;

    private static EnvironmentFile parse(String yaml) {
        return EnvironmentFileReader.parse(DEV, yaml);
    }

    private static ComposeException failure(String yaml) {
        try {
            parse(yaml);
        } catch (ComposeException e) {
            return e;
        }
        throw new AssertionError("expected a ComposeException for:\n" + yaml);
    }

    @Test
    void aMinimalFileTakesEveryDefault() {
        EnvironmentFile file = parse(MINIMAL);
        assertThat(file.name()).isEqualTo("dev");
        assertThat(file.source().repository()).isEqualTo("https://git.example.com/config.git");
        assertThat(file.source().branch()).isEqualTo("main");
        assertThat(file.source().stacksPath()).isEqualTo("stacks");
        assertThat(file.source().pollInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(file.source().credentials()).isEqualTo(new Credentials.None());
        assertThat(file.variables()).isEmpty();
        assertThat(file.docker().host()).isNull();
        assertThat(file.deploy().healthTimeout()).isNull();
        assertThat(file.deploy().updateDefaults()).isEqualTo(UpdatePolicy.DEFAULT);
        assertThat(file.deploy().policy()).isEqualTo(ComposePolicy.DEFAULT);
        assertThat(file.notifications().channels()).isEmpty();
        assertThat(file.notifications().routes()).isEmpty();
    }

    @Test
    void deployAdoptIsTrueOrFalseAndOffByDefault() {
        assertThat(parse(MINIMAL).deploy().adopt()).isFalse();
        assertThat(parse(MINIMAL + "deploy:\n  adopt: true\n").deploy().adopt()).isTrue();
        assertThat(parse(MINIMAL + "deploy:\n  adopt: false\n").deploy().adopt())
                .isFalse();
        ComposeException bad = failure(MINIMAL + "deploy:\n  adopt: yes please\n");
        assertThat(bad.getMessage())
                .isEqualTo("environments/dev.yaml:5:10: deploy.adopt \"yes please\" is not true or false: write"
                        + " deploy.adopt: true to let the first deployment of a service replace a container of its"
                        + " container_name that docker compose created, or false (the default) to refuse the"
                        + " deployment while one stands");
        // YAML 1.2, as everywhere in Berth: yes is a string, not a boolean.
        assertThat(failure(MINIMAL + "deploy: {adopt: yes}\n").getMessage())
                .startsWith("environments/dev.yaml:4:17: deploy.adopt \"yes\" is not true or false");
        assertThat(failure(MINIMAL + "deploy: {adpot: true}\n").getMessage()).contains("adpot");
    }

    @Test
    void deployAllowTakesEveryAllowanceThatAllowTakes() {
        List<String> every = List.of(
                "host-ipc",
                "host-uts",
                "host-userns",
                "host-cgroup",
                "join-container",
                "volume-device",
                "device-cgroup-rules",
                "oom-kill-disable",
                "cgroup-parent",
                "gpu",
                "cap:NET_ADMIN",
                "volume-driver:local-persist",
                "sysctl:kernel.core_pattern",
                "device:/dev/fuse",
                "runtime:runsc",
                "security-opt:seccomp");
        EnvironmentFile file = parse(MINIMAL + "deploy:\n  allow: [" + String.join(", ", every) + "]\n");
        assertThat(file.deploy().policy()).isEqualTo(ComposePolicy.parse(every));
        assertThat(file.deploy().policy().allowances()).containsExactlyInAnyOrderElementsOf(every);
        assertThat(AllInOne.describe(file.deploy().policy()))
                .startsWith("allows ")
                .contains("cap:NET_ADMIN", "join-container", "security-opt:seccomp", "device:/dev/fuse");
        assertThat(failure(MINIMAL + "deploy:\n  allow: [\"cap:ALL\"]\n").getMessage())
                .contains("deploy.allow: \"cap:ALL\" is not an allowance")
                .contains("needs privileged");
    }

    @Test
    void readsEveryKey() {
        EnvironmentFile file = parse("""
                name: dev
                x-common: &hook {type: webhook}
                source:
                  repository: git@git.example.com:acme/config.git
                  branch: release/dev
                  stacks_path: ./envs/dev/stacks/
                  poll_interval: 1m30s
                  credentials:
                    ssh_key: {secret: DEPLOY_KEY}
                    known_hosts: /etc/berth/known_hosts
                    passphrase: {file: /run/secrets/pass}
                variables:
                  DOMAIN: dev.example.com
                  REPLICAS: 2
                  DEBUG: true
                docker:
                  hosts: [tcp://docker.internal:2376]
                deploy:
                  health_timeout: 90s
                  update_config:
                    order: start-first
                    parallelism: 0
                    delay: 2s
                    monitor: 20s
                    failure_action: pause
                    max_failure_ratio: 0.5
                  allow: [privileged, bind:/srv/data]
                notifications:
                  channels:
                    chat: {type: slack, url: {secret: SLACK_URL}}
                    hook:
                      <<: *hook
                      url: https://hooks.example.com/berth
                      signing_secret: {secret: HOOK_KEY}
                      headers: {X-Team: platform, Authorization: {secret: TOKEN}}
                  routes:
                    - events: [failed, rolled_back]
                      min_severity: warning
                      channels: chat
                      template: "{{stack}} {{title}}"
                    - name: all
                      channels: [hook, chat]
                """);
        assertThat(file.source().branch()).isEqualTo("release/dev");
        assertThat(file.source().stacksPath()).isEqualTo("./envs/dev/stacks/");
        assertThat(file.source().pollInterval()).isEqualTo(Duration.ofSeconds(90));
        Credentials.SshKey ssh = (Credentials.SshKey) file.source().credentials();
        assertThat(ssh.key().name()).isEqualTo("DEPLOY_KEY");
        assertThat(ssh.knownHosts()).isEqualTo(Path.of("/etc/berth/known_hosts"));
        assertThat(ssh.passphrase().file()).isEqualTo(Path.of("/run/secrets/pass"));
        assertThat(file.variables())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("DOMAIN", "dev.example.com", "REPLICAS", "2", "DEBUG", "true"));
        assertThat(file.docker().host()).isEqualTo("tcp://docker.internal:2376");
        assertThat(file.deploy().healthTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(file.deploy().updateDefaults())
                .isEqualTo(new UpdatePolicy(
                        UpdatePolicy.Order.START_FIRST,
                        0,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(20),
                        UpdatePolicy.FailureAction.PAUSE,
                        0.5));
        assertThat(file.deploy().policy())
                .isEqualTo(new ComposePolicy(true, false, false, false, List.of("/srv/data")));
        assertThat(file.notifications().channels()).containsOnlyKeys("chat", "hook");
        EnvironmentFile.Channel hook = file.notifications().channels().get("hook");
        assertThat(hook.type()).isEqualTo(ChannelType.WEBHOOK);
        assertThat(hook.url()).isEqualTo(new Value.Plain("https://hooks.example.com/berth"));
        assertThat(hook.signingSecret().name()).isEqualTo("HOOK_KEY");
        assertThat(hook.headers()).containsOnlyKeys("X-Team", "Authorization");
        assertThat(file.notifications().routes())
                .extracting(EnvironmentFile.Route::name)
                .containsExactly("route-1", "all");
        EnvironmentFile.Route first = file.notifications().routes().get(0);
        assertThat(first.events()).containsExactlyInAnyOrder(EventKind.FAILED, EventKind.ROLLED_BACK);
        assertThat(first.minSeverity()).isEqualTo(Severity.WARNING);
        assertThat(first.channels()).containsExactly("chat");
        assertThat(first.template()).isEqualTo("{{stack}} {{title}}");
        assertThat(first.where().toString()).isEqualTo("environments/dev.yaml:37:7: notifications.routes[0]");
        assertThat(file.notifications().routes().get(1).events()).isEmpty();
    }

    @Test
    void anEnvironmentFileIsReadWithTheParsersLimits() {
        ComposeException deep = failure(MINIMAL + "x-deep: " + "{a: ".repeat(3000) + "1" + "}".repeat(3000) + "\n");
        assertThat(deep.file()).isEqualTo(DEV.toString());
        assertThat(deep.line()).isEqualTo(4);
        assertThat(deep.column()).isEqualTo(9 + 4 * 63);
        assertThat(deep.detail()).startsWith("values are nested more than 64 levels deep here");

        ComposeException second = failure(MINIMAL + "---\nname: prod\n");
        assertThat(second.line()).isEqualTo(4);
        assertThat(second.detail()).startsWith("a second YAML document starts here");
    }

    @Test
    void theRepositorysOwnEnvironmentFilesAreValid() throws IOException {
        Path environments = Path.of("..", "environments");
        List<Path> files;
        try (Stream<Path> list = Files.list(environments)) {
            files = list.sorted().toList();
        }
        assertThat(files).extracting(f -> f.getFileName().toString()).contains("dev.yaml", "staging.yaml", "prod.yaml");
        for (Path file : files) {
            EnvironmentFile environment = EnvironmentFileReader.read(file);
            assertThat(file.getFileName().toString()).isEqualTo(environment.name() + ".yaml");
            assertThat(environment.notifications().routes()).isNotEmpty();
        }
        assertThat(EnvironmentFileReader.read(environments.resolve("staging.yaml"))
                        .source()
                        .stacksPath())
                .isEqualTo("envs/staging/stacks");
        assertThat(EnvironmentFileReader.read(environments.resolve("prod.yaml"))
                        .source()
                        .credentials())
                .isInstanceOf(Credentials.SshKey.class);
    }

    static Stream<Arguments> badInputs() {
        String source = "source:\n  repository: r\n";
        return Stream.of(
                Arguments.of(
                        "name: dev\n" + source + "sorce: x\n",
                        "4:1: the environment file: unknown key \"sorce\":" + " did you mean \"source\"?"),
                Arguments.of(source, "1:1: the environment file: name is missing: add it, like name: dev"),
                Arguments.of("name: prod\n" + source, "1:7: name: \"prod\" does not match the file's name dev.yaml"),
                Arguments.of("name: Dev\n" + source, "1:7: name: environment name \"Dev\" is not valid"),
                Arguments.of("name: dev\n", "the environment file: source is missing"),
                Arguments.of("name: dev\nsource: {branch: main}\n", "2:1: source: repository is missing"),
                Arguments.of("name: dev\nsource: [a]\n", "2:9: source must be a mapping"),
                Arguments.of(
                        "name: dev\n" + source + "  poll_interval: soon\n",
                        "4:18: source: poll_interval \"soon\" is not a duration; write it like 10s, 1m30s or 500ms"),
                Arguments.of(
                        "name: dev\n" + source + "  poll_interval: 500ms\n",
                        "4:18: source.poll_interval must be at least 1s"),
                Arguments.of(
                        "name: dev\n" + source + "  branch: a..b\n",
                        "4:11: source: branch \"a..b\" is not a valid git branch name"),
                Arguments.of(
                        "name: dev\n" + source + "  stacks_path: ../x\n",
                        "4:16: source: stacks path \"../x\" is not valid"),
                Arguments.of(
                        "name: dev\n" + source + "  credentials:\n    token: ghp_s3cr3t\n",
                        "5:12: source.credentials.token must be a secret reference, never the secret itself"),
                Arguments.of(
                        "name: dev\n" + source + "  credentials:\n    token: {secret: T}\n    password: {secret: P}\n",
                        "4:3: source.credentials mixes ways to authenticate"),
                Arguments.of(
                        "name: dev\n" + source + "  credentials: {}\n",
                        "4:3: source.credentials names no way to authenticate"),
                Arguments.of(
                        "name: dev\n" + source + "  credentials:\n    password: {secret: P}\n",
                        "4:3: source.credentials: username is missing"),
                Arguments.of(
                        "name: dev\n" + source + "  credentials:\n    ssh_key: /k\n",
                        "4:3: source.credentials: known_hosts is missing"),
                Arguments.of(
                        "name: dev\n" + source + "  credentials:\n    ssh_key: /k\n    known_hosts: /h\n"
                                + "    username: git\n",
                        "7:5: source.credentials.username is not used with an SSH key"),
                Arguments.of(
                        "name: dev\n" + source + "  credentials:\n    token: {secret: T, file: /f}\n",
                        "5:12: source.credentials.token takes exactly one of secret: NAME or file: /path"),
                Arguments.of(
                        "name: dev\n" + source + "  credentials:\n    token: {secret: my-token}\n",
                        "5:21: source.credentials.token.secret: \"my-token\" is not a variable name"),
                Arguments.of(
                        "name: dev\n" + source + "  credentials:\n    token: {secrt: T}\n",
                        "5:13: source.credentials.token: unknown key \"secrt\": did you mean \"secret\"?"),
                Arguments.of(
                        "name: dev\n" + source + "variables:\n  my-var: x\n",
                        "5:3: variables: \"my-var\" is not a variable name"),
                Arguments.of(
                        "name: dev\n" + source + "variables:\n  A: [x]\n", "5:6: variables.A must be a single value"),
                Arguments.of("name: dev\n" + source + "variables: [A=1]\n", "4:12: variables must be a mapping"),
                Arguments.of(
                        "name: dev\n" + source + "docker:\n  host: /var/run/docker.sock\n",
                        "5:9: docker.host \"/var/run/docker.sock\" is not a Docker endpoint"),
                Arguments.of(
                        "name: dev\n" + source + "docker:\n  hosts: [tcp://a:2376, tcp://b:2376]\n",
                        "5:3: docker.hosts lists 2 engines"),
                Arguments.of(
                        "name: dev\n" + source + "docker:\n  host: tcp://a:1\n  hosts: [tcp://b:1]\n",
                        "6:3: docker: give host or hosts, not both"),
                Arguments.of(
                        "name: dev\n" + source + "deploy:\n  health_timeout: 0s\n",
                        "5:19: deploy.health_timeout must be longer than 0s"),
                Arguments.of(
                        "name: dev\n" + source + "deploy:\n  healthtimeout: 1m\n",
                        "5:3: deploy: unknown key \"healthtimeout\": did you mean \"health_timeout\"?"),
                Arguments.of(
                        "name: dev\n" + source + "deploy:\n  update_config: {order: rolling}\n",
                        "5:26: deploy.update_config.order \"rolling\" is not valid: use stop-first or start-first"),
                Arguments.of(
                        "name: dev\n" + source + "deploy:\n  update_config: {parallelism: -1}\n",
                        "5:32: deploy.update_config.parallelism \"-1\" is not valid"),
                Arguments.of(
                        "name: dev\n" + source + "deploy:\n  update_config: {max_failure_ratio: 2}\n",
                        "5:38: deploy.update_config.max_failure_ratio \"2\" is not valid"),
                Arguments.of(
                        "name: dev\n" + source + "deploy:\n  update_config: {failure_action: retry}\n",
                        "deploy.update_config.failure_action \"retry\" is not valid: use rollback (Berth's default), pause or continue"),
                Arguments.of(
                        "name: dev\n" + source + "deploy:\n  update_config: {delay: 5}\n",
                        "5:26: deploy.update_config: delay \"5\" is not a duration"),
                Arguments.of(
                        "name: dev\n" + source + "deploy:\n  allow: [root]\n",
                        "5:11: deploy.allow: \"root\" is not an allowance"),
                Arguments.of(
                        "name: dev\n" + source + "deploy:\n  allow: privileged\n", "5:10: deploy.allow must be a list"),
                Arguments.of(
                        "name: dev\n" + source + "notifications:\n  channels:\n    chat: {type: irc, url: https://x}\n",
                        "6:18: notifications.channels.chat.type: unknown channel type \"irc\""),
                Arguments.of(
                        "name: dev\n" + source + "notifications:\n  channels:\n    chat: {type: slack}\n",
                        "6:5: notifications.channels.chat: url is missing"),
                Arguments.of(
                        "name: dev\n" + source + "notifications:\n  channels:\n    chat: {type: slack, url: ftp://x}\n",
                        "6:30: notifications.channels.chat.url \"ftp://x\" is not an http(s) URL"),
                Arguments.of(
                        "name: dev\n" + source + "notifications:\n  channels:\n"
                                + "    chat: {type: slack, url: https://x, signing_secret: {secret: K}}\n",
                        "6:41: notifications.channels.chat.signing_secret signs generic webhooks only"),
                Arguments.of(
                        "name: dev\n" + source + "notifications:\n  channels:\n"
                                + "    hook: {type: webhook, url: https://x, signing_secret: k3y}\n",
                        "6:59: notifications.channels.hook.signing_secret must be a secret reference"),
                Arguments.of(
                        "name: dev\n" + source + "notifications:\n  channels:\n"
                                + "    hook: {type: webhook, url: https://x, headers: {Host: h}}\n",
                        "6:43: notifications.channels.hook.headers: \"Host\" is set by the notifier itself"),
                Arguments.of(
                        "name: dev\n" + source
                                + "notifications:\n  channels:\n    chat: {type: slack, url: https://x}\n"
                                + "  routes:\n    - channels: [chta]\n",
                        "8:18: notifications.routes[0].channels: \"chta\" is not a channel of this file: did you mean"
                                + " \"chat\"?"),
                Arguments.of(
                        "name: dev\n" + source + "notifications:\n  routes:\n    - channels: [chat]\n",
                        "6:18: notifications.routes[0].channels: \"chat\" is not a channel of this file: declare it"
                                + " under notifications.channels"),
                Arguments.of(
                        "name: dev\n" + source
                                + "notifications:\n  channels:\n    chat: {type: slack, url: https://x}\n"
                                + "  routes:\n    - {channels: [chat], events: [failled]}\n",
                        "8:35: notifications.routes[0].events: \"failled\" is not an event kind: did you mean"
                                + " \"failed\"?"),
                Arguments.of(
                        "name: dev\n" + source
                                + "notifications:\n  channels:\n    chat: {type: slack, url: https://x}\n"
                                + "  routes:\n    - {channels: [chat], min_severity: loud}\n",
                        "8:40: notifications.routes[0].min_severity: unknown severity \"loud\""),
                Arguments.of(
                        "name: dev\n" + source
                                + "notifications:\n  channels:\n    chat: {type: slack, url: https://x}\n"
                                + "  routes:\n    - {channels: [chat], environments: [prod]}\n",
                        "notifications.routes[0].environments is not used in an environment file"),
                Arguments.of(
                        "name: dev\n" + source
                                + "notifications:\n  channels:\n    chat: {type: slack, url: https://x}\n"
                                + "  routes:\n    - {channels: [chat], template: '{{#stack}}'}\n",
                        "8:36: notifications.routes[0].template does not compile"),
                Arguments.of(
                        "name: dev\n" + source
                                + "notifications:\n  channels:\n    chat: {type: slack, url: https://x}\n"
                                + "  routes:\n    - {name: a, channels: [chat]}\n    - {name: a, channels: [chat]}\n",
                        "9:7: notifications.routes[1]: the route name \"a\" is used twice"),
                Arguments.of(
                        "name: dev\nsource: {repository: r, repository: s}\n",
                        "2:25: duplicate key \"repository\" in source"),
                Arguments.of("name: dev\nsource: {repository: [r\n", "not valid YAML"));
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void refusesBadInputAtItsLineNamingTheKey(String yaml, String message) {
        ComposeException e = failure(yaml);
        assertThat(e.getMessage()).startsWith("environments/dev.yaml:").contains(message);
    }

    @Test
    void aSecretWrittenInClearIsNeverQuoted() {
        ComposeException e = failure(MINIMAL + "  credentials:\n    username: u\n    password: hunter2-s3cr3t\n");
        assertThat(e.getMessage())
                .contains("source.credentials.password must be a secret reference")
                .doesNotContain("hunter2");
    }

    @Test
    void anEmptyFileOrAWrongFileNameIsRefused() {
        assertThat(failure("  \n").getMessage())
                .isEqualTo("environments/dev.yaml: is empty: write at least name: dev and source.repository");
        assertThatThrownBy(() -> EnvironmentFileReader.parse(Path.of("dev.json"), MINIMAL))
                .hasMessageContaining("an environment file's name is <environment>.yaml");
        assertThatThrownBy(() -> EnvironmentFileReader.read(dir.resolve("missing.yaml")))
                .hasMessageContaining("missing.yaml: does not exist");
    }

    @Test
    void secretsResolveFromTheHostThenFilesAndNameOnlyTheReference() throws IOException {
        EnvironmentFile.Where where =
                new EnvironmentFile.Where("environments/dev.yaml:5:12", "source.credentials.token");
        HostVariables host = new HostVariables(Map.of("GIT_TOKEN", "t0ken-value"));
        assertThat(SecretRef.variable("GIT_TOKEN", where).resolve(host)).isEqualTo("t0ken-value");
        assertThatThrownBy(() -> SecretRef.variable("OTHER", where).resolve(host))
                .isInstanceOf(Berth.UsageException.class)
                .hasMessage("environments/dev.yaml:5:12: source.credentials.token: secret OTHER is not set: put"
                        + " OTHER=<value> in --secrets-file, or set it in Berth's environment");
        Path file = dir.resolve("token");
        Files.writeString(file, "from-a-file\n");
        assertThat(SecretRef.file(file, where).resolve(host)).isEqualTo("from-a-file");
        assertThatThrownBy(() -> SecretRef.file(dir.resolve("nope"), where).resolve(host))
                .hasMessageContaining(
                        "source.credentials.token: secret file " + dir.resolve("nope") + " does not" + " exist");
    }

    @Test
    void routesAndChannelsAreNamedPerEnvironmentForTheNotifier() {
        EnvironmentFile dev = parse(MINIMAL + """
                notifications:
                  channels:
                    chat: {type: slack, url: {secret: SLACK}}
                  routes:
                    - {name: fails, events: [failed], channels: [chat]}
                """);
        EnvironmentFile prod = EnvironmentFileReader.parse(Path.of("environments/prod.yaml"), """
                name: prod
                source: {repository: r}
                notifications:
                  channels:
                    chat: {type: slack, url: https://hooks.example.com/prod}
                  routes:
                    - {name: fails, channels: [chat]}
                """);
        var config = Environments.notifier(
                List.of(dev, prod),
                new HostVariables(Map.of("SLACK", "https://hooks.example.com/dev")),
                List.of(),
                List.of());
        assertThat(config.channels()).extracting(c -> c.name()).containsExactly("dev.chat", "prod.chat");
        assertThat(config.channels().get(0).url().toString()).isEqualTo("https://hooks.example.com/dev");
        assertThat(config.routes()).extracting(r -> r.name()).containsExactly("dev.fails", "prod.fails");
        assertThat(config.routes().get(0).environments()).isEqualTo(Set.of("dev"));
        assertThat(config.routes().get(0).channels()).containsExactly("dev.chat");
        assertThat(config.routes().get(1).matches("dev", EventKind.FAILED)).isFalse();
        assertThat(config.routes().get(1).matches("prod", EventKind.FAILED)).isTrue();
    }
}
