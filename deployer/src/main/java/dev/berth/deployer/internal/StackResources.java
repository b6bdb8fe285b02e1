package dev.berth.deployer.internal;

import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.StackChanged;
import dev.berth.deployer.DeployerConfig;
import dev.berth.deployer.internal.docker.ContainerInfo;
import dev.berth.deployer.internal.docker.ContainerSpec;
import dev.berth.deployer.internal.docker.ContainerSpec.MountSpec;
import dev.berth.deployer.internal.docker.DockerEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * What one revision of a stack needs on its engine besides containers, and how its services become
 * containers there: the stack's files on the host ({@link StackWorkspace}), built images, networks and
 * volumes, and each container's mounts, networks, secrets and configs resolved as Compose would. One
 * instance per apply of one stack; used by one thread.
 *
 * <p>Use: {@link #prepare} once the change parsed; {@link #buildImages} before hashing and planning;
 * {@link #filesDigest} into each service's config hash; {@link #createNetworksAndVolumes} before the
 * first container; {@link #containerSpec} for each container; {@link #removeNetworks} when the stack is
 * removed.
 */
final class StackResources {
    /** The endpoint driver option Compose passes {@code interface_name} as. */
    private static final String IFNAME_OPTION = "com.docker.network.endpoint.ifname";

    private final DockerEngine engine;
    private final StackRef stack;
    private final ComposeStack compose;
    private final StackWorkspace.Revision revision;
    private final StackFiles files;
    private final HostVariables host;
    private final Map<String, String> variables;
    private final ImageBuilder builder;

    private StackResources(
            DockerEngine engine,
            StackRef stack,
            ComposeStack compose,
            StackWorkspace.Revision revision,
            StackFiles files,
            HostVariables host,
            Map<String, String> variables,
            ImageBuilder builder) {
        this.engine = engine;
        this.stack = stack;
        this.compose = compose;
        this.revision = revision;
        this.files = files;
        this.host = host;
        this.variables = Map.copyOf(variables);
        this.builder = builder;
    }

    /**
     * Brings the stack's directory ({@code config.workDir()/<env>/<stack>/}, or where its containers
     * say) to the change's tracked files, leaving what services wrote there; logs what it moved aside.
     *
     * @throws BerthException when the files cannot be written
     */
    static StackResources prepare(
            DockerEngine engine,
            DeployerConfig config,
            Clock clock,
            StackChanged change,
            ComposeStack compose,
            Consumer<String> log) {
        StackRef stack = change.stack();
        List<ContainerInfo> containers = engine.containers(Labels.STACK, stack.key());
        StackWorkspace.Revision revision = new StackWorkspace(config.workDir(), clock)
                .prepare(
                        stack,
                        change.commit().sha(),
                        change.files(),
                        labels(containers, Labels.REVISION),
                        labels(containers, Labels.STACK_DIR));
        revision.notes().forEach(note -> log.accept(stack + ": " + note));
        return new StackResources(
                engine,
                stack,
                compose,
                revision,
                change.files(),
                config.hostVariables(),
                change.variables(),
                new ImageBuilder(engine, config.pullTimeout()));
    }

    private static Set<String> labels(List<ContainerInfo> containers, String label) {
        return containers.stream()
                .map(c -> c.label(label))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The host path of a repository path ({@code stacks/web/html}); an absolute host path as it is. */
    Path hostPath(String path) {
        return revision.hostPath(path);
    }

    StackWorkspace.Revision revision() {
        return revision;
    }

    /**
     * The stack with every service that has {@code build} running its built image (built now unless
     * the engine has its content tag).
     *
     * @throws BerthException when a build fails, naming the service and the build's last lines
     */
    ComposeStack buildImages() throws InterruptedException {
        List<ServiceSpec> services = new ArrayList<>();
        boolean built = false;
        for (ServiceSpec service : compose.services()) {
            ServiceSpec resolved = builder.build(stack, service, revision);
            built |= resolved != service;
            services.add(resolved);
        }
        if (!built) {
            return compose;
        }
        return new ComposeStack(
                compose.name(),
                services,
                compose.networks(),
                compose.volumes(),
                compose.secrets(),
                compose.configs(),
                compose.hostVariables(),
                compose.usedPaths());
    }

    /**
     * A digest of what a service's container reads from files, to add to its config hash: the tracked
     * files under its repository bind mounts (as the commit has them: what services write there beside
     * them changes nothing), and its secrets' and configs' contents (a variable's value only as a
     * SHA-256). Empty for a service that reads none, so such a service hashes as before.
     */
    String filesDigest(ServiceSpec service) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            boolean any = false;
            for (ServiceSpec.Mount m : service.volumes()) {
                if (m.type() == ServiceSpec.Mount.Type.BIND && m.source() != null && !m.hostPath()) {
                    any = true;
                    field(digest, "bind " + m.source(), new byte[0]);
                    for (Map.Entry<String, byte[]> file : tracked(m.source()).entrySet()) {
                        field(digest, file.getKey(), file.getValue());
                    }
                }
            }
            for (ServiceSpec.FileMount m : service.secrets()) {
                any = true;
                field(
                        digest,
                        "secret " + m.source(),
                        sourceDigest(compose.secrets().get(m.source())));
            }
            for (ServiceSpec.FileMount m : service.configs()) {
                any = true;
                field(
                        digest,
                        "config " + m.source(),
                        sourceDigest(compose.configs().get(m.source())));
            }
            return any ? HexFormat.of().formatHex(digest.digest()) : "";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        } catch (IOException e) {
            throw new BerthException(
                    "could not read the files of service \"" + service.name() + "\": " + e.getMessage(), e);
        }
    }

    private byte[] sourceDigest(ComposeStack.@Nullable FileSource source) throws IOException {
        if (source == null) {
            return new byte[0];
        }
        if (source.file() != null) {
            return files.bytes(source.file()).orElse(new byte[0]);
        }
        if (source.content() != null) {
            return source.content().getBytes(StandardCharsets.UTF_8);
        }
        String value = variable(Objects.requireNonNull(source.environment()));
        return value == null ? new byte[0] : sha256(value.getBytes(StandardCharsets.UTF_8));
    }

    /** The tracked files at or under the repository path {@code root}, by path relative to it ("" for itself). */
    private Map<String, byte[]> tracked(String root) {
        TreeMap<String, byte[]> result = new TreeMap<>();
        for (String path : files.paths()) {
            if (path.equals(root)) {
                result.put("", files.bytes(path).orElseThrow());
            } else if (path.startsWith(root + "/")) {
                result.put(path.substring(root.length() + 1), files.bytes(path).orElseThrow());
            }
        }
        return result;
    }

    /**
     * Creates the networks the services join and the stack's volumes, unless they exist, and checks
     * that external ones exist.
     *
     * @throws BerthException naming a missing external network or volume and how to create it, or a
     *     network or volume a service uses that the stack does not declare
     */
    void createNetworksAndVolumes() {
        for (String key : usedNetworkKeys()) {
            ComposeStack.NetworkSpec spec = networkSpec(key);
            String name = networkName(spec);
            if (spec.external()) {
                if (!engine.networkExists(name)) {
                    throw new BerthException("network \"" + name + "\" (networks." + key + " of " + stack
                            + ") is external but does not exist on the engine: create it with"
                            + " `docker network create " + name + "`, or remove external: true so Berth creates it");
                }
                continue;
            }
            Map<String, String> labels = new TreeMap<>(spec.labels());
            labels.put(Labels.COMPOSE_PROJECT, stack.project());
            labels.put(Labels.COMPOSE_NETWORK, key);
            labels.put(Labels.STACK, stack.key());
            engine.ensureNetwork(name, spec, labels);
        }
        for (ServiceSpec service : compose.services()) {
            for (ServiceSpec.Mount m : service.volumes()) {
                if (m.type() == ServiceSpec.Mount.Type.VOLUME && m.source() != null) {
                    volumeSpec(service, m.source());
                }
            }
        }
        for (ComposeStack.VolumeSpec spec : compose.volumes().values()) {
            String name = volumeName(spec);
            if (spec.external()) {
                if (!engine.volumeExists(name)) {
                    throw new BerthException("volume \"" + name + "\" (volumes." + spec.key() + " of " + stack
                            + ") is external but does not exist on the engine: create it with"
                            + " `docker volume create " + name + "`, or remove external: true so Berth creates it");
                }
                continue;
            }
            Map<String, String> labels = new TreeMap<>(spec.labels());
            labels.put(Labels.COMPOSE_PROJECT, stack.project());
            labels.put(Labels.COMPOSE_VOLUME, spec.key());
            labels.put(Labels.STACK, stack.key());
            engine.ensureVolume(name, spec, labels);
        }
    }

    /**
     * Refuses a named volume of the stack that already exists on the engine (external, named after
     * another stack's or environment's, or left from an earlier revision) when what it mounts is more
     * than {@code policy} allows: the stack would otherwise reach a host path, a device or a plugin
     * through a volume made under another policy.
     *
     * @throws BerthException naming the volume, what it mounts and the allowance it needs
     */
    void checkExistingVolumes(ComposePolicy policy) {
        for (ComposeStack.VolumeSpec spec : compose.volumes().values()) {
            String name = volumeName(spec);
            engine.volume(name)
                    .ifPresent(volume -> policy.volumeRefusal(
                                    "volume \"" + name + "\" (volumes." + spec.key() + " of " + stack
                                            + ", already on the engine)",
                                    volume.driver(),
                                    volume.options())
                            .ifPresent(refusal -> {
                                throw new BerthException(refusal);
                            }));
        }
    }

    /** The engine names of the networks the stack's services join (external ones included). */
    Set<String> networkNames() {
        Set<String> names = new LinkedHashSet<>();
        for (String key : usedNetworkKeys()) {
            names.add(networkName(networkSpec(key)));
        }
        return names;
    }

    /** The engine names of the networks one service joins; empty with a network mode. */
    Set<String> networkNames(ServiceSpec service) {
        Set<String> names = new LinkedHashSet<>();
        if (service.options().networkMode() == null) {
            Set<String> keys = service.networks().isEmpty()
                    ? Set.of("default")
                    : service.networks().keySet();
            keys.forEach(key -> names.add(networkName(networkSpec(key))));
        }
        return names;
    }

    /**
     * Removes the stack's networks (those Berth created, labelled with the stack) that are not in
     * {@code keep}; external networks are never touched. Returns the networks a container still uses.
     */
    static List<String> removeNetworks(DockerEngine engine, StackRef stack, Set<String> keep) {
        return engine.removeNetworks(Labels.STACK, stack.key(), keep);
    }

    /**
     * The container to create for a service: its mounts (bind sources on the host, volume names on the
     * engine, secrets and configs as read-only files), networks with aliases, or its network mode.
     *
     * @param service the service with its image set (after {@link #buildImages})
     * @param labels every label of the container
     * @throws BerthException for a volume, network, secret or config the stack does not declare, a
     *     secret variable that is not set, or {@code network_mode: service:<name>} whose service has no
     *     container
     */
    ContainerSpec containerSpec(String name, ServiceSpec service, Map<String, String> labels) {
        labels = new LinkedHashMap<>(labels);
        labels.put(Labels.STACK_DIR, revision.stackDir().toString());
        List<MountSpec> mounts = new ArrayList<>();
        for (ServiceSpec.Mount m : service.volumes()) {
            mounts.add(
                    switch (m.type()) {
                        case BIND -> MountSpec.bind(bindSource(m), m.target(), m.readOnly(), m.selinux());
                        case VOLUME ->
                            m.source() == null
                                    ? MountSpec.anonymous(m.target(), m.readOnly(), m.noCopy())
                                    : MountSpec.volume(
                                            volumeName(volumeSpec(service, m.source())),
                                            m.target(),
                                            m.readOnly(),
                                            m.noCopy());
                        case TMPFS -> MountSpec.tmpfs(m.target(), m.tmpfsSize(), m.tmpfsMode());
                    });
        }
        for (ServiceSpec.FileMount m : service.secrets()) {
            mounts.add(MountSpec.file(fileFor(service, "secrets", m, compose.secrets()), m.target()));
        }
        for (ServiceSpec.FileMount m : service.configs()) {
            mounts.add(MountSpec.file(fileFor(service, "configs", m, compose.configs()), m.target()));
        }
        List<String> links = links(service);
        List<String> volumesFrom = volumesFrom(service);
        String mode = service.options().networkMode();
        if (mode != null) {
            return new ContainerSpec(
                    name, service, labels, List.of(), networkMode(service, mode), mounts, links, volumesFrom);
        }
        List<ContainerSpec.NetworkAttachment> networks = new ArrayList<>();
        for (Map.Entry<String, ServiceSpec.ServiceNetwork> entry : service.networkOrder()) {
            Set<String> aliases = new LinkedHashSet<>();
            aliases.add(service.name());
            aliases.addAll(entry.getValue().aliases());
            ServiceSpec.ServiceNetwork attachment = entry.getValue();
            // interface_name is the driver option Compose passes it as.
            Map<String, String> driverOpts = new TreeMap<>(attachment.driverOpts());
            if (attachment.interfaceName() != null) {
                driverOpts.put(IFNAME_OPTION, attachment.interfaceName());
            }
            networks.add(new ContainerSpec.NetworkAttachment(
                    networkName(networkSpec(entry.getKey())),
                    List.copyOf(aliases),
                    attachment.ipv4Address(),
                    attachment.ipv6Address(),
                    attachment.macAddress(),
                    attachment.linkLocalIps(),
                    driverOpts,
                    attachment.gwPriority()));
        }
        return new ContainerSpec(name, service, labels, networks, null, mounts, links, volumesFrom);
    }

    /**
     * {@code links} as Compose makes them: each running container of a linked service under the alias
     * (and under {@code <service>-<n>}, as Compose adds), external links as written.
     */
    private List<String> links(ServiceSpec service) {
        List<String> links = new ArrayList<>();
        for (ServiceSpec.Link link : service.links()) {
            if (link.container() != null) {
                links.add(link.container() + ":" + link.alias());
                continue;
            }
            for (ContainerInfo c : serviceContainers(link.service())) {
                links.add(c.name() + ":" + link.alias());
                links.add(c.name() + ":" + link.service() + "-" + c.label(Labels.COMPOSE_NUMBER));
            }
        }
        return links;
    }

    /** {@code volumes_from}: a service's container #1, or a container by name, with its access mode. */
    private List<String> volumesFrom(ServiceSpec service) {
        List<String> result = new ArrayList<>();
        for (ServiceSpec.VolumesFrom from : service.volumesFrom()) {
            String container = from.container();
            if (container == null) {
                container = serviceContainers(from.service()).stream()
                        .filter(c -> c.label(Labels.COMPOSE_NUMBER).equals("1"))
                        .findFirst()
                        .orElseThrow(() -> new BerthException("service \"" + service.name()
                                + "\" takes the volumes of service \"" + from.service() + "\", which has no container"
                                + " in " + stack + "; give it at least one replica"))
                        .name();
            }
            result.add(container + (from.readOnly() ? ":ro" : ":rw"));
        }
        return result;
    }

    /** The containers of one service of the stack, running ones first, by number. */
    private List<ContainerInfo> serviceContainers(String service) {
        return engine.containers(Labels.STACK, stack.key()).stream()
                .filter(c -> c.label(Labels.SERVICE).equals(service))
                .sorted(Comparator.comparing((ContainerInfo c) -> !c.running())
                        .thenComparing(c -> c.label(Labels.COMPOSE_NUMBER)))
                .toList();
    }

    /**
     * {@code spec} also mounting the anonymous volumes of the container it replaces, at the same
     * paths, as Compose's recreate does: data in a service's anonymous volumes (its {@code volumes}
     * without a source, its image's {@code VOLUME}s) outlives a replacement. A path the new spec mounts
     * otherwise (a bind, a named volume, a tmpfs) keeps the new mount.
     *
     * @param previous the service's current containers; the first one's volumes are kept
     */
    ContainerSpec withVolumesOf(ContainerSpec spec, List<ContainerInfo> previous) {
        if (previous.isEmpty()) {
            return spec;
        }
        Map<String, MountSpec> inherited = new LinkedHashMap<>();
        for (MountSpec m : engine.anonymousVolumes(previous.get(0).id())) {
            inherited.put(m.target(), m);
        }
        if (inherited.isEmpty()) {
            return spec;
        }
        List<MountSpec> mounts = new ArrayList<>();
        for (MountSpec m : spec.mounts()) {
            MountSpec old = inherited.remove(m.target());
            if (m.kind() == MountSpec.Kind.ANONYMOUS && old != null) {
                mounts.add(MountSpec.volume(old.source(), m.target(), m.readOnly(), m.noCopy()));
            } else {
                mounts.add(m);
            }
        }
        mounts.addAll(inherited.values());
        return new ContainerSpec(
                spec.name(),
                spec.service(),
                spec.labels(),
                spec.networks(),
                spec.networkMode(),
                mounts,
                spec.links(),
                spec.volumesFrom());
    }

    /**
     * The host path a bind mount reads; a repository path the repository lacks is made there as a
     * directory, as Docker and Compose make a missing bind source, and outlives every revision.
     */
    private String bindSource(ServiceSpec.Mount m) {
        String source = Objects.requireNonNull(m.source(), "bind source");
        return m.hostPath() ? source : revision.mountable(source, true).toString();
    }

    /** {@code service:<name>} as {@code container:<id of its container #1>}; the other modes as they are. */
    private String networkMode(ServiceSpec service, String mode) {
        if (!mode.startsWith("service:")) {
            return mode;
        }
        String target = mode.substring("service:".length());
        Optional<ContainerInfo> container = engine.containers(Labels.STACK, stack.key()).stream()
                .filter(c -> c.label(Labels.SERVICE).equals(target))
                .filter(c -> c.label(Labels.COMPOSE_NUMBER).equals("1"))
                .max(Comparator.comparing(ContainerInfo::running));
        return "container:"
                + container
                        .orElseThrow(() -> new BerthException("service \"" + service.name() + "\" uses network_mode "
                                + mode + " but service \"" + target + "\" has no container in " + stack
                                + "; add it to the stack, or list it under depends_on so it starts first"))
                        .id();
    }

    /** The host file a secret or config mounts: the workspace file, or one Berth writes for it. */
    private String fileFor(
            ServiceSpec service,
            String kind,
            ServiceSpec.FileMount mount,
            Map<String, ComposeStack.FileSource> sources) {
        ComposeStack.FileSource source = sources.get(mount.source());
        String what = kind.substring(0, kind.length() - 1);
        if (source == null) {
            throw new BerthException("service \"" + service.name() + "\" uses " + what + " \"" + mount.source()
                    + "\", which " + stack + " does not declare under top-level " + kind + ":");
        }
        if (source.file() != null) {
            return revision.mountable(source.file(), false).toString();
        }
        byte[] content;
        if (source.content() != null) {
            content = source.content().getBytes(StandardCharsets.UTF_8);
        } else {
            String variable = Objects.requireNonNull(source.environment());
            String value = variable(variable);
            if (value == null) {
                throw new BerthException(what + " \"" + mount.source() + "\" of service \"" + service.name()
                        + "\" reads variable " + variable + ", which is not set: set it in the deployer's host"
                        + " variables (its environment or secrets file) or in the stack's environment");
            }
            content = value.getBytes(StandardCharsets.UTF_8);
        }
        boolean secret = kind.equals("secrets");
        Path file = revision.writeGenerated(kind, service.name() + "." + mount.source(), content, secret);
        if (mount.mode() != null) {
            try {
                Files.setPosixFilePermissions(file, permissions(mount.mode()));
            } catch (IOException e) {
                throw new BerthException("could not set the mode of " + file + ": " + e.getMessage(), e);
            }
        }
        return file.toString();
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> result = new HashSet<>();
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
        };
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                result.add(order[bit]);
            }
        }
        return result;
    }

    /** A variable of the stack's environment, else of the deployer's host; null when neither sets it. */
    private @Nullable String variable(String name) {
        String value = variables.get(name);
        return value != null ? value : host.get(name).orElse(null);
    }

    private Set<String> usedNetworkKeys() {
        Set<String> keys = new LinkedHashSet<>();
        for (ServiceSpec service : compose.services()) {
            if (service.options().networkMode() != null) {
                continue;
            }
            if (service.networks().isEmpty()) {
                keys.add("default");
            }
            keys.addAll(service.networks().keySet());
        }
        return keys;
    }

    private ComposeStack.NetworkSpec networkSpec(String key) {
        ComposeStack.NetworkSpec spec = compose.networks().get(key);
        if (spec != null) {
            return spec;
        }
        if (key.equals("default")) {
            return ComposeStack.NetworkSpec.byDefault();
        }
        throw new BerthException("network \"" + key + "\" is used by a service of " + stack
                + " but not declared under top-level networks:");
    }

    private String networkName(ComposeStack.NetworkSpec spec) {
        return spec.name() != null ? spec.name() : stack.project() + "_" + spec.key();
    }

    private ComposeStack.VolumeSpec volumeSpec(ServiceSpec service, String key) {
        ComposeStack.VolumeSpec spec = compose.volumes().get(key);
        if (spec == null) {
            throw new BerthException("service \"" + service.name() + "\" mounts volume \"" + key + "\", which " + stack
                    + " does not declare under top-level volumes:");
        }
        return spec;
    }

    private String volumeName(ComposeStack.VolumeSpec spec) {
        return spec.name() != null ? spec.name() : stack.project() + "_" + spec.key();
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void field(MessageDigest digest, String name, byte[] value) {
        digest.update(name.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(Long.toString(value.length).getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(value);
    }
}
