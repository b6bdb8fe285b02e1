package dev.berth.common.compose;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One service of a compose stack, normalised: short and long syntaxes read into one form, maps
 * sorted, so equal specs are equal records and hash alike.
 *
 * @param image the image to run; null when the service only builds ({@link #build()}), in which case
 *     the deployer names the built image
 * @param build how to build the image from the repository, or null to run {@link #image()} as it is
 * @param entrypoint the entrypoint in exec form, or null to keep the image's
 * @param command the command in exec form, or null to keep the image's
 * @param environment the container's environment, {@code env_file} entries first, then
 *     {@code environment} over them
 * @param expose container ports exposed without publishing, as {@code port/protocol}
 * @param healthcheck null to keep the image's HEALTHCHECK
 * @param dependsOn the services this one starts after, with Compose's condition; a
 *     {@code network_mode: service:<name>} adds {@code <name>} (started), as Compose orders it; a
 *     dependency that is not required on a service left out by profiles is dropped
 * @param networks the stack networks (keys of {@link ComposeStack#networks()}) the service joins, with
 *     its aliases on each; empty when {@link ContainerOptions#networkMode()} is set
 * @param volumes bind mounts, volumes and tmpfs mounts, in the file's order
 * @param secrets file-based secrets mounted into the container
 * @param configs file-based configs mounted into the container
 * @param replicas how many containers run the service ({@code deploy.replicas} or {@code scale}, 1 by default)
 * @param update how the service's replicas are replaced ({@code deploy.update_config}); not part of the
 *     container's config
 * @param gate Berth's gate of the service ({@code x-berth.gate}); not part of the container's config
 * @param platform {@code platform} ({@code os[/arch[/variant]]}) the image is pulled and the container
 *     created for, or null for the engine's own
 * @param pull {@code pull_policy}: when the image is pulled; not part of the container's config
 * @param annotations {@code annotations} of the container (engine API 1.43)
 * @param links {@code links} and {@code external_links}: the container a name refers to, and the alias it
 *     is known by from this service
 * @param volumesFrom {@code volumes_from}: the services and containers whose volumes are mounted
 * @param containerName {@code container_name}: the one container's exact name, interpolated and checked
 *     against Docker's rule; null for Berth's {@code <environment>-<stack>-<service>-<n>}
 * @param postStart {@code post_start}: commands run in each container after it starts, before its gate
 * @param preStop {@code pre_stop}: commands run in a container before Berth stops it
 */
public record ServiceSpec(
        String name,
        @Nullable String image,
        @Nullable BuildSpec build,
        @Nullable List<String> entrypoint,
        @Nullable List<String> command,
        Map<String, String> environment,
        List<PortMapping> ports,
        List<String> expose,
        @Nullable HealthCheck healthcheck,
        Map<String, String> labels,
        Map<String, Dependency> dependsOn,
        Map<String, ServiceNetwork> networks,
        List<Mount> volumes,
        List<FileMount> secrets,
        List<FileMount> configs,
        int replicas,
        ContainerOptions options,
        UpdatePolicy update,
        GateSpec gate,
        @Nullable String platform,
        PullPolicy pull,
        Map<String, String> annotations,
        List<Link> links,
        List<VolumesFrom> volumesFrom,
        @Nullable String containerName,
        List<Hook> postStart,
        List<Hook> preStop) {
    public ServiceSpec {
        Objects.requireNonNull(name, "name");
        if (image == null && build == null) {
            throw new IllegalArgumentException("service " + name + " needs an image or a build");
        }
        if (replicas < 0) {
            throw new IllegalArgumentException("replicas must be at least 0, not " + replicas);
        }
        entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
        command = command == null ? null : List.copyOf(command);
        environment = Collections.unmodifiableMap(new TreeMap<>(environment));
        ports = List.copyOf(ports);
        expose = List.copyOf(expose);
        labels = Collections.unmodifiableMap(new TreeMap<>(labels));
        dependsOn = Collections.unmodifiableMap(new TreeMap<>(dependsOn));
        networks = Collections.unmodifiableMap(new TreeMap<>(networks));
        volumes = List.copyOf(volumes);
        secrets = List.copyOf(secrets);
        configs = List.copyOf(configs);
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(update, "update");
        Objects.requireNonNull(gate, "gate");
        Objects.requireNonNull(pull, "pull");
        annotations = Collections.unmodifiableMap(new TreeMap<>(annotations));
        links = List.copyOf(links);
        volumesFrom = List.copyOf(volumesFrom);
        postStart = List.copyOf(postStart);
        preStop = List.copyOf(preStop);
    }

    /**
     * A service without the keys of Compose v2 added later (platform, pull_policy, links, container_name,
     * ...): their defaults.
     */
    public ServiceSpec(
            String name,
            @Nullable String image,
            @Nullable BuildSpec build,
            @Nullable List<String> entrypoint,
            @Nullable List<String> command,
            Map<String, String> environment,
            List<PortMapping> ports,
            List<String> expose,
            @Nullable HealthCheck healthcheck,
            Map<String, String> labels,
            Map<String, Dependency> dependsOn,
            Map<String, ServiceNetwork> networks,
            List<Mount> volumes,
            List<FileMount> secrets,
            List<FileMount> configs,
            int replicas,
            ContainerOptions options,
            UpdatePolicy update,
            GateSpec gate) {
        this(
                name,
                image,
                build,
                entrypoint,
                command,
                environment,
                ports,
                expose,
                healthcheck,
                labels,
                dependsOn,
                networks,
                volumes,
                secrets,
                configs,
                replicas,
                options,
                update,
                gate,
                null,
                PullPolicy.MISSING,
                Map.of(),
                List.of(),
                List.of(),
                null,
                List.of(),
                List.of());
    }

    /** A service replaced with the default update policy and no gate of its own. */
    public ServiceSpec(
            String name,
            @Nullable String image,
            @Nullable BuildSpec build,
            @Nullable List<String> entrypoint,
            @Nullable List<String> command,
            Map<String, String> environment,
            List<PortMapping> ports,
            List<String> expose,
            @Nullable HealthCheck healthcheck,
            Map<String, String> labels,
            Map<String, Dependency> dependsOn,
            Map<String, ServiceNetwork> networks,
            List<Mount> volumes,
            List<FileMount> secrets,
            List<FileMount> configs,
            int replicas,
            ContainerOptions options) {
        this(
                name,
                image,
                build,
                entrypoint,
                command,
                environment,
                ports,
                expose,
                healthcheck,
                labels,
                dependsOn,
                networks,
                volumes,
                secrets,
                configs,
                replicas,
                options,
                UpdatePolicy.DEFAULT,
                GateSpec.NONE);
    }

    /** True when a replica publishes a fixed host port, so two of them cannot run at once. */
    public boolean publishesFixedHostPort() {
        return ports.stream().anyMatch(p -> p.hostPort() != null && p.hostPortEnd() == null);
    }

    /** The same service running {@code image} instead, as after the deployer built it. */
    public ServiceSpec withImage(String image) {
        return new ServiceSpec(
                name,
                Objects.requireNonNull(image, "image"),
                build,
                entrypoint,
                command,
                environment,
                ports,
                expose,
                healthcheck,
                labels,
                dependsOn,
                networks,
                volumes,
                secrets,
                configs,
                replicas,
                options,
                update,
                gate,
                platform,
                pull,
                annotations,
                links,
                volumesFrom,
                containerName,
                postStart,
                preStop);
    }

    /**
     * One {@code post_start} or {@code pre_stop} hook: a command run in the container through the
     * engine's exec, as Compose runs it.
     *
     * @param command the command in exec form (a string is split as a shell would, not run by one)
     * @param user the user it runs as, or null for the container's
     * @param privileged {@code privileged: true} (needs the policy's {@code privileged} allowance)
     * @param workingDir the directory it runs in, or null for the container's
     * @param environment variables added to the container's for this command
     */
    public record Hook(
            List<String> command,
            @Nullable String user,
            boolean privileged,
            @Nullable String workingDir,
            Map<String, String> environment) {
        public Hook {
            command = List.copyOf(command);
            if (command.isEmpty()) {
                throw new IllegalArgumentException("a hook needs a command");
            }
            environment = Collections.unmodifiableMap(new TreeMap<>(environment));
        }
    }

    /**
     * One entry of {@code links} or {@code external_links}.
     *
     * @param service the linked service of this stack, or null for an external link
     * @param container for an external link, the container's name on the engine; null for a service
     * @param alias the name this service reaches it by
     */
    public record Link(@Nullable String service, @Nullable String container, String alias) {
        public Link {
            Objects.requireNonNull(alias, "alias");
            if ((service == null) == (container == null)) {
                throw new IllegalArgumentException("a link names a service or a container: " + alias);
            }
        }
    }

    /**
     * One entry of {@code volumes_from}.
     *
     * @param service a service of this stack, or null
     * @param container a container's name on the engine, or null
     * @param readOnly {@code :ro}
     */
    public record VolumesFrom(
            @Nullable String service, @Nullable String container, boolean readOnly) {
        public VolumesFrom {
            if ((service == null) == (container == null)) {
                throw new IllegalArgumentException("volumes_from names a service or a container");
            }
        }
    }

    /**
     * One {@code depends_on} entry.
     *
     * @param condition {@code service_started}, {@code service_healthy} or
     *     {@code service_completed_successfully}
     * @param required false when the dependency may be missing or fail without stopping this service
     * @param restart true when this service restarts after the dependency is updated
     */
    public record Dependency(String condition, boolean required, boolean restart) {
        public static final String STARTED = "service_started";
        public static final String HEALTHY = "service_healthy";
        public static final String COMPLETED = "service_completed_successfully";

        public Dependency {
            Objects.requireNonNull(condition, "condition");
        }

        /** The list form's dependency: started, required, no restart. */
        public static Dependency started() {
            return new Dependency(STARTED, true, false);
        }
    }

    /**
     * A service's attachment to one stack network: its aliases there (the service name is always one),
     * its fixed addresses, and its priority (networks are joined highest first, as Compose does).
     *
     * @param macAddress {@code mac_address} of this endpoint (engine API 1.44), or null
     * @param linkLocalIps {@code link_local_ips}: link-local addresses added to the endpoint
     * @param driverOpts {@code driver_opts}: the network driver's options for this endpoint
     * @param gwPriority {@code gw_priority}: which network gives the default route (engine API 1.48), or null
     * @param interfaceName {@code interface_name}: the interface's name in the container (engine API 1.49),
     *     or null
     */
    /**
     * The networks the service joins, in the order it joins them: highest priority first, by name
     * otherwise, as Compose joins them ({@code default} when it names none). Its container is created on
     * the first, which also gives it its default route.
     */
    public List<Map.Entry<String, ServiceNetwork>> networkOrder() {
        Map<String, ServiceNetwork> joined = networks.isEmpty() ? Map.of("default", ServiceNetwork.PLAIN) : networks;
        List<Map.Entry<String, ServiceNetwork>> ordered = new ArrayList<>(joined.entrySet());
        ordered.sort(Comparator.comparingInt(
                (Map.Entry<String, ServiceNetwork> e) -> -e.getValue().priority()));
        return ordered;
    }

    public record ServiceNetwork(
            List<String> aliases,
            @Nullable String ipv4Address,
            @Nullable String ipv6Address,
            int priority,
            @Nullable String macAddress,
            List<String> linkLocalIps,
            Map<String, String> driverOpts,
            @Nullable Integer gwPriority,
            @Nullable String interfaceName) {
        public static final ServiceNetwork PLAIN = new ServiceNetwork(List.of());

        public ServiceNetwork {
            aliases = List.copyOf(aliases);
            linkLocalIps = List.copyOf(linkLocalIps);
            driverOpts = Collections.unmodifiableMap(new TreeMap<>(driverOpts));
        }

        /** An attachment without the per-endpoint keys of newer engines. */
        public ServiceNetwork(
                List<String> aliases, @Nullable String ipv4Address, @Nullable String ipv6Address, int priority) {
            this(aliases, ipv4Address, ipv6Address, priority, null, List.of(), Map.of(), null, null);
        }

        public ServiceNetwork(List<String> aliases) {
            this(aliases, null, null, 0);
        }
    }

    /**
     * {@code build}: an image built from the repository.
     *
     * @param context the build context's repository path (normalised, relative to the repository root,
     *     never leaving it), such as {@code stacks/web/app}
     * @param dockerfile the Dockerfile's path relative to the context, {@code Dockerfile} by default
     * @param target the stage to build, or null for the last
     */
    public record BuildSpec(
            String context,
            String dockerfile,
            Map<String, String> args,
            @Nullable String target,
            Map<String, String> labels,
            List<String> cacheFrom,
            @Nullable String network,
            @Nullable Long shmSize,
            List<String> extraHosts,
            boolean noCache,
            boolean pull) {
        public BuildSpec {
            Objects.requireNonNull(context, "context");
            Objects.requireNonNull(dockerfile, "dockerfile");
            args = Collections.unmodifiableMap(new TreeMap<>(args));
            labels = Collections.unmodifiableMap(new TreeMap<>(labels));
            cacheFrom = List.copyOf(cacheFrom);
            extraHosts = List.copyOf(extraHosts);
        }

        /** A build with context, dockerfile, args, target and labels only. */
        public BuildSpec(
                String context,
                String dockerfile,
                Map<String, String> args,
                @Nullable String target,
                Map<String, String> labels) {
            this(context, dockerfile, args, target, labels, List.of(), null, null, List.of(), false, false);
        }
    }

    /**
     * One entry of {@code volumes}.
     *
     * @param source for {@link Type#BIND}: a repository path (relative, normalised, such as
     *     {@code stacks/web/html}) or, where the policy allows it, an absolute host path; for
     *     {@link Type#VOLUME}: the key of a top-level volume, or null for an anonymous volume; null
     *     for {@link Type#TMPFS}
     * @param target the absolute path in the container
     * @param noCopy {@code volume.nocopy}
     * @param tmpfsSize {@code tmpfs.size} in bytes, or null for Docker's default
     * @param tmpfsMode {@code tmpfs.mode}, or null for Docker's default
     * @param selinux for a bind mount, the SELinux relabelling the engine applies to its source: {@code z}
     *     (shared by containers) or {@code Z} (private to this one); null for none
     */
    public record Mount(
            Type type,
            @Nullable String source,
            String target,
            boolean readOnly,
            boolean noCopy,
            @Nullable Long tmpfsSize,
            @Nullable Integer tmpfsMode,
            @Nullable String selinux) {
        public enum Type {
            BIND,
            VOLUME,
            TMPFS
        }

        public Mount {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(target, "target");
            if (selinux != null && (type != Type.BIND || !(selinux.equals("z") || selinux.equals("Z")))) {
                throw new IllegalArgumentException("SELinux relabelling " + selinux + " on a " + type + " mount");
            }
        }

        /** A mount without SELinux relabelling. */
        public Mount(
                Type type,
                @Nullable String source,
                String target,
                boolean readOnly,
                boolean noCopy,
                @Nullable Long tmpfsSize,
                @Nullable Integer tmpfsMode) {
            this(type, source, target, readOnly, noCopy, tmpfsSize, tmpfsMode, null);
        }

        /** The same mount with the engine relabelling its source ({@code z} or {@code Z}). */
        public Mount withSelinux(String relabel) {
            return new Mount(type, source, target, readOnly, noCopy, tmpfsSize, tmpfsMode, relabel);
        }

        /** True for a bind mount of a path outside the repository (allowed by policy). */
        public boolean hostPath() {
            return type == Type.BIND && source != null && source.startsWith("/");
        }
    }

    /**
     * A secret or config mounted into the container as a read-only file.
     *
     * @param source the key of the top-level secret or config
     * @param target the absolute path in the container ({@code /run/secrets/<source>} for secrets and
     *     {@code /<source>} for configs by default)
     * @param mode file mode, or null for Docker's default
     */
    public record FileMount(
            String source,
            String target,
            @Nullable String uid,
            @Nullable String gid,
            @Nullable Integer mode) {
        public FileMount {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(target, "target");
        }
    }
}
