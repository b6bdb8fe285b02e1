package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.watcher.Watcher;
import dev.berth.watcher.WatcherConfig;
import dev.berth.watcher.WebhookConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code berth watcher}: the watcher alone, publishing to an external Kafka (one per environment). */
@Command(
        name = "watcher",
        mixinStandardHelpOptions = true,
        description = {
            "Run the watcher alone: poll a config repository and publish each changed stack to Kafka.",
            "Runs one per environment and repository; deployers and notifiers read what it publishes."
        })
final class WatcherCommand implements Callable<Integer> {
    @Option(
            names = "--repo",
            required = true,
            paramLabel = "<path-or-url>",
            description = "The config repository: a local path or a git URL.")
    String repository = "";

    @Option(
            names = "--branch",
            defaultValue = WatcherConfig.DEFAULT_BRANCH,
            paramLabel = "<branch>",
            description = "Branch to follow (default: ${DEFAULT-VALUE}).")
    String branch = WatcherConfig.DEFAULT_BRANCH;

    @Option(
            names = "--environment",
            defaultValue = "dev",
            paramLabel = "<name>",
            description = "Environment these stacks belong to (default: ${DEFAULT-VALUE}).")
    String environment = "dev";

    @Option(
            names = "--poll-interval",
            defaultValue = "10s",
            paramLabel = "<duration>",
            converter = DurationConverter.class,
            description = "How often to look for new commits, like 10s or 1m (default: ${DEFAULT-VALUE}).")
    Duration pollInterval = WatcherConfig.DEFAULT_POLL_INTERVAL;

    @Option(
            names = "--webhook-listen",
            paramLabel = "<host:port>",
            description = "Where to take push webhooks (POST /hooks/git), which make the watcher poll at once"
                    + " (default with --webhook-secret-file: 127.0.0.1:9418).")
    @Nullable
    String webhookListen;

    @Option(
            names = "--webhook-secret-file",
            paramLabel = "<file>",
            description = "A file holding the push webhook secret; enables push webhooks. Never logged.")
    @Nullable
    Path webhookSecretFile;

    @Mixin
    ServiceOptions service = new ServiceOptions();

    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Override
    public Integer call() throws Exception {
        WatcherConfig config;
        try {
            WebhookConfig webhook = WebhookOptions.load(webhookListen, webhookSecretFile);
            config = new WatcherConfig(
                    repository,
                    branch,
                    environment,
                    pollInterval,
                    service.dataDir(),
                    WatcherConfig.DEFAULT_STACKS_PATH,
                    policyOptions.policy(),
                    webhook);
            Watcher.checkRepository(config);
            service.opsAddress();
        } catch (BerthException e) {
            throw e instanceof Berth.UsageException ? e : new Berth.UsageException(e.getMessage());
        }
        return ServiceProcess.run("watcher", service, (kafka, registry, clock, process) -> {
            KafkaStateStore state = process.own(new KafkaStateStore(kafka, "berth-watcher"));
            // Events and cursor in one transaction; a second watcher of the source stands by.
            Watcher watcher = Watcher.transactional(config, kafka, new EventCodec(), state, clock, registry);
            return new ServiceProcess.Component(watcher, watcher::isReady);
        });
    }
}
