package dev.berth.deployer.internal.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.HealthStateLog;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Ulimit;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.berth.common.BerthException;
import dev.berth.common.RetriableBerthException;
import dev.berth.common.compose.ContainerOptions;
import dev.berth.common.compose.HealthCheck;
import dev.berth.common.compose.PortMapping;
import dev.berth.common.compose.ServiceSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A Docker Engine, reached through docker-java, in Berth's terms. Translates docker-java's
 * exceptions: an engine that cannot be reached is a {@link RetriableBerthException}, anything the
 * engine refuses a {@link BerthException} with its message. Thread-safe; owns its client.
 */
public final class DockerEngine implements AutoCloseable {
    private final DockerClient client;
    private final String host;

    /** @param dockerHost the engine's URL, or null for the local socket */
    public DockerEngine(@Nullable String dockerHost) {
        DefaultDockerClientConfig.Builder builder = DefaultDockerClientConfig.createDefaultConfigBuilder();
        if (dockerHost != null) {
            builder.withDockerHost(dockerHost);
        }
        DefaultDockerClientConfig config = builder.build();
        this.host = config.getDockerHost().toString();
        this.client = DockerClientImpl.getInstance(
                config,
                new ApacheDockerHttpClient.Builder()
                        .dockerHost(config.getDockerHost())
                        .sslConfig(config.getSSLConfig())
                        .connectionTimeout(Duration.ofSeconds(5))
                        .responseTimeout(Duration.ofMinutes(3))
                        .build());
    }

    public String host() {
        return host;
    }

    /** True when the engine answers. */
    public boolean ping() {
        try {
            client.pingCmd().exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Throws {@link RetriableBerthException} when the engine does not answer. */
    public void requireReachable() {
        call("reach the engine", () -> client.pingCmd().exec());
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
        QuietCallback<PullResponseItem> pulling = new QuietCallback<>();
        try {
            client.pullImageCmd(image).exec(pulling);
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

    /** Every container, running or not, carrying {@code label=value}. */
    public List<ContainerInfo> containers(String label, String value) {
        List<Container> found = call(
                "list containers",
                () -> client.listContainersCmd()
                        .withShowAll(true)
                        .withLabelFilter(Map.of(label, value))
                        .exec());
        List<ContainerInfo> result = new ArrayList<>();
        for (Container c : found) {
            String name = c.getNames() == null || c.getNames().length == 0
                    ? c.getId()
                    : c.getNames()[0].replaceFirst("^/", "");
            result.add(new ContainerInfo(
                    c.getId(), name, "running".equals(c.getState()), c.getLabels() == null ? Map.of() : c.getLabels()));
        }
        return result;
    }

    /** Creates a bridge network unless one of that name exists. */
    public void ensureNetwork(String name, Map<String, String> labels) {
        if (networkId(name).isPresent()) {
            return;
        }
        call(
                "create network " + name,
                () -> client.createNetworkCmd()
                        .withName(name)
                        .withDriver("bridge")
                        .withLabels(labels)
                        .withCheckDuplicate(true)
                        .exec());
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

    private Optional<String> networkId(String name) {
        List<Network> networks = call(
                "list networks",
                () -> client.listNetworksCmd().withNameFilter(name).exec());
        return networks.stream()
                .filter(n -> n.getName().equals(name))
                .map(Network::getId)
                .findFirst();
    }

    /** Creates (does not start) a container; returns its id. */
    public String create(ContainerSpec spec) {
        return call("create container " + spec.name(), () -> {
            Ports bindings = new Ports();
            List<ExposedPort> exposed = new ArrayList<>();
            ServiceSpec service = spec.service();
            for (PortMapping port : service.ports()) {
                ExposedPort ep = new ExposedPort(port.containerPort(), InternetProtocol.parse(port.protocol()));
                exposed.add(ep);
                String ip = port.hostIp().isEmpty() ? null : port.hostIp();
                String hostPort = port.hostPort() == null ? null : String.valueOf(port.hostPort());
                bindings.bind(ep, new Ports.Binding(ip, hostPort));
            }
            for (String expose : service.expose()) {
                exposed.add(ExposedPort.parse(expose));
            }
            ContainerOptions options = service.options();
            HostConfig host = HostConfig.newHostConfig()
                    .withPortBindings(bindings)
                    .withNetworkMode(spec.network())
                    .withReadonlyRootfs(options.readOnly())
                    .withExtraHosts(options.extraHosts().toArray(String[]::new));
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
            if (options.logging() != null) {
                host.withLogConfig(logConfig(options.logging()));
            }
            if (!options.ulimits().isEmpty()) {
                host.withUlimits(options.ulimits().entrySet().stream()
                        .map(e -> new Ulimit(
                                e.getKey(), e.getValue().get(0), e.getValue().get(1)))
                        .toList());
            }
            CreateContainerCmd cmd = client.createContainerCmd(service.image())
                    .withName(spec.name())
                    .withLabels(spec.labels())
                    .withEnv(service.environment().entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue())
                            .toList())
                    .withExposedPorts(exposed)
                    .withAliases(service.name())
                    .withHostConfig(host);
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
                cmd.withHealthcheck(check);
            }
            return cmd.exec().getId();
        });
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
            call("stop container " + id, () -> {
                client.stopContainerCmd(id).withTimeout((int) grace.toSeconds()).exec();
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

    public ContainerState state(String id) {
        InspectContainerResponse inspected = call(
                "inspect container " + id, () -> client.inspectContainerCmd(id).exec());
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

    /** The last {@code lines} lines of a container's output, best effort. */
    public String logTail(String id, int lines) throws InterruptedException {
        StringBuilder out = new StringBuilder();
        QuietCallback<Frame> reading = new QuietCallback<>() {
            @Override
            public void onNext(Frame frame) {
                synchronized (out) {
                    out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                }
            }
        };
        try {
            client.logContainerCmd(id)
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
        synchronized (out) {
            return out.toString().strip();
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
        try {
            return action.get();
        } catch (NotFoundException | NotModifiedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw translate(what, e);
        }
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
        try {
            client.close();
        } catch (IOException e) {
            // closing a client that can no longer reach its engine: nothing to release
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
            client.eventsCmd()
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
