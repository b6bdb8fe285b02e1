package dev.berth.deployer;

import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.compose.UpdatePolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How a deployer works.
 *
 * @param environments the environments this worker applies; empty for all
 * @param groupId the Kafka consumer group shared by the deployer workers; workers limited to some
 *     environments must have a group of their own, or they skip changes meant for the others
 * @param dockerHost the engine to deploy to ({@code unix:///var/run/docker.sock}, {@code tcp://...});
 *     null for docker-java's default, the local socket
 * @param healthTimeout how long a new container may take to pass its gate
 * @param monitorPeriod how long a container without a health check must stay running to pass (at most the
 *     health timeout), and how long one with a health check must stay up after turning healthy (its
 *     stability window), for services whose {@code update_config} sets no {@code monitor}
 * @param pullTimeout how long a missing image may take to pull
 * @param policy what stacks may ask of the host beyond an ordinary container
 * @param hostVariables variables this host provides to stacks that use one their environment and
 *     {@code .env} do not set (secrets: never printed)
 * @param workDir where the deployer writes each revision's stack files, which bind mounts, build
 *     contexts, secrets and configs use; it must be a path of the engine's host
 * @param updateDefaults the {@code deploy.update_config} keys a service's compose file does not set
 *     (an environment's update defaults); {@link UpdatePolicy#DEFAULT} unless an environment file says
 *     otherwise
 * @param adopt true when a container that {@code docker compose} created ({@code com.docker.compose.project}
 *     label) and that holds the {@code container_name} of a service is replaced by the service's first
 *     deployment (gated like an update); false to refuse the deployment while such a container stands
 */
public record DeployerConfig(
        Set<String> environments,
        String groupId,
        @Nullable String dockerHost,
        Duration healthTimeout,
        Duration monitorPeriod,
        Duration pullTimeout,
        ComposePolicy policy,
        HostVariables hostVariables,
        Path workDir,
        UpdatePolicy updateDefaults,
        boolean adopt) {
    public static final String DEFAULT_GROUP_ID = "berth-deployer";
    public static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofMinutes(2);
    public static final Duration DEFAULT_MONITOR_PERIOD = Duration.ofSeconds(5);
    public static final Duration DEFAULT_PULL_TIMEOUT = Duration.ofMinutes(2);

    public DeployerConfig {
        environments = Set.copyOf(Objects.requireNonNull(environments, "environments"));
        environments.forEach(e -> StackRef.requireName("environment", e));
        Objects.requireNonNull(groupId, "groupId");
        if (groupId.isBlank()) {
            throw new BerthException("deployer group id must not be blank, got \"" + groupId + "\"");
        }
        if (dockerHost != null && !dockerHost.matches("(unix|tcp|npipe)://.+")) {
            throw new BerthException("docker host \"" + dockerHost
                    + "\" is not valid: write unix:///var/run/docker.sock or tcp://host:2376");
        }
        requirePositive("health timeout", healthTimeout);
        requirePositive("monitor period", monitorPeriod);
        requirePositive("pull timeout", pullTimeout);
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(hostVariables, "hostVariables");
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(updateDefaults, "updateDefaults");
    }

    /** A config with Compose's update defaults ({@link UpdatePolicy#DEFAULT}). */
    public DeployerConfig(
            Set<String> environments,
            String groupId,
            @Nullable String dockerHost,
            Duration healthTimeout,
            Duration monitorPeriod,
            Duration pullTimeout,
            ComposePolicy policy,
            HostVariables hostVariables,
            Path workDir) {
        this(
                environments,
                groupId,
                dockerHost,
                healthTimeout,
                monitorPeriod,
                pullTimeout,
                policy,
                hostVariables,
                workDir,
                UpdatePolicy.DEFAULT,
                false);
    }

    /** A config that refuses to replace containers it did not create ({@code adopt} false). */
    public DeployerConfig(
            Set<String> environments,
            String groupId,
            @Nullable String dockerHost,
            Duration healthTimeout,
            Duration monitorPeriod,
            Duration pullTimeout,
            ComposePolicy policy,
            HostVariables hostVariables,
            Path workDir,
            UpdatePolicy updateDefaults) {
        this(
                environments,
                groupId,
                dockerHost,
                healthTimeout,
                monitorPeriod,
                pullTimeout,
                policy,
                hostVariables,
                workDir,
                updateDefaults,
                false);
    }

    private static void requirePositive(String key, @Nullable Duration value) {
        if (value == null) {
            throw new BerthException("deployer " + key + " must be set");
        }
        if (value.isNegative() || value.isZero()) {
            throw new BerthException("deployer " + key + " must be positive, got " + value);
        }
    }

    /** Every environment, the default group, the local engine and the default timeouts. */
    public static DeployerConfig defaults() {
        return new DeployerConfig(
                Set.of(),
                DEFAULT_GROUP_ID,
                null,
                DEFAULT_HEALTH_TIMEOUT,
                DEFAULT_MONITOR_PERIOD,
                DEFAULT_PULL_TIMEOUT,
                ComposePolicy.DEFAULT,
                HostVariables.NONE,
                Path.of(System.getProperty("java.io.tmpdir"), "berth-stacks"),
                UpdatePolicy.DEFAULT,
                false);
    }

    /**
     * Limits the worker to one environment. A worker on the default group moves to a group of that
     * environment ({@code berth-deployer-<env>}): in a shared group it would be handed other
     * environments' changes and skip them for good.
     */
    public DeployerConfig withEnvironment(String environment) {
        String group = groupId.equals(DEFAULT_GROUP_ID) ? DEFAULT_GROUP_ID + "-" + environment : groupId;
        return new DeployerConfig(
                Set.of(environment),
                group,
                dockerHost,
                healthTimeout,
                monitorPeriod,
                pullTimeout,
                policy,
                hostVariables,
                workDir,
                updateDefaults,
                adopt);
    }

    public DeployerConfig withGroupId(String id) {
        return new DeployerConfig(
                environments,
                id,
                dockerHost,
                healthTimeout,
                monitorPeriod,
                pullTimeout,
                policy,
                hostVariables,
                workDir,
                updateDefaults,
                adopt);
    }

    public DeployerConfig withDockerHost(@Nullable String host) {
        return new DeployerConfig(
                environments,
                groupId,
                host,
                healthTimeout,
                monitorPeriod,
                pullTimeout,
                policy,
                hostVariables,
                workDir,
                updateDefaults,
                adopt);
    }

    public DeployerConfig withHealthTimeout(Duration timeout) {
        return new DeployerConfig(
                environments,
                groupId,
                dockerHost,
                timeout,
                monitorPeriod,
                pullTimeout,
                policy,
                hostVariables,
                workDir,
                updateDefaults,
                adopt);
    }

    public DeployerConfig withMonitorPeriod(Duration period) {
        return new DeployerConfig(
                environments,
                groupId,
                dockerHost,
                healthTimeout,
                period,
                pullTimeout,
                policy,
                hostVariables,
                workDir,
                updateDefaults,
                adopt);
    }

    public DeployerConfig withPullTimeout(Duration timeout) {
        return new DeployerConfig(
                environments,
                groupId,
                dockerHost,
                healthTimeout,
                monitorPeriod,
                timeout,
                policy,
                hostVariables,
                workDir,
                updateDefaults,
                adopt);
    }

    public DeployerConfig withPolicy(ComposePolicy policy) {
        return new DeployerConfig(
                environments,
                groupId,
                dockerHost,
                healthTimeout,
                monitorPeriod,
                pullTimeout,
                policy,
                hostVariables,
                workDir,
                updateDefaults,
                adopt);
    }

    public DeployerConfig withHostVariables(HostVariables variables) {
        return new DeployerConfig(
                environments,
                groupId,
                dockerHost,
                healthTimeout,
                monitorPeriod,
                pullTimeout,
                policy,
                variables,
                workDir,
                updateDefaults,
                adopt);
    }

    public DeployerConfig withWorkDir(Path dir) {
        return new DeployerConfig(
                environments,
                groupId,
                dockerHost,
                healthTimeout,
                monitorPeriod,
                pullTimeout,
                policy,
                hostVariables,
                dir,
                updateDefaults,
                adopt);
    }

    /** The update defaults of this worker's environment: for the keys a service's compose file does not set. */
    public DeployerConfig withUpdateDefaults(UpdatePolicy defaults) {
        return new DeployerConfig(
                environments,
                groupId,
                dockerHost,
                healthTimeout,
                monitorPeriod,
                pullTimeout,
                policy,
                hostVariables,
                workDir,
                defaults,
                adopt);
    }

    /**
     * Whether the first deployment of a {@code container_name} service replaces a container of that name
     * that {@code docker compose} created ({@code --adopt}, {@code deploy.adopt}).
     */
    public DeployerConfig withAdopt(boolean adopt) {
        return new DeployerConfig(
                environments,
                groupId,
                dockerHost,
                healthTimeout,
                monitorPeriod,
                pullTimeout,
                policy,
                hostVariables,
                workDir,
                updateDefaults,
                adopt);
    }

    /** True when this worker applies stacks of {@code environment}. */
    public boolean applies(String environment) {
        return environments.isEmpty() || environments.contains(environment);
    }
}
