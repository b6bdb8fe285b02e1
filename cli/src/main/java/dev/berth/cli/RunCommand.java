package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.HostVariables;
import dev.berth.notifier.NotifierConfig;
import dev.berth.watcher.WebhookConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth run}: watcher, deployer and notifier in one process, on an embedded broker by default. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run the whole pipeline in one process: watch a config repository, deploy its stacks to the local"
                    + " Docker Engine, and report outcomes.",
            "With --environments or --environment-file it runs each environment those files declare, one"
                    + " watcher and one deployer worker each (or those --environment selects; see"
                    + " docs/environments.md). Flags given as well override"
                    + " (or, for --allow, --webhook and --slack-webhook, add to) every file's value.",
            "Without --bootstrap-servers it starts an embedded Kafka whose data lives in --data-dir.",
            "Ctrl-C stops Berth; deployed containers keep running."
        })
final class RunCommand implements Callable<Integer> {
    @Mixin
    EnvironmentFileOptions environmentFiles = new EnvironmentFileOptions();

    @Mixin
    EnvironmentSelection selection = new EnvironmentSelection();

    @Option(
            names = "--repo",
            paramLabel = "<path-or-url>",
            description = "The config repository: a local path or a git URL (required without environment files).")
    @Nullable
    String repository;

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "<host:port>",
            description = "An external Kafka; without it Berth runs an embedded broker.")
    @Nullable
    String bootstrapServers;

    @Option(
            names = "--webhook",
            paramLabel = "<url>",
            description = "Post every deployment event as CloudEvents JSON to this URL (repeatable).")
    List<URI> webhooks = new ArrayList<>();

    @Option(
            names = "--slack-webhook",
            paramLabel = "<url>",
            description = "Post outcomes to this Slack-compatible incoming webhook (repeatable).")
    List<URI> slackWebhooks = new ArrayList<>();

    @Option(
            names = "--data-dir",
            paramLabel = "<dir>",
            description = "Where Berth keeps the embedded broker's data, repository mirrors and the files of"
                    + " deployed stacks (under stacks/)"
                    + " (default: $BERTH_DATA_DIR, else $XDG_DATA_HOME/berth, else ~/.local/share/berth).")
    @Nullable
    Path dataDir;

    @Option(
            names = "--health-timeout",
            defaultValue = "2m",
            paramLabel = "<duration>",
            converter = DurationConverter.class,
            description = "How long a new container may take to turn healthy (default: ${DEFAULT-VALUE}).")
    Duration healthTimeout = Duration.ofMinutes(2);

    @Option(
            names = "--kafka-startup-timeout",
            defaultValue = "2m",
            paramLabel = "<duration>",
            converter = DurationConverter.class,
            description = "How long to wait for Kafka at start before giving up (default: ${DEFAULT-VALUE}).")
    Duration kafkaStartupTimeout = Duration.ofMinutes(2);

    @Option(
            names = "--ops-port",
            defaultValue = "8484",
            paramLabel = "<port>",
            description =
                    "Port on 127.0.0.1 for /health, /ready and /metrics; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int opsPort = 8484;

    @Option(
            names = "--docker-host",
            paramLabel = "<url>",
            description = "Docker Engine to deploy to (default: $DOCKER_HOST, else the local socket).")
    @Nullable
    String dockerHost;

    @Option(
            names = "--secrets-file",
            paramLabel = "<file>",
            description = {
                "A file of NAME=value lines (the .env format) with the variables this host provides to stacks,"
                        + " such as passwords: a variable that neither the environment nor a stack's .env sets is"
                        + " taken from this file, else from Berth's own environment, when the stack is deployed.",
                "Values are never published, logged or notified."
            })
    @Nullable
    Path secretsFile;

    @Mixin
    SourceOptions source = new SourceOptions();

    @Mixin
    WebhookOptions webhookOptions = new WebhookOptions();

    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Mixin
    AdoptOption adoptOption = new AdoptOption();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // Bad input fails here, before anything starts.
        ComposePolicy policy = policyOptions.policy();
        HostVariables hostVariables = HostSecrets.load(secretsFile, System.getenv());
        WebhookConfig webhook = webhookOptions.config();
        Path dir =
                dataDir != null ? dataDir : DataDirs.defaultDataDir(System.getenv(), System.getProperty("user.home"));
        String defaultDocker = System.getenv("DOCKER_HOST");
        Path absoluteDir = dir.toAbsolutePath();
        Path workDir = AllInOne.Settings.workDir(absoluteDir);
        List<Environments.Run> environments;
        NotifierConfig notifier;
        if (!environmentFiles.given()) {
            if (repository == null) {
                throw new Berth.UsageException("give --repo (the config repository), or environment files with"
                        + " --environments <dir> or --environment-file <file>");
            }
            Environments.Run run = Environments.fromFlags(
                    repository,
                    source.branch,
                    selection.single(),
                    source.pollInterval,
                    absoluteDir,
                    policy,
                    webhook,
                    dockerHost != null ? dockerHost : defaultDocker,
                    healthTimeout,
                    hostVariables,
                    workDir);
            environments = List.of(
                    new Environments.Run(run.watcher(), run.deployer().withAdopt(adoptOption.adopt), run.file()));
            notifier = Environments.notifier(List.of(), hostVariables, webhooks, slackWebhooks);
        } else {
            List<EnvironmentFile> files = selection.select(environmentFiles.read());
            if (webhook != null && files.size() > 1) {
                throw new Berth.UsageException("--webhook-listen serves one environment in this version, and "
                        + files.size() + " environments are given: select one with --environment <name> (one berth"
                        + " per environment takes push webhooks), or leave --webhook-listen out (the watchers poll)");
            }
            Environments.Overrides overrides = new Environments.Overrides(
                    repository,
                    given("--branch") ? source.branch : null,
                    given("--poll-interval") ? source.pollInterval : null,
                    dockerHost,
                    given("--health-timeout") ? healthTimeout : null,
                    policyOptions.allowances,
                    adoptOption.adopt);
            List<Environments.Run> runs = new ArrayList<>();
            for (EnvironmentFile file : files) {
                runs.add(Environments.fromFile(
                        file, overrides, absoluteDir, defaultDocker, healthTimeout, hostVariables, workDir, webhook));
            }
            environments = runs;
            notifier = Environments.notifier(files, hostVariables, webhooks, slackWebhooks);
        }
        AllInOne.Settings settings = new AllInOne.Settings(
                environments,
                notifier,
                bootstrapServers,
                absoluteDir,
                kafkaStartupTimeout,
                opsPort,
                hostVariables,
                secretsFile);
        try (AllInOne pipeline = new AllInOne(settings)) {
            pipeline.start();
            Runtime.getRuntime().addShutdownHook(new Thread(pipeline::stop, "berth-shutdown"));
            pipeline.awaitStop();
            pipeline.failure().ifPresent(message -> {
                throw new BerthException(message);
            });
        }
        return 0;
    }

    /** True when the flag was given on the command line (not its default). */
    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }
}
