package dev.berth.deployer.internal.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.BuildImageCmd;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.HealthStateLog;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.command.PullImageCmd;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.BlkioRateDevice;
import com.github.dockerjava.api.model.BlkioWeightDevice;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.Link;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.SELContext;
import com.github.dockerjava.api.model.TmpfsOptions;
import com.github.dockerjava.api.model.Ulimit;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.api.model.VolumeOptions;
import com.github.dockerjava.api.model.VolumesFrom;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.berth.common.BerthException;
import dev.berth.common.RetriableBerthException;
import dev.berth.common.compose.Cidr;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ContainerOptions;
import dev.berth.common.compose.HealthCheck;
import dev.berth.common.compose.PortMapping;
import dev.berth.common.compose.ServiceSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A Docker Engine, reached through docker-java, in Berth's terms. Translates docker-java's
 * exceptions: an engine that cannot be reached is a {@link RetriableBerthException}, anything the
 * engine refuses a {@link BerthException} with its message.
 *
 * <p>Every call is bounded, whatever the engine does: a request the engine answers at once (inspect,
 * list, create, start, remove...) is given up after {@link #CALL_TIMEOUT} (a ping after
 * {@link #PING_TIMEOUT}), a stop after its grace period and {@link #CALL_TIMEOUT}, a pull or a build
 * after the timeout its caller gives; an engine that accepts the connection and never answers is then
 * a {@link RetriableBerthException} naming the call. The caller waits on its own clock (the call runs
 * on one of the engine's daemon threads, {@code berth-docker-call-N}), and the sockets have read
 * timeouts too, so a hung request also frees its thread. Thread-safe; owns its clients.
 */
public final class DockerEngine implements AutoCloseable {
    /** How long a request the engine answers at once may take. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    /** How long a ping may take. */
    public static final Duration PING_TIMEOUT = Duration.ofSeconds(5);
    /** How long connecting to the engine may take. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * A stream (pull, build, events, logs, a stop that waits for its grace period) without a byte for this
     * long is broken: the socket's backstop behind the callers' own bounds.
     */
    private static final Duration STREAM_SILENCE = Duration.ofMinutes(10);

    /** The engine names anonymous volumes with 64 hexadecimal digits. */
    private static final Pattern ANONYMOUS_VOLUME = Pattern.compile("[0-9a-f]{64}");

    private static final AtomicInteger CALL_THREADS = new AtomicInteger();

    /** Requests answered at once: a short read timeout. */
    private final DockerClient client;
    /** Streams and long requests: a read timeout of {@link #STREAM_SILENCE}. */
    private final DockerClient streams;
    /** Runs each bounded request, so its caller waits on its own clock. */
    private final ExecutorService calls;

    private final String host;
    private volatile @Nullable ApiVersion apiVersion;

    /** @param dockerHost the engine's URL, or null for the local socket */
    public DockerEngine(@Nullable String dockerHost) {
        DefaultDockerClientConfig.Builder builder = DefaultDockerClientConfig.createDefaultConfigBuilder();
        if (dockerHost != null) {
            builder.withDockerHost(dockerHost);
        }
        DefaultDockerClientConfig config = builder.build();
        this.host = config.getDockerHost().toString();
        this.client = client(config, CALL_TIMEOUT.plusSeconds(5));
        this.streams = client(config, STREAM_SILENCE);
        this.calls = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "berth-docker-call-" + CALL_THREADS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    private static DockerClient client(DefaultDockerClientConfig config, Duration readTimeout) {
        return DockerClientImpl.getInstance(
                config,
                new ApacheDockerHttpClient.Builder()
                        .dockerHost(config.getDockerHost())
                        .sslConfig(config.getSSLConfig())
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .responseTimeout(readTimeout)
                        .build());
    }

    public String host() {
        return host;
    }

    /** True when the engine answers within {@link #PING_TIMEOUT}. */
    public boolean ping() {
        try {
            requireReachable();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Throws {@link RetriableBerthException} when the engine does not answer within {@link #PING_TIMEOUT}. */
    public void requireReachable() {
        call("reach the engine", PING_TIMEOUT, () -> client.pingCmd().exec());
    }

    /** The local image id of {@code image}, if the engine has it. */
    public Optional<String> imageId(String image) {
        try {
            return Optional.of(call(
                    "inspect image " + image,
                    () -> client.inspectImageCmd(image).exec().getId()));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /** Pulls an image, bounded by {@code timeout}; throws {@link BerthException} with the registry's answer. */
    public void pull(String image, Duration timeout) throws InterruptedException {
        pull(image, null, timeout);
    }

    /**
     * Pulls an image for {@code platform} ({@code os[/arch[/variant]]}, or null for the engine's own),
     * bounded by {@code timeout}; throws {@link BerthException} with the registry's answer.
     */
    public void pull(String image, @Nullable String platform, Duration timeout) throws InterruptedException {
        QuietCallback<PullResponseItem> pulling = new QuietCallback<>();
        try {
            PullImageCmd cmd = streams.pullImageCmd(image);
            if (platform != null) {
                cmd.withPlatform(platform);
            }
            cmd.exec(pulling);
            boolean done = pulling.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                throw new BerthException("pulling " + image + " took longer than " + timeout.toSeconds() + " s");
            }
        } catch (RuntimeException e) {
            throw translate("pull " + image, e);
        } finally {
            pulling.close();
        }
        Throwable error = pulling.error();
        if (error instanceof DockerException e) {
            throw new BerthException(firstLine(e.getMessage()), e);
        }
        if (error instanceof RuntimeException e) {
            throw translate("pull " + image, e);
        }
        if (error != null) {
            throw new BerthException("could not pull " + image + ": " + error, error);
        }
    }

    /**
     * The engine's API version, such as {@code 1.41}: what it can apply of a container's config. Asked
     * once, then remembered.
     */
    public ApiVersion apiVersion() {
        ApiVersion known = apiVersion;
        if (known == null) {
            known = ApiVersion.parse(call(
                    "ask the engine its version",
                    () -> client.versionCmd().exec().getApiVersion()));
            apiVersion = known;
        }
        return known;
    }

    /** Every container, running or not, carrying {@code label=value}. */
    public List<ContainerInfo> containers(String label, String value) {
        return list(label + "=" + value);
    }

    /** Every container, running or not, carrying {@code label}, whatever its value. */
    public List<ContainerInfo> containers(String label) {
        return list(label);
    }

    /**
     * The container named exactly {@code name}, running or not, whatever its labels; empty when there is
     * none. ({@code container_name}: Berth finds a container that took the name outside the stack.)
     */
    public Optional<ContainerInfo> container(String name) {
        List<Container> found = call(
                "list containers named " + name,
                () -> client.listContainersCmd()
                        .withShowAll(true)
                        // The engine's filter is a regular expression; '.' is the one special character a name may
                        // hold.
                        .withNameFilter(List.of("^/" + name.replace(".", "\\.") + "$"))
                        .exec());
        for (Container c : found) {
            if (c.getNames() != null && Arrays.asList(c.getNames()).contains("/" + name)) {
                return Optional.of(new ContainerInfo(
                        c.getId(),
                        name,
                        "running".equals(c.getState()),
                        c.getLabels() == null ? Map.of() : c.getLabels()));
            }
        }
        return Optional.empty();
    }

    private List<ContainerInfo> list(String labelFilter) {
        List<Container> found = call(
                "list containers",
                () -> client.listContainersCmd()
                        .withShowAll(true)
                        .withLabelFilter(List.of(labelFilter))
                        .exec());
        List<ContainerInfo> result = new ArrayList<>();
        for (Container c : found) {
            // A linked container is also listed as /<linker>/<alias>: its own name is the one without a slash.
            String name = c.getNames() == null
                    ? c.getId()
                    : Arrays.stream(c.getNames())
                            .map(n -> n.replaceFirst("^/", ""))
                            .filter(n -> !n.contains("/"))
                            .findFirst()
                            .orElse(c.getId());
            result.add(new ContainerInfo(
                    c.getId(), name, "running".equals(c.getState()), c.getLabels() == null ? Map.of() : c.getLabels()));
        }
        return result;
    }

    /** Creates a bridge network unless one of that name exists. */
    public void ensureNetwork(String name, Map<String, String> labels) {
        ensureNetwork(
                name, new ComposeStack.NetworkSpec("default", null, false, null, Map.of(), Map.of(), false), labels);
    }

    /**
     * Creates a stack network as Compose does (attachable, with the spec's driver, options and
     * {@code internal}), unless one of that name exists. An existing network with another driver or
     * {@code internal} setting is refused: containers would silently land on a network other than the
     * one the file describes.
     *
     * @param labels every label to set (the spec's and Berth's)
     */
    public void ensureNetwork(String name, ComposeStack.NetworkSpec spec, Map<String, String> labels) {
        Optional<Network> existing = network(name);
        String driver = spec.driver() == null ? "bridge" : spec.driver();
        if (existing.isPresent()) {
            Network n = existing.get();
            boolean internal = Boolean.TRUE.equals(n.getInternal());
            if (!driver.equals(n.getDriver()) || internal != spec.internal()) {
                throw new BerthException("network \"" + name + "\" exists with driver " + n.getDriver()
                        + (internal ? " (internal)" : "") + " but the stack asks for driver " + driver
                        + (spec.internal() ? " (internal)" : "") + "; remove it (docker network rm " + name
                        + ") so Berth creates it as declared");
            }
            List<String> subnets = subnets(n);
            List<String> wanted = spec.ipam() == null
                    ? List.of()
                    : spec.ipam().config().stream()
                            .map(ComposeStack.IpamPool::subnet)
                            .toList();
            if (!wanted.isEmpty() && !new HashSet<>(subnets).containsAll(wanted)) {
                throw new BerthException("network \"" + name + "\" exists with subnets " + subnets
                        + " but the stack asks for " + wanted + "; remove it (docker network rm " + name
                        + ") so Berth creates it as declared");
            }
            return;
        }
        checkOverlaps(name, spec);
        Network.Ipam ipam = null;
        if (spec.ipam() != null) {
            ipam = new Network.Ipam()
                    .withDriver(
                            spec.ipam().driver() == null
                                    ? "default"
                                    : spec.ipam().driver())
                    .withConfig(spec.ipam().config().stream()
                            .map(pool -> new Network.Ipam.Config()
                                    .withSubnet(pool.subnet())
                                    .withIpRange(pool.ipRange())
                                    .withGateway(pool.gateway()))
                            .toList());
        }
        Network.Ipam addresses = ipam;
        try {
            call(
                    "create network " + name,
                    () -> client.createNetworkCmd()
                            .withName(name)
                            .withDriver(driver)
                            .withOptions(spec.driverOpts())
                            .withInternal(spec.internal())
                            .withAttachable(spec.attachable())
                            .withEnableIpv6(spec.enableIpv6())
                            .withIpam(addresses)
                            .withLabels(labels)
                            .withCheckDuplicate(true)
                            .exec());
        } catch (BerthException e) {
            // Another worker may have created it a moment ago.
            if (network(name).isEmpty()) {
                throw e;
            }
        }
    }

    private static List<String> subnets(Network network) {
        if (network.getIpam() == null || network.getIpam().getConfig() == null) {
            return List.of();
        }
        return network.getIpam().getConfig().stream()
                .map(Network.Ipam.Config::getSubnet)
                .filter(Objects::nonNull)
                .toList();
    }

    /**
     * Refuses a subnet that overlaps one of another network on the engine, naming it: the engine's own
     * refusal ("Pool overlaps with other one on this address space") names neither.
     */
    private void checkOverlaps(String name, ComposeStack.NetworkSpec spec) {
        if (spec.ipam() == null || spec.ipam().config().isEmpty()) {
            return;
        }
        List<Network> others =
                call("list networks", () -> client.listNetworksCmd().exec());
        for (ComposeStack.IpamPool pool : spec.ipam().config()) {
            Cidr wanted = Cidr.parse(pool.subnet()).orElseThrow();
            for (Network other : others) {
                for (String subnet : subnets(other)) {
                    if (Cidr.parse(subnet).filter(wanted::overlaps).isPresent()) {
                        throw new BerthException("network \"" + name + "\": subnet " + pool.subnet() + " overlaps "
                                + subnet + " of network \"" + other.getName() + "\" on the engine; choose a subnet"
                                + " no other network uses (docker network inspect " + other.getName() + ")");
                    }
                }
            }
        }
    }

    /** True when the engine has a network of exactly this name. */
    public boolean networkExists(String name) {
        return network(name).isPresent();
    }

    /** Removes a network if it exists. */
    public void removeNetwork(String name) {
        Optional<String> id = networkId(name);
        if (id.isPresent()) {
            try {
                call("remove network " + name, () -> {
                    client.removeNetworkCmd(id.get()).exec();
                    return null;
                });
            } catch (NotFoundException e) {
                // already gone
            }
        }
    }

    /**
     * Removes the networks labelled {@code label=value} whose names are not in {@code keep}. A network
     * some container still uses stays; its name is returned.
     */
    public List<String> removeNetworks(String label, String value, Set<String> keep) {
        List<Network> networks = call(
                "list networks",
                () -> client.listNetworksCmd()
                        .withFilter("label", List.of(label + "=" + value))
                        .exec());
        List<String> inUse = new ArrayList<>();
        for (Network n : networks) {
            if (keep.contains(n.getName())) {
                continue;
            }
            try {
                call("remove network " + n.getName(), () -> {
                    client.removeNetworkCmd(n.getId()).exec();
                    return null;
                });
            } catch (NotFoundException e) {
                // already gone
            } catch (RetriableBerthException e) {
                throw e;
            } catch (BerthException e) {
                inUse.add(n.getName());
            }
        }
        return inUse;
    }

    private Optional<String> networkId(String name) {
        return network(name).map(Network::getId);
    }

    private Optional<Network> network(String name) {
        List<Network> networks = call(
                "list networks",
                () -> client.listNetworksCmd().withNameFilter(name).exec());
        return networks.stream().filter(n -> n.getName().equals(name)).findFirst();
    }

    /** A named volume as the engine has it: its driver and driver options. */
    public record VolumeState(String driver, Map<String, String> options) {
        public VolumeState {
            options = Map.copyOf(options);
        }
    }

    /** The volume of exactly this name, or empty when the engine has none. */
    public Optional<VolumeState> volume(String name) {
        try {
            InspectVolumeResponse volume = call(
                    "inspect volume " + name,
                    () -> client.inspectVolumeCmd(name).exec());
            return Optional.of(new VolumeState(
                    volume.getDriver() == null ? "local" : volume.getDriver(),
                    volume.getOptions() == null ? Map.of() : volume.getOptions()));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /** True when the engine has a volume of exactly this name. */
    public boolean volumeExists(String name) {
        try {
            call("inspect volume " + name, () -> client.inspectVolumeCmd(name).exec());
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /**
     * Creates a named volume unless one of that name exists. Berth never removes a named volume: it
     * holds data.
     *
     * @param labels every label to set (the spec's and Berth's)
     */
    public void ensureVolume(String name, ComposeStack.VolumeSpec spec, Map<String, String> labels) {
        if (volumeExists(name)) {
            return;
        }
        call(
                "create volume " + name,
                () -> client.createVolumeCmd()
                        .withName(name)
                        .withDriver(spec.driver() == null ? "local" : spec.driver())
                        .withDriverOpts(spec.driverOpts())
                        .withLabels(labels)
                        .exec());
    }

    /**
     * Builds an image and tags it. The context is every regular file under {@link BuildRequest#context()}
     * that its {@code .dockerignore} keeps (a Dockerfile outside it is added to the archive); nothing is pulled that the engine lacks unless
     * the Dockerfile's {@code FROM} needs it.
     *
     * @return the built image's id
     * @throws BerthException when the build fails, with the engine's error and the build's last lines
     */
    public String build(BuildRequest request, Duration timeout) throws InterruptedException {
        Path context = request.context();
        Path dockerfile = request.dockerfile();
        Map<String, byte[]> extra = new TreeMap<>();
        String dockerfileName;
        if (dockerfile.normalize().startsWith(context.normalize())) {
            dockerfileName = ContextTar.relative(context.normalize(), dockerfile.normalize());
        } else {
            dockerfileName = ".berth.Dockerfile";
            try {
                extra.put(dockerfileName, Files.readAllBytes(dockerfile));
            } catch (IOException e) {
                throw new BerthException("could not read the Dockerfile " + dockerfile + ": " + e.getMessage(), e);
            }
        }
        byte[] tar;
        try {
            tar = ContextTar.of(context, DockerIgnore.of(context), dockerfileName, extra);
        } catch (IOException e) {
            throw new BerthException("could not read " + context.resolve(DockerIgnore.FILE) + ": " + e.getMessage(), e);
        }
        BuildOutput output = new BuildOutput();
        try {
            ServiceSpec.BuildSpec build = request.build();
            BuildImageCmd cmd = streams.buildImageCmd(new ByteArrayInputStream(tar))
                    .withDockerfilePath(dockerfileName)
                    .withTags(Set.of(request.tag()))
                    .withLabels(build.labels())
                    .withPull(build.pull())
                    .withNoCache(build.noCache())
                    .withRemove(true)
                    .withForcerm(true);
            build.args().forEach(cmd::withBuildArg);
            if (build.target() != null) {
                cmd.withTarget(build.target());
            }
            if (!build.cacheFrom().isEmpty()) {
                cmd.withCacheFrom(new LinkedHashSet<>(build.cacheFrom()));
            }
            if (build.network() != null) {
                cmd.withNetworkMode(build.network());
            }
            if (build.shmSize() != null) {
                cmd.withShmsize(build.shmSize());
            }
            if (!build.extraHosts().isEmpty()) {
                cmd.withExtraHosts(new LinkedHashSet<>(build.extraHosts()));
            }
            cmd.exec(output);
            if (!output.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new BerthException("building " + request.tag() + " took longer than " + timeout.toSeconds() + " s"
                        + output.tail());
            }
        } catch (RuntimeException e) {
            if (e instanceof BerthException be) {
                throw be;
            }
            throw translate("build " + request.tag(), e);
        } finally {
            output.close();
        }
        Throwable error = output.error();
        String failure = output.failure();
        if (failure == null && error instanceof DockerException de) {
            failure = firstLine(de.getMessage());
        } else if (failure == null && error instanceof RuntimeException re) {
            throw translate("build " + request.tag(), re);
        } else if (failure == null && error != null) {
            failure = String.valueOf(error.getMessage());
        }
        if (failure != null) {
            throw new BerthException(failure.strip() + output.tail());
        }
        return imageId(request.tag())
                .orElseThrow(() -> new BerthException(
                        "the build of " + request.tag() + " ended without an image" + output.tail()));
    }

    /**
     * What to build.
     *
     * @param context the host directory holding the build context
     * @param dockerfile the Dockerfile's host path, inside the context or not
     * @param tag the name to tag the image with
     */
    public record BuildRequest(Path context, Path dockerfile, ServiceSpec.BuildSpec build, String tag) {
        public BuildRequest {
            Objects.requireNonNull(context, "context");
            Objects.requireNonNull(dockerfile, "dockerfile");
            Objects.requireNonNull(build, "build");
            Objects.requireNonNull(tag, "tag");
        }
    }

    /** Keeps a build's last lines and its error, if any. */
    private static final class BuildOutput extends QuietCallback<BuildResponseItem> {
        private static final int LINES = 20;
        private final Deque<String> lines = new ArrayDeque<>();
        private volatile @Nullable String failure;

        @Override
        public void onNext(BuildResponseItem item) {
            String text = item.getStream();
            if (text != null) {
                synchronized (lines) {
                    for (String line : text.split("\n")) {
                        if (!line.isBlank()) {
                            lines.addLast(line.stripTrailing());
                            if (lines.size() > LINES) {
                                lines.removeFirst();
                            }
                        }
                    }
                }
            }
            if (item.isErrorIndicated() && failure == null) {
                failure = item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
                        ? item.getErrorDetail().getMessage()
                        : item.getError();
            }
        }

        @Nullable
        String failure() {
            return failure;
        }

        /** {@code \nlast output:\n  ...}, or empty when the build printed nothing. */
        String tail() {
            synchronized (lines) {
                if (lines.isEmpty()) {
                    return "";
                }
                return "\nlast output:\n" + String.join("\n", lines).indent(2).stripTrailing();
            }
        }
    }

    /**
     * Creates (does not start) a container; returns its id. It joins its first network when it is
     * created and the others before it returns, each with its aliases; a container that cannot join
     * them all is removed again.
     */
    public String create(ContainerSpec spec) {
        String id;
        try {
            id = call(
                    "create container " + spec.name(),
                    () -> createCmd(spec).exec().getId());
        } catch (NotFoundException e) {
            // A missing image or network: the caller checked them, so something removed them meanwhile.
            throw translate("create container " + spec.name(), e);
        }
        List<ContainerSpec.NetworkAttachment> networks = spec.networks();
        try {
            // The create call passes only aliases and addresses for the first network: one with more
            // endpoint settings is left and joined again with them all, before the container ever starts.
            if (!networks.isEmpty() && networks.get(0).extended()) {
                String first = networks.get(0).network();
                call("disconnect container " + spec.name() + " from network " + first, () -> {
                    client.disconnectFromNetworkCmd()
                            .withNetworkId(first)
                            .withContainerId(id)
                            .exec();
                    return null;
                });
            }
            int connected = !networks.isEmpty() && networks.get(0).extended() ? 0 : 1;
            for (ContainerSpec.NetworkAttachment attachment :
                    networks.subList(Math.min(connected, networks.size()), networks.size())) {
                call("connect container " + spec.name() + " to network " + attachment.network(), () -> {
                    client.connectToNetworkCmd()
                            .withNetworkId(attachment.network())
                            .withContainerId(id)
                            .withContainerNetwork(endpoint(attachment).withLinks(links(spec.links())))
                            .exec();
                    return null;
                });
            }
        } catch (RuntimeException e) {
            remove(id);
            throw e instanceof NotFoundException nf ? translate("connect container " + spec.name(), nf) : e;
        }
        return id;
    }

    /**
     * A network attachment as the engine takes it on connect: aliases, fixed and link-local addresses,
     * driver options and gateway priority (a MAC address given here is ignored: see create).
     */
    private static ContainerNetwork endpoint(ContainerSpec.NetworkAttachment attachment) {
        Endpoint endpoint = new Endpoint();
        endpoint.withAliases(attachment.aliases());
        if (attachment.ipv4Address() != null
                || attachment.ipv6Address() != null
                || !attachment.linkLocalIps().isEmpty()) {
            EndpointIpam addresses = new EndpointIpam();
            if (attachment.ipv4Address() != null) {
                addresses.withIpv4Address(attachment.ipv4Address());
            }
            if (attachment.ipv6Address() != null) {
                addresses.withIpv6Address(attachment.ipv6Address());
            }
            if (!attachment.linkLocalIps().isEmpty()) {
                addresses.linkLocalIps = attachment.linkLocalIps();
            }
            endpoint.withIpamConfig(addresses);
        }
        if (!attachment.driverOpts().isEmpty()) {
            endpoint.driverOpts = attachment.driverOpts();
        }
        endpoint.gwPriority = attachment.gwPriority();
        return endpoint;
    }

    /**
     * docker-java's endpoint settings with the fields it lacks ({@code DriverOpts}, {@code GwPriority}),
     * serialised by the same mapper; unset fields are left out, so an older engine sees what it knew.
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    private static final class Endpoint extends ContainerNetwork {
        private static final long serialVersionUID = 1L;

        @com.fasterxml.jackson.annotation.JsonProperty("DriverOpts")
        @Nullable
        Map<String, String> driverOpts;

        @com.fasterxml.jackson.annotation.JsonProperty("GwPriority")
        @Nullable
        Integer gwPriority;
    }

    /** docker-java's endpoint IPAM settings with {@code LinkLocalIPs}, which it lacks. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    private static final class EndpointIpam extends ContainerNetwork.Ipam {
        private static final long serialVersionUID = 1L;

        @com.fasterxml.jackson.annotation.JsonProperty("LinkLocalIPs")
        @Nullable
        List<String> linkLocalIps;
    }

    private CreateContainerCmd createCmd(ContainerSpec spec) {
        Ports bindings = new Ports();
        List<ExposedPort> exposed = new ArrayList<>();
        ServiceSpec service = spec.service();
        for (PortMapping port : service.ports()) {
            ExposedPort ep = new ExposedPort(port.containerPort(), InternetProtocol.parse(port.protocol()));
            exposed.add(ep);
            String ip = port.hostIp().isEmpty() ? null : port.hostIp();
            String hostPort = port.hostPort() == null
                    ? null
                    : port.hostPortEnd() == null
                            ? String.valueOf(port.hostPort())
                            : port.hostPort() + "-" + port.hostPortEnd();
            bindings.bind(ep, new Ports.Binding(ip, hostPort));
        }
        for (String expose : service.expose()) {
            exposed.add(ExposedPort.parse(expose));
        }
        ContainerOptions options = service.options();
        HostConfig host = HostConfig.newHostConfig()
                .withPortBindings(bindings)
                .withReadonlyRootfs(options.readOnly())
                .withExtraHosts(options.extraHosts().toArray(String[]::new));
        if (spec.networkMode() != null) {
            host.withNetworkMode(spec.networkMode());
        } else if (!spec.networks().isEmpty()) {
            host.withNetworkMode(spec.networks().get(0).network());
        }
        if (options.privileged()) {
            host.withPrivileged(true);
        }
        if (options.pid() != null) {
            host.withPidMode(options.pid());
        }
        isolation(options, host);
        if (options.restart() != null) {
            host.withRestartPolicy(RestartPolicy.parse(options.restart()));
        }
        if (options.init()) {
            host.withInit(true);
        }
        if (!options.capAdd().isEmpty()) {
            host.withCapAdd(capabilities(options.capAdd()));
        }
        if (!options.capDrop().isEmpty()) {
            host.withCapDrop(capabilities(options.capDrop()));
        }
        if (!options.dns().isEmpty()) {
            host.withDns(options.dns());
        }
        if (!options.tmpfs().isEmpty()) {
            host.withTmpFs(options.tmpfs());
        }
        ContainerOptions.Resources resources = options.resources();
        host.withMemory(resources.memoryLimit())
                .withNanoCPUs(resources.nanoCpus())
                .withPidsLimit(resources.pidsLimit())
                .withMemoryReservation(resources.memoryReservation());
        if (!resources.deviceRequests().isEmpty()) {
            host.withDeviceRequests(resources.deviceRequests().stream()
                    .map(r -> new DeviceRequest()
                            .withDriver(r.driver() == null ? "" : r.driver())
                            .withCount(r.count())
                            .withDeviceIds(r.deviceIds())
                            .withCapabilities(List.of(r.capabilities()))
                            .withOptions(r.options()))
                    .toList());
        }
        if (options.logging() != null) {
            host.withLogConfig(logConfig(options.logging()));
        }
        if (!options.ulimits().isEmpty()) {
            host.withUlimits(options.ulimits().entrySet().stream()
                    .map(e -> new Ulimit(
                            e.getKey(), e.getValue().get(0), e.getValue().get(1)))
                    .toList());
        }
        limits(options, host);
        if (!service.annotations().isEmpty()) {
            host.withAnnotations(service.annotations());
        }
        if (!spec.links().isEmpty()) {
            host.withLinks(links(spec.links()));
        }
        if (!spec.volumesFrom().isEmpty()) {
            host.withVolumesFrom(
                    spec.volumesFrom().stream().map(VolumesFrom::parse).toList());
        }
        List<Volume> anonymous = mounts(spec.mounts(), host);
        CreateContainerCmd cmd = client.createContainerCmd(service.image())
                .withName(spec.name())
                .withLabels(spec.labels())
                .withEnv(service.environment().entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .toList())
                .withExposedPorts(exposed)
                .withHostConfig(host);
        if (!anonymous.isEmpty()) {
            cmd.withVolumes(anonymous);
        }
        if (spec.networkMode() == null && !spec.networks().isEmpty()) {
            ContainerSpec.NetworkAttachment first = spec.networks().get(0);
            cmd.withAliases(first.aliases());
            // The engine (API 1.44+) puts the container-wide MAC address on the network it creates it on.
            if (first.macAddress() != null && options.macAddress() == null) {
                cmd.withMacAddress(first.macAddress());
            }
            if (first.ipv4Address() != null) {
                cmd.withIpv4Address(first.ipv4Address());
            }
            if (first.ipv6Address() != null) {
                cmd.withIpv6Address(first.ipv6Address());
            }
        }
        if (service.entrypoint() != null) {
            cmd.withEntrypoint(service.entrypoint());
        }
        if (service.command() != null) {
            cmd.withCmd(service.command());
        }
        if (options.user() != null) {
            cmd.withUser(options.user());
        }
        if (options.workingDir() != null) {
            cmd.withWorkingDir(options.workingDir());
        }
        if (options.hostname() != null) {
            cmd.withHostName(options.hostname());
        }
        if (options.stopSignal() != null) {
            cmd.withStopSignal(options.stopSignal());
        }
        if (options.stopGracePeriod() != null) {
            cmd.withStopTimeout((int) Math.max(0, options.stopGracePeriod().toSeconds()));
        }
        process(options, cmd);
        if (service.platform() != null) {
            cmd.withPlatform(service.platform());
        }
        HealthCheck hc = service.healthcheck();
        if (hc != null) {
            com.github.dockerjava.api.model.HealthCheck check =
                    new com.github.dockerjava.api.model.HealthCheck().withTest(hc.test());
            if (hc.interval() != null) {
                check.withInterval(hc.interval().toNanos());
            }
            if (hc.timeout() != null) {
                check.withTimeout(hc.timeout().toNanos());
            }
            if (hc.startPeriod() != null) {
                check.withStartPeriod(hc.startPeriod().toNanos());
            }
            if (hc.retries() != null) {
                check.withRetries(hc.retries());
            }
            if (hc.startInterval() != null) {
                check.withStartInterval(hc.startInterval().toNanos());
            }
            cmd.withHealthcheck(check);
        }
        return cmd;
    }

    /** stdin_open, tty, domainname and mac_address: the container's own config. */
    private static void process(ContainerOptions options, CreateContainerCmd cmd) {
        if (options.stdinOpen()) {
            cmd.withStdinOpen(true);
        }
        if (options.tty()) {
            cmd.withTty(true);
        }
        if (options.domainname() != null) {
            cmd.withDomainName(options.domainname());
        }
        if (options.macAddress() != null) {
            cmd.withMacAddress(options.macAddress());
        }
    }

    /** group_add, dns_search, dns_opt and the kernel's limits ({@link ContainerOptions.Limits}). */
    private static void limits(ContainerOptions options, HostConfig host) {
        if (!options.groupAdd().isEmpty()) {
            host.withGroupAdd(options.groupAdd());
        }
        if (!options.dnsSearch().isEmpty()) {
            host.withDnsSearch(options.dnsSearch());
        }
        if (!options.dnsOpt().isEmpty()) {
            host.withDnsOptions(options.dnsOpt());
        }
        ContainerOptions.Limits limits = options.limits();
        host.withMemorySwap(limits.memorySwap())
                .withShmSize(limits.shmSize())
                .withCpuShares(limits.cpuShares())
                .withCpuQuota(limits.cpuQuota())
                .withCpuPeriod(limits.cpuPeriod())
                .withCpuRealtimeRuntime(limits.cpuRtRuntime())
                .withCpuRealtimePeriod(limits.cpuRtPeriod())
                .withCpusetCpus(limits.cpuset())
                .withCpuCount(limits.cpuCount())
                .withCpuPercent(limits.cpuPercent())
                .withOomScoreAdj(limits.oomScoreAdj())
                .withCgroupParent(limits.cgroupParent());
        if (limits.memorySwappiness() != null) {
            host.withMemorySwappiness(limits.memorySwappiness().longValue());
        }
        if (limits.oomKillDisable()) {
            host.withOomKillDisable(true);
        }
        if (!limits.storageOpt().isEmpty()) {
            host.withStorageOpt(limits.storageOpt());
        }
        ContainerOptions.Blkio blkio = limits.blkio();
        if (blkio != null) {
            host.withBlkioWeight(blkio.weight());
            if (!blkio.weightDevice().isEmpty()) {
                host.withBlkioWeightDevice(blkio.weightDevice().stream()
                        .map(d -> new BlkioWeightDevice().withPath(d.path()).withWeight((int) d.rate()))
                        .toList());
            }
            if (!blkio.readBps().isEmpty()) {
                host.withBlkioDeviceReadBps(rates(blkio.readBps()));
            }
            if (!blkio.writeBps().isEmpty()) {
                host.withBlkioDeviceWriteBps(rates(blkio.writeBps()));
            }
            if (!blkio.readIops().isEmpty()) {
                host.withBlkioDeviceReadIOps(rates(blkio.readIops()));
            }
            if (!blkio.writeIops().isEmpty()) {
                host.withBlkioDeviceWriteIOps(rates(blkio.writeIops()));
            }
        }
    }

    private static List<Link> links(List<String> links) {
        return links.stream().map(Link::parse).toList();
    }

    private static List<BlkioRateDevice> rates(List<ContainerOptions.DeviceRate> rates) {
        return rates.stream()
                .map(r -> new BlkioRateDevice().withPath(r.path()).withRate(r.rate()))
                .toList();
    }

    /** The namespace modes, security options, sysctls, devices and runtime the policy let through. */
    private static void isolation(ContainerOptions options, HostConfig host) {
        if (options.ipc() != null) {
            host.withIpcMode(options.ipc());
        }
        if (options.uts() != null) {
            host.withUtSMode(options.uts());
        }
        if (options.usernsMode() != null) {
            host.withUsernsMode(options.usernsMode());
        }
        if (options.cgroup() != null) {
            host.withCgroupnsMode(options.cgroup());
        }
        if (!options.securityOpt().isEmpty()) {
            host.withSecurityOpts(options.securityOpt());
        }
        if (!options.sysctls().isEmpty()) {
            host.withSysctls(options.sysctls());
        }
        if (!options.devices().isEmpty()) {
            host.withDevices(options.devices().stream().map(Device::parse).toList());
        }
        if (!options.deviceCgroupRules().isEmpty()) {
            host.withDeviceCgroupRules(options.deviceCgroupRules());
        }
        if (options.runtime() != null) {
            host.withRuntime(options.runtime());
        }
    }

    /**
     * Puts the mounts on {@code host} as docker-compose 1.29.2 does, so {@code docker inspect} shows
     * the same {@code Mounts}: bind mounts and plain named volumes as {@code Binds}
     * ({@code source:target:rw|ro}), volumes with {@code nocopy}, tmpfs mounts, secrets and configs as
     * {@code Mounts}; returns the anonymous volumes, which go in the container's {@code Volumes}.
     */
    private static List<Volume> mounts(List<ContainerSpec.MountSpec> mounts, HostConfig host) {
        List<Bind> binds = new ArrayList<>();
        List<Mount> apiMounts = new ArrayList<>();
        List<Volume> anonymous = new ArrayList<>();
        for (ContainerSpec.MountSpec m : mounts) {
            switch (m.kind()) {
                case BIND ->
                    // source:target:rw|ro[,z|Z], as Compose writes a relabelled bind.
                    binds.add(new Bind(
                            m.source(),
                            new Volume(m.target()),
                            AccessMode.fromBoolean(!m.readOnly()),
                            m.selinux() == null ? SELContext.none : SELContext.fromString(m.selinux())));
                case VOLUME -> {
                    if (m.noCopy()) {
                        apiMounts.add(new Mount()
                                .withType(MountType.VOLUME)
                                .withSource(m.source())
                                .withTarget(m.target())
                                .withReadOnly(m.readOnly())
                                .withVolumeOptions(new VolumeOptions().withNoCopy(true)));
                    } else {
                        binds.add(new Bind(m.source(), new Volume(m.target()), AccessMode.fromBoolean(!m.readOnly())));
                    }
                }
                case ANONYMOUS -> {
                    if (m.noCopy() || m.readOnly()) {
                        Mount mount = new Mount()
                                .withType(MountType.VOLUME)
                                .withTarget(m.target())
                                .withReadOnly(m.readOnly());
                        apiMounts.add(
                                m.noCopy() ? mount.withVolumeOptions(new VolumeOptions().withNoCopy(true)) : mount);
                    } else {
                        anonymous.add(new Volume(m.target()));
                    }
                }
                case TMPFS -> {
                    TmpfsOptions tmpfs = new TmpfsOptions();
                    if (m.tmpfsSize() != null) {
                        tmpfs.withSizeBytes(m.tmpfsSize());
                    }
                    if (m.tmpfsMode() != null) {
                        tmpfs.withMode(m.tmpfsMode());
                    }
                    apiMounts.add(new Mount()
                            .withType(MountType.TMPFS)
                            .withTarget(m.target())
                            .withTmpfsOptions(tmpfs));
                }
                case FILE ->
                    apiMounts.add(new Mount()
                            .withType(MountType.BIND)
                            .withSource(m.source())
                            .withTarget(m.target())
                            .withReadOnly(true));
            }
        }
        if (!binds.isEmpty()) {
            host.withBinds(binds);
        }
        if (!apiMounts.isEmpty()) {
            host.withMounts(apiMounts);
        }
        return anonymous;
    }

    private static LogConfig logConfig(ContainerOptions.Logging logging) {
        LogConfig.LoggingType type;
        try {
            type = LogConfig.LoggingType.fromValue(logging.driver());
        } catch (IllegalArgumentException e) {
            type = null;
        }
        if (type == null) {
            throw new BerthException("log driver \"" + logging.driver() + "\" is not known to Docker; use json-file,"
                    + " local, syslog, journald, gelf, fluentd or none");
        }
        return new LogConfig(type, logging.options());
    }

    private static Capability[] capabilities(List<String> names) {
        List<Capability> result = new ArrayList<>();
        for (String name : names) {
            try {
                result.add(Capability.valueOf(name));
            } catch (IllegalArgumentException e) {
                throw new BerthException("capability \"" + name + "\" is not known to Docker; see capabilities(7)");
            }
        }
        return result.toArray(Capability[]::new);
    }

    public void start(String id) {
        try {
            call("start container " + id, () -> {
                client.startContainerCmd(id).exec();
                return null;
            });
        } catch (NotModifiedException e) {
            // already running
        }
    }

    /** Stops a container, waiting up to {@code grace} before killing it. */
    public void stop(String id, Duration grace) {
        try {
            call("stop container " + id, grace.plus(CALL_TIMEOUT), () -> {
                streams.stopContainerCmd(id)
                        .withTimeout((int) grace.toSeconds())
                        .exec();
                return null;
            });
        } catch (NotModifiedException | NotFoundException e) {
            // already stopped or gone
        }
    }

    public void rename(String id, String name) {
        call("rename container " + id + " to " + name, () -> {
            client.renameContainerCmd(id).withName(name).exec();
            return null;
        });
    }

    /** Removes a container, running or not; does nothing when it is gone. */
    public void remove(String id) {
        try {
            call("remove container " + id, () -> {
                client.removeContainerCmd(id).withForce(true).exec();
                return null;
            });
        } catch (NotFoundException e) {
            // already gone
        }
    }

    /**
     * The anonymous volumes a container mounts (those the engine named, from the service's
     * {@code volumes} or the image's {@code VOLUME}s), as volume mounts of the same names, so a
     * replacement keeps their data as Compose's recreate does. Empty when the container is gone.
     */
    public List<ContainerSpec.MountSpec> anonymousVolumes(String id) {
        InspectContainerResponse inspected;
        try {
            inspected = call(
                    "inspect container " + id,
                    () -> client.inspectContainerCmd(id).exec());
        } catch (NotFoundException e) {
            return List.of();
        }
        List<ContainerSpec.MountSpec> result = new ArrayList<>();
        if (inspected.getMounts() == null) {
            return result;
        }
        for (InspectContainerResponse.Mount m : inspected.getMounts()) {
            String name = m.getName();
            if (name != null
                    && ANONYMOUS_VOLUME.matcher(name).matches()
                    && m.getDestination() != null
                    && "local".equals(m.getDriver())) {
                result.add(ContainerSpec.MountSpec.volume(
                        name, m.getDestination().getPath(), !Boolean.TRUE.equals(m.getRW()), false));
            }
        }
        return result;
    }

    public ContainerState state(String id) {
        return state(id, CALL_TIMEOUT);
    }

    /** A container's state, given up (a {@link RetriableBerthException}) when the engine takes longer than {@code within}. */
    public ContainerState state(String id, Duration within) {
        InspectContainerResponse inspected = call(
                "inspect container " + id,
                within,
                () -> client.inspectContainerCmd(id).exec());
        InspectContainerResponse.ContainerState state = inspected.getState();
        List<String> log = new ArrayList<>();
        String health = null;
        if (state.getHealth() != null) {
            health = state.getHealth().getStatus();
            if (state.getHealth().getLog() != null) {
                for (HealthStateLog entry : state.getHealth().getLog()) {
                    log.add("exit " + entry.getExitCodeLong() + ": "
                            + String.valueOf(entry.getOutput()).strip());
                }
            }
        }
        Long exit = state.getExitCodeLong();
        Integer restarts = inspected.getRestartCount();
        return new ContainerState(
                Boolean.TRUE.equals(state.getRunning()),
                Boolean.TRUE.equals(state.getRestarting()),
                exit == null ? 0 : exit,
                restarts == null ? 0 : restarts,
                health,
                log);
    }

    /**
     * Where this host reaches a container's TCP port: its address on each network it joins (on Linux a
     * bridge address is reachable from the host), then the port published on the host, as
     * {@code 127.0.0.1:<host port>}. Empty when the container is gone or has neither.
     */
    public List<java.net.InetSocketAddress> addresses(String id, int port) {
        return addresses(id, port, CALL_TIMEOUT);
    }

    /** {@link #addresses(String, int)}, given up when the engine takes longer than {@code within}. */
    public List<java.net.InetSocketAddress> addresses(String id, int port, Duration within) {
        InspectContainerResponse inspected;
        try {
            inspected = call(
                    "inspect container " + id,
                    within,
                    () -> client.inspectContainerCmd(id).exec());
        } catch (NotFoundException e) {
            return List.of();
        }
        List<java.net.InetSocketAddress> result = new ArrayList<>();
        var settings = inspected.getNetworkSettings();
        if (settings == null) {
            return result;
        }
        if (settings.getNetworks() != null) {
            for (ContainerNetwork network : new TreeMap<>(settings.getNetworks()).values()) {
                String ip = network.getIpAddress();
                if (ip != null && !ip.isEmpty()) {
                    result.add(new java.net.InetSocketAddress(ip, port));
                }
            }
        }
        if (settings.getPorts() != null) {
            Ports.Binding[] bindings = settings.getPorts().getBindings().get(ExposedPort.tcp(port));
            if (bindings != null) {
                for (Ports.Binding binding : bindings) {
                    String hostPort = binding.getHostPortSpec();
                    if (hostPort != null
                            && !hostPort.isEmpty()
                            && !String.valueOf(binding.getHostIp()).contains(":")) {
                        result.add(new java.net.InetSocketAddress("127.0.0.1", Integer.parseInt(hostPort)));
                        break;
                    }
                }
            }
        }
        if ("host"
                .equals(
                        inspected.getHostConfig() == null
                                ? null
                                : inspected.getHostConfig().getNetworkMode())) {
            result.add(new java.net.InetSocketAddress("127.0.0.1", port));
        }
        return result;
    }

    /** The last {@code lines} lines of a container's output, best effort. */
    public String logTail(String id, int lines) throws InterruptedException {
        FrameText reading = new FrameText(Integer.MAX_VALUE);
        try {
            streams.logContainerCmd(id)
                    .withStdOut(true)
                    .withStdErr(true)
                    .withTail(lines)
                    .exec(reading)
                    .awaitCompletion(5, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            return "(logs not available: " + firstLine(e.getMessage()) + ")";
        } finally {
            reading.close();
        }
        if (reading.error() != null) {
            return "(logs not available: " + firstLine(reading.error().getMessage()) + ")";
        }
        return reading.text().strip();
    }

    /**
     * What a hook run in a container did.
     *
     * @param exitCode the command's exit code, or null when it did not finish within its time
     * @param output its standard output and error, interleaved, cut to the last {@value #HOOK_OUTPUT} characters
     */
    public record ExecResult(@Nullable Long exitCode, String output) {
        public boolean succeeded() {
            return exitCode != null && exitCode == 0;
        }
    }

    /** How much of a hook's output is kept for the failure's evidence. */
    static final int HOOK_OUTPUT = 4_000;

    /**
     * Runs a {@code post_start} or {@code pre_stop} hook in a running container through the engine's
     * exec, as Compose does, and waits at most {@code within} for it to end. A hook still running then is
     * left to the container (the engine cannot kill an exec) and reported without an exit code.
     */
    public ExecResult exec(String id, ServiceSpec.Hook hook, Duration within) throws InterruptedException {
        List<String> env = hook.environment().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .toList();
        String execId = call("create a hook's exec in container " + id, () -> {
            var cmd = client.execCreateCmd(id)
                    .withCmd(hook.command().toArray(String[]::new))
                    .withAttachStdout(true)
                    .withAttachStderr(true)
                    .withPrivileged(hook.privileged());
            if (hook.user() != null) {
                cmd.withUser(hook.user());
            }
            if (hook.workingDir() != null) {
                cmd.withWorkingDir(hook.workingDir());
            }
            if (!env.isEmpty()) {
                cmd.withEnv(env);
            }
            return cmd.exec().getId();
        });
        FrameText reading = new FrameText(HOOK_OUTPUT);
        boolean finished;
        try {
            streams.execStartCmd(execId).exec(reading);
            finished = reading.awaitCompletion(Math.max(1, within.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            throw translate("run a hook in container " + id, e);
        } finally {
            reading.close();
        }
        String output = reading.text();
        if (!finished) {
            return new ExecResult(null, output.strip());
        }
        Long exitCode = call(
                "inspect a hook's exec in container " + id,
                () -> client.inspectExecCmd(execId).exec().getExitCodeLong());
        return new ExecResult(exitCode, output.strip());
    }

    /** A container's output as text, its last {@code keep} characters when there is more. */
    private static final class FrameText extends QuietCallback<Frame> {
        private final int keep;
        private final StringBuilder out = new StringBuilder();

        FrameText(int keep) {
            this.keep = keep;
        }

        @Override
        public void onNext(Frame frame) {
            synchronized (out) {
                out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                if (out.length() > 2L * keep) {
                    out.delete(0, out.length() - keep);
                }
            }
        }

        String text() {
            synchronized (out) {
                return out.length() > keep ? out.substring(out.length() - keep) : out.toString();
            }
        }
    }

    /**
     * A stream callback that keeps its error for the caller instead of logging it with a stack trace,
     * as docker-java's templates do: a failed pull is an expected outcome, reported once by Berth.
     */
    private static class QuietCallback<T> extends ResultCallback.Adapter<T> {
        private volatile @Nullable Throwable error;

        @Override
        public void onError(Throwable throwable) {
            if (error == null) {
                error = throwable;
            }
            close();
        }

        @Override
        public void close() {
            try {
                super.close();
            } catch (IOException e) {
                // the stream is already broken; nothing is left to release
            }
        }

        @Nullable
        Throwable error() {
            return error;
        }
    }

    private <T> T call(String what, Supplier<T> action) {
        return call(what, CALL_TIMEOUT, action);
    }

    /**
     * Runs a request on a call thread and waits at most {@code within} for it: an engine that does not
     * answer in time is a {@link RetriableBerthException}; the request is abandoned (its socket's read
     * timeout ends it).
     */
    private <T> T call(String what, Duration within, Supplier<T> action) {
        Future<T> future;
        try {
            future = calls.submit(action::get);
        } catch (RejectedExecutionException e) {
            throw new BerthException("could not " + what + ": the Docker client is closed", e);
        }
        try {
            return future.get(Math.max(1, within.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new RetriableBerthException("Docker Engine at " + host + " did not answer within " + seconds(within)
                    + " s (" + what + "); is dockerd hung or overloaded?");
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new RetriableBerthException("interrupted while waiting for the Docker Engine to " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof NotFoundException | cause instanceof NotModifiedException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof RuntimeException runtime) {
                throw translate(what, runtime);
            }
            throw new BerthException("could not " + what + ": " + cause, cause);
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0
                ? Long.toString(d.toSeconds())
                : String.format(java.util.Locale.ROOT, "%.1f", d.toMillis() / 1000.0);
    }

    private RuntimeException translate(String what, RuntimeException e) {
        if (e instanceof DockerException de) {
            return new BerthException("could not " + what + ": " + firstLine(de.getMessage()), e);
        }
        Throwable cause = e;
        while (cause != null && !(cause instanceof IOException)) {
            cause = cause.getCause();
        }
        if (cause != null) {
            return new RetriableBerthException(
                    "Docker Engine at " + host + " is not reachable (" + cause.getMessage()
                            + "); is dockerd running and may this user use it?",
                    e);
        }
        return new BerthException("could not " + what + ": " + e, e);
    }

    private static String firstLine(@Nullable String message) {
        if (message == null) {
            return "no detail";
        }
        String text = message.replaceFirst("^Status \\d+: ", "").strip();
        if (text.startsWith("{\"message\":\"")) {
            text = text.substring(12, text.length() - (text.endsWith("\"}") ? 2 : 0))
                    .replace("\\\"", "\"")
                    .replace("\\\\", "\\");
        }
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    @Override
    public void close() {
        calls.shutdownNow();
        for (DockerClient c : List.of(client, streams)) {
            try {
                c.close();
            } catch (IOException e) {
                // closing a client that can no longer reach its engine: nothing to release
            }
        }
    }

    // Added for the deployer's orchestration (event-driven gates, port checks across stacks); kept at the
    // end of the class so the engine's own changes merge cleanly.

    /**
     * A container event a gate follows.
     *
     * @param action Docker's action: {@code start}, {@code die}, {@code restart}, {@code health_status: healthy}...
     */
    public record ContainerEvent(String containerId, String action) {}

    /** A subscription to the engine's event stream; {@link #close()} ends it. */
    public interface Subscription extends AutoCloseable {
        /** False once the stream broke: the subscriber must fall back to inspecting. */
        boolean alive();

        @Override
        void close();
    }

    /**
     * Follows the start, die, restart and health events of the containers carrying {@code label=value}
     * (including containers created after this call). Returns once the engine accepted the subscription,
     * so no later event is missed. {@code listener} runs on docker-java's stream thread.
     */
    public Subscription followContainers(
            String label, String value, java.util.function.Consumer<ContainerEvent> listener)
            throws InterruptedException {
        java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);
        QuietCallback<com.github.dockerjava.api.model.Event> stream = new QuietCallback<>() {
            @Override
            public void onStart(java.io.Closeable closeable) {
                super.onStart(closeable);
                open.countDown();
            }

            @Override
            public void onNext(com.github.dockerjava.api.model.Event event) {
                String id = event.getActor() != null && event.getActor().getId() != null
                        ? event.getActor().getId()
                        : event.getId();
                String action = event.getAction() != null ? event.getAction() : event.getStatus();
                if (id != null && action != null) {
                    listener.accept(new ContainerEvent(id, action));
                }
            }

            @Override
            public void onError(Throwable throwable) {
                super.onError(throwable);
                open.countDown();
            }

            @Override
            public void onComplete() {
                super.onComplete();
                open.countDown();
            }
        };
        try {
            streams.eventsCmd()
                    .withEventTypeFilter(com.github.dockerjava.api.model.EventType.CONTAINER)
                    .withLabelFilter(Map.of(label, value))
                    .withEventFilter("start", "die", "restart", "health_status")
                    .exec(stream);
        } catch (RuntimeException e) {
            stream.close();
            throw translate("follow the events of " + label + "=" + value, e);
        }
        if (!open.await(5, TimeUnit.SECONDS)) {
            stream.close();
            throw new RetriableBerthException("Docker Engine at " + host + " did not open its event stream within 5 s");
        }
        return new Subscription() {
            private volatile boolean closed;

            @Override
            public boolean alive() {
                return !closed && stream.error() == null;
            }

            @Override
            public void close() {
                closed = true;
                stream.close();
            }
        };
    }

    /**
     * A host port a running container publishes.
     *
     * @param hostIp the address it is bound to ({@code 0.0.0.0} or {@code ::} for all)
     */
    public record PublishedPort(
            String containerId, Map<String, String> labels, String hostIp, int port, String protocol) {
        public PublishedPort {
            labels = Map.copyOf(labels);
        }
    }

    /**
     * A container as listed, with the engine's state word.
     *
     * @param state {@code created}, {@code running}, {@code restarting}, {@code exited}, {@code paused}, {@code dead}
     * @param status the engine's phrase, such as {@code Exited (137) 5 minutes ago}
     */
    public record ListedContainer(String id, String name, String state, String status, Map<String, String> labels) {
        public ListedContainer {
            labels = Map.copyOf(labels);
        }
    }

    /** Every container, running or not, carrying the label {@code key} (any value), with its state. */
    public List<ListedContainer> listed(String key) {
        List<Container> found = call(
                "list containers",
                () -> client.listContainersCmd()
                        .withShowAll(true)
                        .withLabelFilter(List.of(key))
                        .exec());
        List<ListedContainer> result = new ArrayList<>();
        for (Container c : found) {
            // A linked container is also listed as /<linker>/<alias>: its own name is the one without a slash.
            String name = c.getNames() == null
                    ? c.getId()
                    : Arrays.stream(c.getNames())
                            .map(n -> n.replaceFirst("^/", ""))
                            .filter(n -> !n.contains("/"))
                            .findFirst()
                            .orElse(c.getId());
            result.add(new ListedContainer(
                    c.getId(),
                    name,
                    String.valueOf(c.getState()),
                    String.valueOf(c.getStatus()),
                    c.getLabels() == null ? Map.of() : c.getLabels()));
        }
        return result;
    }

    /** The host ports published by the running containers that carry the label {@code key} (any value). */
    public List<PublishedPort> publishedPorts(String key) {
        List<Container> found = call(
                "list containers",
                () -> client.listContainersCmd().withLabelFilter(List.of(key)).exec());
        List<PublishedPort> result = new ArrayList<>();
        for (Container c : found) {
            if (c.getPorts() == null) {
                continue;
            }
            Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
            for (com.github.dockerjava.api.model.ContainerPort p : c.getPorts()) {
                if (p.getPublicPort() != null) {
                    result.add(new PublishedPort(
                            c.getId(),
                            labels,
                            p.getIp() == null ? "" : p.getIp(),
                            p.getPublicPort(),
                            p.getType() == null ? "tcp" : p.getType()));
                }
            }
        }
        return result;
    }
}
