package dev.berth.deployer.internal.docker;

import dev.berth.common.compose.ServiceSpec;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One container to create: a service's spec plus what Berth resolved for it on this engine. The
 * service's own {@code volumes}, {@code networks}, {@code secrets}, {@code configs} and
 * {@code network_mode} are not read from {@link #service()}: they are given here as the engine must see
 * them (host paths, engine names, aliases). Immutable.
 *
 * @param name the container's name
 * @param service the service, its {@link ServiceSpec#image()} set (a built service carries its built tag)
 * @param labels the service's labels and Berth's
 * @param networks the networks the container joins: the first when it is created, the others before it
 *     starts (each with its endpoint settings: aliases, addresses, MAC address, link-local addresses,
 *     driver options, gateway priority); empty when {@link #networkMode()} is set
 * @param networkMode {@code none}, {@code host} or {@code container:<id or name>}, or null to join
 *     {@link #networks()}
 * @param mounts bind mounts, named, anonymous and tmpfs volumes, secrets and configs, in this order
 * @param links {@code links} and {@code external_links} as the engine takes them, {@code container:alias};
 *     on a user-defined network each alias resolves, from this container only, to that container
 * @param volumesFrom {@code volumes_from} as the engine takes them, {@code container:ro|rw}
 */
public record ContainerSpec(
        String name,
        ServiceSpec service,
        Map<String, String> labels,
        List<NetworkAttachment> networks,
        @Nullable String networkMode,
        List<MountSpec> mounts,
        List<String> links,
        List<String> volumesFrom) {
    public ContainerSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(service, "service");
        if (service.image() == null) {
            throw new IllegalArgumentException("service " + service.name() + " has no image to run yet");
        }
        labels = Map.copyOf(labels);
        networks = List.copyOf(networks);
        mounts = List.copyOf(mounts);
        links = List.copyOf(links);
        volumesFrom = List.copyOf(volumesFrom);
        if (networkMode != null && !networks.isEmpty()) {
            throw new IllegalArgumentException(
                    "network mode " + networkMode + " and networks " + networks + " exclude each other");
        }
    }

    /** A container without links or volumes from others. */
    public ContainerSpec(
            String name,
            ServiceSpec service,
            Map<String, String> labels,
            List<NetworkAttachment> networks,
            @Nullable String networkMode,
            List<MountSpec> mounts) {
        this(name, service, labels, networks, networkMode, mounts, List.of(), List.of());
    }

    /** A container on one network where the service name is its alias, without mounts. */
    public ContainerSpec(String name, ServiceSpec service, Map<String, String> labels, String network) {
        this(name, service, labels, List.of(new NetworkAttachment(network, List.of(service.name()))), null, List.of());
    }

    /**
     * One network the container joins.
     *
     * @param network the engine's network name
     * @param aliases the container's DNS names there (the service name first)
     */
    public record NetworkAttachment(
            String network,
            List<String> aliases,
            @Nullable String ipv4Address,
            @Nullable String ipv6Address,
            @Nullable String macAddress,
            List<String> linkLocalIps,
            Map<String, String> driverOpts,
            @Nullable Integer gwPriority) {
        public NetworkAttachment {
            Objects.requireNonNull(network, "network");
            aliases = List.copyOf(aliases);
            linkLocalIps = List.copyOf(linkLocalIps);
            driverOpts = Map.copyOf(driverOpts);
        }

        public NetworkAttachment(
                String network, List<String> aliases, @Nullable String ipv4Address, @Nullable String ipv6Address) {
            this(network, aliases, ipv4Address, ipv6Address, null, List.of(), Map.of(), null);
        }

        public NetworkAttachment(String network, List<String> aliases) {
            this(network, aliases, null, null);
        }

        /**
         * True when it sets what only a network connect (not a create's first network) passes. Not the MAC
         * address: the engine takes it only at create (the container-wide field, for the first network)
         * and ignores it on a connect.
         */
        boolean extended() {
            return !linkLocalIps.isEmpty() || !driverOpts.isEmpty() || gwPriority != null;
        }
    }

    /**
     * One mount, resolved for the engine.
     *
     * @param source for {@link Kind#BIND} and {@link Kind#FILE} an absolute host path; for
     *     {@link Kind#VOLUME} the engine's volume name; null for {@link Kind#ANONYMOUS} and
     *     {@link Kind#TMPFS}
     * @param tmpfsSize bytes, or null for Docker's default
     * @param tmpfsMode file mode of the tmpfs root, or null for Docker's default
     * @param selinux for a bind mount, {@code z} or {@code Z} to have the engine relabel its source for
     *     SELinux (passed in {@code HostConfig.Binds}, as Compose passes it), or null
     */
    public record MountSpec(
            Kind kind,
            @Nullable String source,
            String target,
            boolean readOnly,
            boolean noCopy,
            @Nullable Long tmpfsSize,
            @Nullable Integer tmpfsMode,
            @Nullable String selinux) {
        /** How Docker mounts it. */
        public enum Kind {
            /** A host directory or file ({@code volumes:} bind mount). */
            BIND,
            /** A named volume. */
            VOLUME,
            /** A volume the engine names, created with the container. */
            ANONYMOUS,
            TMPFS,
            /** A single host file mounted read-only: a secret or a config. */
            FILE
        }

        public MountSpec {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(target, "target");
            if ((kind == Kind.BIND || kind == Kind.VOLUME || kind == Kind.FILE) && source == null) {
                throw new IllegalArgumentException(kind + " mount at " + target + " needs a source");
            }
            if (selinux != null && kind != Kind.BIND) {
                throw new IllegalArgumentException("SELinux relabelling of the " + kind + " mount at " + target);
            }
        }

        public MountSpec(
                Kind kind,
                @Nullable String source,
                String target,
                boolean readOnly,
                boolean noCopy,
                @Nullable Long tmpfsSize,
                @Nullable Integer tmpfsMode) {
            this(kind, source, target, readOnly, noCopy, tmpfsSize, tmpfsMode, null);
        }

        public static MountSpec bind(String hostPath, String target, boolean readOnly) {
            return new MountSpec(Kind.BIND, hostPath, target, readOnly, false, null, null);
        }

        /**
         * A bind mount whose source the engine relabels for SELinux: {@code z} (shared), {@code Z} (private),
         * or null for none.
         */
        public static MountSpec bind(String hostPath, String target, boolean readOnly, @Nullable String selinux) {
            return new MountSpec(Kind.BIND, hostPath, target, readOnly, false, null, null, selinux);
        }

        public static MountSpec volume(String name, String target, boolean readOnly, boolean noCopy) {
            return new MountSpec(Kind.VOLUME, name, target, readOnly, noCopy, null, null);
        }

        public static MountSpec anonymous(String target, boolean readOnly, boolean noCopy) {
            return new MountSpec(Kind.ANONYMOUS, null, target, readOnly, noCopy, null, null);
        }

        public static MountSpec tmpfs(String target, @Nullable Long size, @Nullable Integer mode) {
            return new MountSpec(Kind.TMPFS, null, target, false, false, size, mode);
        }

        public static MountSpec file(String hostPath, String target) {
            return new MountSpec(Kind.FILE, hostPath, target, true, false, null, null);
        }
    }
}
