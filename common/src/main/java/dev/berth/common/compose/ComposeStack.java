package dev.berth.common.compose;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A parsed compose document.
 *
 * @param name the top-level {@code name}, or null; Berth names its projects {@code <env>-<stack>}
 *     whatever this says, so two environments on one engine never collide
 * @param services the active services (profiles applied), each after the services it depends on,
 *     otherwise in the file's order
 * @param networks the networks the active services join, by key; {@code default} is included when a
 *     service uses it (declared or implicit); declared networks no active service joins are left out,
 *     as Compose leaves them out
 * @param volumes the named volumes the active services mount, by key (unused ones left out)
 * @param secrets the top-level secrets the active services use, by key; their files exist
 * @param configs the top-level configs the active services use, by key; their files exist
 * @param hostVariables variables the document uses that neither the environment nor the stack's
 *     {@code .env} set: the deployer resolves them on its host
 * @param usedPaths the repository paths outside the compose file that the stack uses: {@code env_file}
 *     and {@code extends} files, bind mount sources, build contexts, secret and config files (files or
 *     directories), and an optional {@code env_file} that is missing (so a commit that adds it changes
 *     the stack); the watcher publishes them, with the stack's directory, as the change's files
 */
public record ComposeStack(
        @Nullable String name,
        List<ServiceSpec> services,
        Map<String, NetworkSpec> networks,
        Map<String, VolumeSpec> volumes,
        Map<String, FileSource> secrets,
        Map<String, FileSource> configs,
        Set<String> hostVariables,
        Set<String> usedPaths) {
    public ComposeStack {
        services = List.copyOf(services);
        networks = Collections.unmodifiableMap(new LinkedHashMap<>(networks));
        volumes = Collections.unmodifiableMap(new LinkedHashMap<>(volumes));
        secrets = Collections.unmodifiableMap(new LinkedHashMap<>(secrets));
        configs = Collections.unmodifiableMap(new LinkedHashMap<>(configs));
        hostVariables = Collections.unmodifiableSet(new TreeSet<>(hostVariables));
        usedPaths = Collections.unmodifiableSet(new TreeSet<>(usedPaths));
    }

    /** Services only, on the default network: what tests and simple stacks need. */
    public ComposeStack(List<ServiceSpec> services) {
        this(null, services, Map.of(), Map.of(), Map.of(), Map.of(), Set.of(), Set.of());
    }

    public Optional<ServiceSpec> service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /**
     * The services whose containers are done, not down, once they exited with code 0: the ones others
     * wait for with {@code service_completed_successfully}, and every service whose restart policy
     * does not start it again after a clean exit ({@code no}, Compose's default, or {@code on-failure}),
     * which {@code docker compose up -d} also leaves exited: a bucket-creating or migration job.
     */
    public Set<String> oneShotServices() {
        Set<String> result = new TreeSet<>();
        for (ServiceSpec service : services) {
            if (!service.options().restartsAfterSuccess()) {
                result.add(service.name());
            }
            service.dependsOn().forEach((name, d) -> {
                if (d.condition().equals(ServiceSpec.Dependency.COMPLETED)) {
                    result.add(name);
                }
            });
        }
        return Collections.unmodifiableSet(result);
    }

    /**
     * A top-level network.
     *
     * @param name the engine's name for it: set for external networks and for networks with a
     *     {@code name:}; null for the others, which the deployer names {@code <project>_<key>}
     */
    public record NetworkSpec(
            String key,
            @Nullable String name,
            boolean external,
            @Nullable String driver,
            Map<String, String> driverOpts,
            Map<String, String> labels,
            boolean internal,
            @Nullable Ipam ipam,
            boolean enableIpv6,
            boolean attachable) {
        public NetworkSpec {
            Objects.requireNonNull(key, "key");
            driverOpts = Map.copyOf(driverOpts);
            labels = Map.copyOf(labels);
        }

        /** A network without {@code ipam} or IPv6, attachable (as Berth creates every network unless told). */
        public NetworkSpec(
                String key,
                @Nullable String name,
                boolean external,
                @Nullable String driver,
                Map<String, String> driverOpts,
                Map<String, String> labels,
                boolean internal) {
            this(key, name, external, driver, driverOpts, labels, internal, null, false, true);
        }

        /** The implicit {@code default} network. */
        public static NetworkSpec byDefault() {
            return new NetworkSpec("default", null, false, null, Map.of(), Map.of(), false);
        }
    }

    /**
     * A network's {@code ipam}: its driver and address pools.
     *
     * @param driver the IPAM driver, null for Docker's default
     */
    public record Ipam(@Nullable String driver, List<IpamPool> config) {
        public Ipam {
            config = List.copyOf(config);
        }
    }

    /**
     * One pool of {@code ipam.config}, in CIDR notation.
     *
     * @param ipRange the part of the subnet containers get addresses from, null for all of it
     * @param gateway null for Docker's choice
     */
    public record IpamPool(
            String subnet,
            @Nullable String ipRange,
            @Nullable String gateway) {
        public IpamPool {
            Objects.requireNonNull(subnet, "subnet");
        }
    }

    /**
     * A top-level named volume.
     *
     * @param name the engine's name: set for external volumes and volumes with a {@code name:}; null
     *     for the others, which the deployer names {@code <project>_<key>}
     */
    public record VolumeSpec(
            String key,
            @Nullable String name,
            boolean external,
            @Nullable String driver,
            Map<String, String> driverOpts,
            Map<String, String> labels) {
        public VolumeSpec {
            Objects.requireNonNull(key, "key");
            driverOpts = Map.copyOf(driverOpts);
            labels = Map.copyOf(labels);
        }
    }

    /**
     * A top-level secret or config, from exactly one source.
     *
     * @param file a repository path (relative, normalised), or null
     * @param content the literal content (configs only), or null
     * @param environment the name of a variable holding the content, or null; resolved by the deployer
     */
    public record FileSource(
            String key,
            @Nullable String file,
            @Nullable String content,
            @Nullable String environment) {
        public FileSource {
            Objects.requireNonNull(key, "key");
            int sources = (file == null ? 0 : 1) + (content == null ? 0 : 1) + (environment == null ? 0 : 1);
            if (sources != 1) {
                throw new IllegalArgumentException(key + " needs exactly one of file, content or environment");
            }
        }
    }
}
