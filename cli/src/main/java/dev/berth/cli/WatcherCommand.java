package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.Service;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.watcher.Watcher;
import dev.berth.watcher.WatcherConfig;
import dev.berth.watcher.WebhookConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code berth watcher}: the watcher alone, publishing to an external Kafka: one environment of flags,
 * or one watcher per environment of the environment files.
 */
@Command(
        name = "watcher",
        mixinStandardHelpOptions = true,
        description = {
            "Run the watcher alone: poll a config repository and publish each changed stack to Kafka.",
            "Runs one per environment and repository; deployers and notifiers read what it publishes.",
            "With --environments or --environment-file it watches the source of each environment those files"
                    + " declare (or of those --environment selects), as `berth run` does. The files then set the"
                    + " repository, branch, poll interval and allowances: --repo, --branch, --poll-interval and"
                    + " --allow are refused (see docs/environments.md)."
        })
final class WatcherCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger("dev.berth.cli");

    @Option(
            names = "--repo",
            paramLabel = "<path-or-url>",
            description = "The config repository: a local path or a git URL (required without environment files).")
    @Nullable
    String repository;

    @Option(
            names = "--secrets-file",
            paramLabel = "<file>",
            description = "A file of NAME=value lines holding the secrets environment files name with {secret: NAME}"
                    + " (git credentials), else taken from Berth's environment. Values are never logged.")
    @Nullable
    Path secretsFile;

    @Mixin
    ServiceOptions service = new ServiceOptions();

    @Mixin
    EnvironmentFileOptions environmentFiles = new EnvironmentFileOptions();

    @Mixin
    EnvironmentSelection selection = new EnvironmentSelection();

    @Mixin
    SourceOptions source = new SourceOptions();

    @Mixin
    WebhookOptions webhookOptions = new WebhookOptions();

    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Override
    public Integer call() throws Exception {
        List<WatcherConfig> configs;
        try {
            configs = configs();
            service.opsAddress();
        } catch (BerthException e) {
            throw e instanceof Berth.UsageException ? e : new Berth.UsageException(e.getMessage());
        }
        return ServiceProcess.run("watcher", service, (kafka, registry, clock, process) -> {
            process.guardDataDir(registry);
            KafkaStateStore state = process.own(new KafkaStateStore(kafka, "berth-watcher"));
            List<Service> services = new ArrayList<>();
            List<Watcher> watchers = new ArrayList<>();
            for (WatcherConfig config : configs) {
                log.info(
                        "berth watcher: environment {}, repository {} (branch {}, every {} s)",
                        config.environment(),
                        config.repository(),
                        config.branch(),
                        config.pollInterval().toSeconds());
                // Events and cursor in one transaction; a second watcher of the source stands by.
                Watcher watcher = Watcher.transactional(config, kafka, new EventCodec(), state, clock, registry);
                watchers.add(watcher);
                services.add(watcher);
            }
            return new ServiceProcess.Component(
                    services,
                    () -> watchers.stream().allMatch(Watcher::isReady),
                    () -> watchers.stream().allMatch(Watcher::isHealthy));
        });
    }

    /**
     * The watchers to run, their repositories checked: the one of the flags, or one per selected
     * environment of the files.
     *
     * @throws Berth.UsageException on conflicting or bad input
     */
    List<WatcherConfig> configs() {
        WebhookConfig webhook = webhookOptions.config();
        environmentFiles.requireFor(
                "--secrets-file", secretsFile != null, "holds the secrets environment files name (git credentials)");
        if (!environmentFiles.given()) {
            if (repository == null) {
                throw new Berth.UsageException("give --repo (the config repository), or environment files with"
                        + " --environments <dir> or --environment-file <file>");
            }
            WatcherConfig config = new WatcherConfig(
                    repository,
                    source.branch,
                    selection.single(),
                    source.pollInterval,
                    service.dataDir(),
                    WatcherConfig.DEFAULT_STACKS_PATH,
                    policyOptions.policy(),
                    webhook);
            Watcher.checkRepository(config);
            return List.of(config);
        }
        List<EnvironmentFile> all = environmentFiles.read();
        environmentFiles.refuse("--repo", "source.repository");
        environmentFiles.refuse("--branch", "source.branch");
        environmentFiles.refuse("--poll-interval", "source.poll_interval");
        environmentFiles.refuse("--allow", "deploy.allow");
        List<EnvironmentFile> files = selection.select(all);
        if (webhook != null && files.size() > 1) {
            throw new Berth.UsageException("--webhook-listen serves one environment in this version, and this watcher"
                    + " serves " + files.size() + " (" + Environments.describe(files) + "): select one with"
                    + " --environment, run one watcher per environment, or leave --webhook-listen out (they poll)");
        }
        HostVariables host = HostSecrets.load(secretsFile, System.getenv());
        List<WatcherConfig> configs = new ArrayList<>();
        for (EnvironmentFile file : files) {
            WatcherConfig config =
                    Environments.watcher(file, Environments.Overrides.NONE, service.dataDir(), host, webhook);
            try {
                Watcher.checkRepository(config);
            } catch (BerthException e) {
                throw new Berth.UsageException(file.file() + ": " + e.getMessage());
            }
            configs.add(config);
        }
        return configs;
    }
}
