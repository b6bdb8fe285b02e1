package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.compose.UpdatePolicy;
import dev.berth.deployer.DeployerConfig;
import dev.berth.notifier.ChannelConfig;
import dev.berth.notifier.NotifierConfig;
import dev.berth.notifier.RouteConfig;
import dev.berth.watcher.WatcherConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code berth watcher|deployer|notifier} with environment files: the same options as {@code berth run},
 * the same translation, a selection of environments, and conflicting input refused before Kafka.
 */
class ServiceEnvironmentFilesTest {
    private static final String SERVERS = "127.0.0.1:1";

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private Path environments;

    @BeforeEach
    void files() throws IOException {
        environments = Files.createDirectories(dir.resolve("environments"));
        write("dev", """
                name: dev
                source: {repository: https://git.example.com/config.git, branch: develop, poll_interval: 30s}
                docker: {host: "tcp://dev.internal:2376"}
                deploy:
                  health_timeout: 5m
                  update_config: {order: start-first}
                  allow: [host-pid]
                  adopt: true
                notifications:
                  channels:
                    chat: {type: slack, url: {secret: DEV_SLACK}}
                  routes:
                    - {name: failures, events: [failed], channels: [chat]}
                """);
        write("prod", """
                name: prod
                source: {repository: https://git.example.com/config.git, branch: prod}
                notifications:
                  channels:
                    hook: {type: webhook, url: "https://hooks.example.com/prod"}
                  routes:
                    - {channels: [hook]}
                """);
    }

    private Path write(String name, String yaml) throws IOException {
        return Files.writeString(environments.resolve(name + ".yaml"), yaml);
    }

    private int run(String... args) {
        var cli = Berth.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** The command object after picocli parsed the arguments, as {@code call()} sees it. */
    private static <T> T parse(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }

    private List<String> args(String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap-servers",
                SERVERS,
                "--data-dir",
                dir.resolve("data").toString()));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void everyServiceTakesRunsEnvironmentFileOptionsWithTheSameDescriptions() {
        var run = Berth.commandLine().getSubcommands().get("run").getCommandSpec();
        for (String role : List.of("watcher", "deployer", "notifier")) {
            var spec = Berth.commandLine().getSubcommands().get(role).getCommandSpec();
            for (String option : List.of("--environments", "--environment-file")) {
                OptionSpec mine = spec.findOption(option);
                assertThat(mine).as(role + " " + option).isNotNull();
                assertThat(mine.description()).isEqualTo(run.findOption(option).description());
                assertThat(mine.paramLabel()).isEqualTo(run.findOption(option).paramLabel());
            }
            assertThat(run(role, "--help")).isZero();
            assertThat(out.toString()).contains("--environments=<dir>", "--environment-file=<file>");
        }
    }

    @Test
    void aDeployerRunsOneWorkerPerEnvironmentWithTheFilesValues() {
        DeployerCommand deployer = parse(
                new DeployerCommand(),
                args("--environments", environments.toString()).toArray(String[]::new));
        List<DeployerConfig> configs = deployer.configs();
        assertThat(configs)
                .extracting(DeployerConfig::groupId)
                .containsExactly("berth-deployer-dev", "berth-deployer-prod");
        DeployerConfig dev = configs.get(0);
        assertThat(dev.environments()).containsExactly("dev");
        assertThat(dev.dockerHost()).isEqualTo("tcp://dev.internal:2376");
        assertThat(dev.healthTimeout()).hasMinutes(5);
        assertThat(dev.updateDefaults().order()).isEqualTo(UpdatePolicy.Order.START_FIRST);
        assertThat(dev.policy().hostPid()).isTrue();
        assertThat(dev.adopt()).isTrue();
        assertThat(dev.workDir()).isEqualTo(dir.resolve("data/stacks").toAbsolutePath());
        // prod sets none of these: the defaults, as `berth run` gives them.
        assertThat(configs.get(1).healthTimeout()).isEqualTo(DeployerConfig.DEFAULT_HEALTH_TIMEOUT);
        assertThat(configs.get(1).policy().hostPid()).isFalse();
        assertThat(configs.get(1).adopt()).isFalse();
        // The same mapping as `berth run`'s, which makes both a watcher and a deployer of a file.
        List<EnvironmentFile> files = Environments.read(Environments.list(environments));
        assertThat(configs.get(0))
                .isEqualTo(Environments.fromFile(
                                files.get(0),
                                Environments.Overrides.NONE,
                                dir.resolve("data").toAbsolutePath(),
                                System.getenv("DOCKER_HOST"),
                                DeployerConfig.DEFAULT_HEALTH_TIMEOUT,
                                configs.get(0).hostVariables(),
                                dir.resolve("data/stacks").toAbsolutePath(),
                                null)
                        .deployer());
    }

    @Test
    void adoptOnFlagsAloneAdopts() {
        assertThat(parse(
                                new DeployerCommand(),
                                args("--environment", "dev", "--adopt").toArray(String[]::new))
                        .configs())
                .singleElement()
                .satisfies(c -> assertThat(c.adopt()).isTrue());
        assertThat(parse(new DeployerCommand(), args("--environment", "dev").toArray(String[]::new))
                        .configs())
                .singleElement()
                .satisfies(c -> assertThat(c.adopt()).isFalse());
    }

    @Test
    void environmentSelectsWhichEnvironmentsOfTheFilesAServiceServes() throws IOException {
        Path single = environments.resolve("prod.yaml");
        DeployerCommand deployer = parse(
                new DeployerCommand(),
                args("--environments", environments.toString(), "--environment", "prod")
                        .toArray(String[]::new));
        assertThat(deployer.configs()).extracting(DeployerConfig::groupId).containsExactly("berth-deployer-prod");

        WatcherCommand watcher = parse(
                new WatcherCommand(),
                args(
                                "--environment-file",
                                single.toString(),
                                "--environment-file",
                                environments.resolve("dev.yaml").toString())
                        .toArray(String[]::new));
        assertThat(watcher.configs())
                .extracting(WatcherConfig::environment, WatcherConfig::branch)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("prod", "prod"),
                        org.assertj.core.groups.Tuple.tuple("dev", "develop"));
        WatcherCommand devOnly = parse(
                new WatcherCommand(),
                args("--environments", environments.toString(), "--environment", "dev")
                        .toArray(String[]::new));
        assertThat(devOnly.configs()).singleElement().satisfies(c -> {
            assertThat(c.environment()).isEqualTo("dev");
            assertThat(c.pollInterval()).hasSeconds(30);
            assertThat(c.policy().hostPid()).isTrue();
        });
    }

    @Test
    void theNotifierTakesEachEnvironmentsChannelsAndRoutesWithSecretsFromTheSecretsFile() throws IOException {
        Path secrets =
                Files.writeString(dir.resolve("secrets.env"), "DEV_SLACK=https://hooks.slack.example/T0/B0/s3cr3t\n");
        NotifierCommand notifier = parse(
                new NotifierCommand(),
                args("--environments", environments.toString(), "--secrets-file", secrets.toString())
                        .toArray(String[]::new));
        NotifierConfig config = notifier.config(List.of(), List.of(URI.create("https://hooks.example.com/all")));
        assertThat(config.channels()).extracting(ChannelConfig::name).contains("dev.chat", "prod.hook");
        assertThat(config.channels())
                .filteredOn(c -> c.name().equals("dev.chat"))
                .singleElement()
                .satisfies(c -> assertThat(c.url()).isEqualTo(URI.create("https://hooks.slack.example/T0/B0/s3cr3t")));
        assertThat(config.routes())
                .filteredOn(r -> r.name().startsWith("dev.") || r.name().startsWith("prod."))
                .extracting(RouteConfig::name, RouteConfig::environments)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("dev.failures", Set.of("dev")),
                        org.assertj.core.groups.Tuple.tuple("prod.route-1", Set.of("prod")));
        // The flags' webhook is added for every environment, as `berth run` adds it.
        assertThat(config.channels()).hasSizeGreaterThan(2);

        NotifierCommand prodOnly = parse(
                new NotifierCommand(),
                args("--environments", environments.toString(), "--environment", "prod")
                        .toArray(String[]::new));
        // dev's secret is not needed by a notifier that does not serve dev.
        assertThat(prodOnly.config(List.of(), List.of()).channels())
                .extracting(ChannelConfig::name)
                .containsExactly("prod.hook");
    }

    @Test
    void eachServiceResolvesOnlyTheSecretsOfItsOwnPart() throws IOException {
        String variable =
                "BERTH_TEST_GIT_TOKEN_" + Long.toHexString(System.nanoTime()).toUpperCase();
        Path git = write("git", """
                name: git
                source:
                  repository: https://git.example.com/config.git
                  credentials: {token: {secret: %s}}
                notifications:
                  channels:
                    chat: {type: slack, url: {secret: %s_SLACK}}
                  routes:
                    - {channels: [chat]}
                """.formatted(variable, variable));
        // The deployer needs neither the git token nor the channel's URL.
        DeployerCommand deployer = parse(
                new DeployerCommand(),
                args("--environment-file", git.toString()).toArray(String[]::new));
        assertThat(deployer.configs()).extracting(DeployerConfig::groupId).containsExactly("berth-deployer-git");
        // The watcher needs the token, and says where to put it.
        assertThat(run("watcher", "--bootstrap-servers", SERVERS, "--environment-file", git.toString()))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains(git + ":4:", "source.credentials.token", "secret " + variable + " is not set")
                .doesNotContain("_SLACK");
        Path secrets = Files.writeString(dir.resolve("watcher.env"), variable + "=t0ken-value\n");
        WatcherCommand watcher = parse(
                new WatcherCommand(),
                args("--environment-file", git.toString(), "--secrets-file", secrets.toString())
                        .toArray(String[]::new));
        assertThat(watcher.configs())
                .singleElement()
                .satisfies(c ->
                        assertThat(c.credentials()).isEqualTo(dev.berth.watcher.GitCredentials.token("t0ken-value")));
    }

    @Test
    void aMissingSecretNamesTheKeyAndWhereToPutItNeverAValue() {
        assertThat(run(
                        "notifier",
                        "--bootstrap-servers",
                        SERVERS,
                        "--environment-file",
                        environments.resolve("dev.yaml").toString()))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("notifications.channels.chat", "secret DEV_SLACK is not set", "--secrets-file");
    }

    @Test
    void flagsTheFilesSetAreRefusedNamingTheKey() {
        String dirArg = environments.toString();
        assertThat(run("watcher", "--bootstrap-servers", SERVERS, "--environments", dirArg, "--repo", "/r"))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("berth: --repo cannot be combined with environment files, which set source.repository")
                .contains(environments.resolve("dev.yaml").toString())
                .contains("leave out --environments and --environment-file");
        for (List<String> given : List.of(
                List.of("watcher", "--branch", "main"),
                List.of("watcher", "--poll-interval", "1s"),
                List.of("watcher", "--allow", "privileged"),
                List.of("deployer", "--docker-host", "tcp://x:2375"),
                List.of("deployer", "--health-timeout", "1m"),
                List.of("deployer", "--allow", "host-pid"),
                List.of("deployer", "--adopt"))) {
            err.getBuffer().setLength(0);
            List<String> args = new ArrayList<>(List.of(given.get(0), "--bootstrap-servers", SERVERS));
            args.addAll(List.of("--environments", dirArg));
            args.addAll(given.subList(1, given.size()));
            assertThat(run(args.toArray(String[]::new))).as(given.toString()).isEqualTo(2);
            assertThat(err.toString()).contains(given.get(1) + " cannot be combined with environment files");
        }
    }

    @Test
    void anUnknownSelectedEnvironmentIsAUsageErrorNamingTheDeclaredOnes() {
        for (String role : List.of("watcher", "deployer", "notifier")) {
            err.getBuffer().setLength(0);
            assertThat(run(
                            role,
                            "--bootstrap-servers",
                            SERVERS,
                            "--environments",
                            environments.toString(),
                            "--environment",
                            "qa"))
                    .as(role)
                    .isEqualTo(2);
            assertThat(err.toString())
                    .contains("--environment qa: no environment file declares qa")
                    .contains("dev (" + environments.resolve("dev.yaml") + ")")
                    .contains("give one of dev, prod");
        }
    }

    @Test
    void aFileThatFailsValidationStopsEveryServiceWithItsLineAndColumn() throws IOException {
        Path bad = write("staging", "name: staging\nsource:\n  repository: r\n  brnach: main\n");
        for (String role : List.of("watcher", "deployer", "notifier")) {
            err.getBuffer().setLength(0);
            assertThat(run(role, "--bootstrap-servers", SERVERS, "--environment-file", bad.toString()))
                    .as(role)
                    .isEqualTo(2);
            assertThat(err.toString()).contains(bad + ":4:3").contains("did you mean \"branch\"");
        }
    }

    @Test
    void onFlagsAloneAServiceServesOneEnvironmentAsBefore() {
        DeployerCommand deployer = parse(new DeployerCommand(), args().toArray(String[]::new));
        assertThat(deployer.configs()).singleElement().satisfies(c -> {
            assertThat(c.groupId()).isEqualTo("berth-deployer-dev");
            assertThat(c.healthTimeout()).isEqualTo(DeployerConfig.DEFAULT_HEALTH_TIMEOUT);
        });
        DeployerCommand staging =
                parse(new DeployerCommand(), args("--environment", "staging").toArray(String[]::new));
        assertThat(staging.configs())
                .singleElement()
                .extracting(DeployerConfig::groupId)
                .isEqualTo("berth-deployer-staging");
        WatcherCommand watcher = parse(
                new WatcherCommand(),
                args("--repo", "https://git.example.com/c.git", "--environment", "qa", "--branch", "x")
                        .toArray(String[]::new));
        assertThat(watcher.configs())
                .singleElement()
                .extracting(WatcherConfig::environment, WatcherConfig::branch, WatcherConfig::stacksPath)
                .containsExactly("qa", "x", WatcherConfig.DEFAULT_STACKS_PATH);

        assertThat(run("deployer", "--bootstrap-servers", SERVERS, "--environment", "a", "--environment", "b"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--environment is given 2 times");
        err.getBuffer().setLength(0);
        assertThat(run("watcher", "--bootstrap-servers", SERVERS)).isEqualTo(2);
        assertThat(err.toString()).contains("give --repo (the config repository), or environment files");
        err.getBuffer().setLength(0);
        assertThat(run("notifier", "--bootstrap-servers", SERVERS, "--environment", "dev"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--environment selects environments of environment files");
        for (List<String> role : List.of(List.of("watcher", "--repo", "/r"), List.of("notifier"))) {
            err.getBuffer().setLength(0);
            List<String> args = new ArrayList<>(role);
            args.addAll(List.of("--bootstrap-servers", SERVERS, "--secrets-file", "s.env"));
            assertThat(run(args.toArray(String[]::new))).as(role.get(0)).isEqualTo(2);
            assertThat(err.toString()).contains("--secrets-file holds the secrets environment files name");
        }
    }

    @Test
    void pushWebhooksServeOneEnvironmentOfAWatcher() throws IOException {
        Path secret = Files.writeString(dir.resolve("hook-secret"), "0123456789abcdef0123\n");
        assertThat(run(
                        "watcher",
                        "--bootstrap-servers",
                        SERVERS,
                        "--environments",
                        environments.toString(),
                        "--webhook-secret-file",
                        secret.toString()))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("--webhook-listen serves one environment")
                .contains("select one with --environment");
        WatcherCommand one = parse(
                new WatcherCommand(),
                args(
                                "--environments",
                                environments.toString(),
                                "--environment",
                                "prod",
                                "--webhook-secret-file",
                                secret.toString())
                        .toArray(String[]::new));
        assertThat(one.configs())
                .singleElement()
                .satisfies(c -> assertThat(c.webhook()).isNotNull());
    }

    @Test
    void selectingIsIndependentOfTheCommand() {
        List<EnvironmentFile> files = Environments.read(Environments.list(environments));
        assertThat(Environments.select(files, List.of(), "--environment")).isEqualTo(files);
        assertThat(Environments.select(files, List.of("prod", "dev"), "--environment"))
                .extracting(EnvironmentFile::name)
                .containsExactly("dev", "prod");
        assertThatThrownBy(() -> Environments.select(files, List.of("dev", "qa"), "--environment"))
                .isInstanceOf(Berth.UsageException.class)
                .hasMessageContaining("no environment file declares qa");
    }
}
