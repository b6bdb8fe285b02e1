package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.deployer.Deployer;
import dev.berth.deployer.DeployerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code berth deployer}: one deployer worker on an external Kafka. Workers of one environment form
 * one consumer group, so several of them share the stacks and take over from one that dies.
 */
@Command(
        name = "deployer",
        mixinStandardHelpOptions = true,
        description = {
            "Run one deployer alone: apply the stacks Kafka carries for an environment to a Docker Engine.",
            "Start several (one per host or replica): they share the stacks and take over from one that stops.",
            "In a container, the stack files it writes under --data-dir/stacks must have the same path on the"
                    + " host (bind mounts are resolved by the engine): mount that directory at its own path."
        })
final class DeployerCommand implements Callable<Integer> {
    @Option(
            names = "--environment",
            defaultValue = "dev",
            paramLabel = "<name>",
            description = "Environment whose stacks this deployer applies (default: ${DEFAULT-VALUE}).")
    String environment = "dev";

    @Option(
            names = "--docker-host",
            paramLabel = "<url>",
            description = "Docker Engine to deploy to (default: $DOCKER_HOST, else the local socket).")
    @Nullable
    String dockerHost;

    @Option(
            names = "--health-timeout",
            defaultValue = "2m",
            paramLabel = "<duration>",
            converter = DurationConverter.class,
            description = "How long a new container may take to turn healthy (default: ${DEFAULT-VALUE}).")
    Duration healthTimeout = DeployerConfig.DEFAULT_HEALTH_TIMEOUT;

    @Option(
            names = "--secrets-file",
            paramLabel = "<file>",
            description = "A file of NAME=value lines with the variables this host provides to stacks;"
                    + " values are never published, logged or notified.")
    @Nullable
    Path secretsFile;

    @Mixin
    ServiceOptions service = new ServiceOptions();

    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Override
    public Integer call() throws Exception {
        DeployerConfig config;
        try {
            HostVariables hostVariables = HostSecrets.load(secretsFile, System.getenv());
            config = DeployerConfig.defaults()
                    .withEnvironment(environment)
                    .withDockerHost(dockerHost != null ? dockerHost : System.getenv("DOCKER_HOST"))
                    .withHealthTimeout(healthTimeout)
                    .withPolicy(policyOptions.policy())
                    .withHostVariables(hostVariables)
                    .withWorkDir(service.dataDir().resolve("stacks"));
            service.opsAddress();
        } catch (BerthException e) {
            throw e instanceof Berth.UsageException ? e : new Berth.UsageException(e.getMessage());
        }
        return ServiceProcess.run("deployer", service, (kafka, registry, clock, process) -> {
            KafkaEventPublisher publisher = process.own(
                    new KafkaEventPublisher(kafka, "berth-deployer-" + UUID.randomUUID(), new EventCodec()));
            Deployer deployer = new Deployer(config, kafka, publisher, clock, registry);
            return new ServiceProcess.Component(deployer, deployer::isReady);
        });
    }
}
