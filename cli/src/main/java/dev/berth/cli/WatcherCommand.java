package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.watcher.Watcher;
import dev.berth.watcher.WatcherConfig;
import dev.berth.watcher.WebhookConfig;
import java.util.concurrent.Callable;
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

    @Mixin
    ServiceOptions service = new ServiceOptions();

    @Mixin
    SourceOptions source = new SourceOptions();

    @Mixin
    WebhookOptions webhookOptions = new WebhookOptions();

    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Override
    public Integer call() throws Exception {
        WatcherConfig config;
        try {
            WebhookConfig webhook = webhookOptions.config();
            config = new WatcherConfig(
                    repository,
                    source.branch,
                    source.environment,
                    source.pollInterval,
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
