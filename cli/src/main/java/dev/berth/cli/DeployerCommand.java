package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.Service;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.deployer.Deployer;
import dev.berth.deployer.DeployerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code berth deployer}: one deployer worker on an external Kafka, for one environment of flags or
 * for each environment of the environment files. Workers of one environment form one consumer group,
 * so several of them share the stacks and take over from one that dies.
 */
@Command(
        name = "deployer",
        mixinStandardHelpOptions = true,
        description = {
            "Run one deployer alone: apply the stacks Kafka carries for an environment to a Docker Engine.",
            "Start several (one per host or replica): they share the stacks and take over from one that stops.",
            "In a container, the stack files it writes under --data-dir/stacks must have the same path on the"
                    + " host (bind mounts are resolved by the engine): mount that directory at its own path.",
            "With --environments or --environment-file it runs one deployer worker for each environment those"
                    + " files declare (or those --environment selects), as `berth run` does. The files then set the"
                    + " Docker Engine, health timeout, update defaults, allowances and adoption: --docker-host,"
                    + " --health-timeout, --allow and --adopt are refused (see docs/environments.md)."
        })
final class DeployerCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger("dev.berth.cli");

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
    EnvironmentFileOptions environmentFiles = new EnvironmentFileOptions();

    @Mixin
    EnvironmentSelection selection = new EnvironmentSelection();

    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Mixin
    AdoptOption adoptOption = new AdoptOption();

    @Override
    public Integer call() throws Exception {
        List<DeployerConfig> configs;
        try {
            configs = configs();
            service.opsAddress();
        } catch (BerthException e) {
            throw e instanceof Berth.UsageException ? e : new Berth.UsageException(e.getMessage());
        }
        return ServiceProcess.run("deployer", service, (kafka, registry, clock, process) -> {
            process.guardDataDir(registry);
            KafkaEventPublisher publisher = process.own(
                    new KafkaEventPublisher(kafka, "berth-deployer-" + UUID.randomUUID(), new EventCodec()));
            List<Service> services = new ArrayList<>();
            List<Deployer> deployers = new ArrayList<>();
            for (DeployerConfig config : configs) {
                log.info(
                        "berth deployer: environment {} (group {}), Docker {}",
                        String.join(", ", config.environments()),
                        config.groupId(),
                        config.dockerHost() == null ? "local socket" : config.dockerHost());
                Deployer deployer = new Deployer(config, kafka, publisher, clock, registry);
                deployers.add(deployer);
                services.add(deployer);
            }
            return new ServiceProcess.Component(
                    services,
                    () -> deployers.stream().allMatch(Deployer::isReady),
                    () -> deployers.stream().allMatch(Deployer::isHealthy));
        });
    }

    /**
     * The deployer workers to run: the one of the flags, or one per selected environment of the files.
     *
     * @throws Berth.UsageException on conflicting or bad input
     */
    List<DeployerConfig> configs() {
        HostVariables hostVariables = HostSecrets.load(secretsFile, System.getenv());
        Path workDir = AllInOne.Settings.workDir(service.dataDir());
        String defaultDockerHost = System.getenv("DOCKER_HOST");
        if (!environmentFiles.given()) {
            return List.of(DeployerConfig.defaults()
                    .withEnvironment(selection.single())
                    .withDockerHost(dockerHost != null ? dockerHost : defaultDockerHost)
                    .withHealthTimeout(healthTimeout)
                    .withPolicy(policyOptions.policy())
                    .withHostVariables(hostVariables)
                    .withWorkDir(workDir)
                    .withAdopt(adoptOption.adopt));
        }
        List<EnvironmentFile> all = environmentFiles.read();
        environmentFiles.refuse("--docker-host", "docker.host");
        environmentFiles.refuse("--health-timeout", "deploy.health_timeout");
        environmentFiles.refuse("--allow", "deploy.allow");
        environmentFiles.refuse("--adopt", "deploy.adopt");
        List<DeployerConfig> configs = new ArrayList<>();
        for (EnvironmentFile file : selection.select(all)) {
            configs.add(Environments.deployer(
                    file,
                    Environments.Overrides.NONE,
                    defaultDockerHost,
                    DeployerConfig.DEFAULT_HEALTH_TIMEOUT,
                    hostVariables,
                    workDir));
        }
        return configs;
    }
}
