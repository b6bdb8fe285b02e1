package dev.berth.deployer.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ContainerOptions;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.compose.PortMapping;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.StackChanged;
import dev.berth.deployer.DeployerConfig;
import dev.berth.deployer.internal.docker.ContainerSpec;
import dev.berth.deployer.internal.docker.DockerEngine;
import dev.berth.testkit.DockerFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the engine-feature ITs share: a stack of their own (UUID-named), the local engine, a work
 * directory, services built from Berth's model (so they test the engine side without the parser),
 * {@code docker} CLI access for inspecting and executing, and cleanup of every container, network,
 * volume and image a test made.
 */
abstract class EngineSupport {
    static final Clock CLOCK = Clock.systemUTC();
    static final ObjectMapper JSON = new ObjectMapper();
    static DockerEngine engine;
    static DockerFixture docker;

    @TempDir
    Path work;

    final StackRef stack =
            new StackRef("eit", "s" + UUID.randomUUID().toString().substring(0, 8));
    final String sha = randomSha();
    /** Engine names a test created outside the stack's labels (external networks and volumes, images). */
    final Set<String> networks = ConcurrentHashMap.newKeySet();

    final Set<String> volumes = ConcurrentHashMap.newKeySet();
    final Set<String> images = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void connect() {
        engine = new DockerEngine(null);
        docker = new DockerFixture();
    }

    @AfterAll
    static void disconnect() {
        if (engine != null) {
            engine.close();
        }
        if (docker != null) {
            docker.close();
        }
    }

    @AfterEach
    void cleanUp() {
        docker.removeStack(stack.key());
        for (String id : cli("volume", "ls", "-q", "--filter", "label=berth.stack=" + stack.key())
                .lines()
                .toList()) {
            cliQuiet("volume", "rm", "-f", id);
        }
        volumes.forEach(v -> cliQuiet("volume", "rm", "-f", v));
        networks.forEach(n -> cliQuiet("network", "rm", n));
        images.forEach(i -> cliQuiet("image", "rm", "-f", i));
    }

    static String randomSha() {
        return (UUID.randomUUID().toString() + UUID.randomUUID())
                .replace("-", "")
                .substring(0, 40);
    }

    DeployerConfig config(HostVariables host) {
        return DeployerConfig.defaults().withWorkDir(work).withHostVariables(host);
    }

    /** Prepares the stack at {@link #sha} with {@code files} (repository path to text). */
    StackResources resources(ComposeStack compose, Map<String, String> files) {
        return resources(compose, files, Map.of(), HostVariables.NONE, sha);
    }

    StackResources resources(
            ComposeStack compose,
            Map<String, String> files,
            Map<String, String> variables,
            HostVariables host,
            String commit) {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        files.forEach((k, v) -> bytes.put(k, v.getBytes(StandardCharsets.UTF_8)));
        StackChanged change = new StackChanged(
                stack,
                new Commit(commit, "Erin", "test", Instant.now()),
                "stacks/web/compose.yaml",
                "services: {}\n",
                List.of(),
                variables,
                new StackFiles(bytes));
        return StackResources.prepare(engine, config(host), CLOCK, change, compose, line -> {});
    }

    /** Creates and starts the container of {@code service} (#1), labelled as Berth labels it. */
    String run(StackResources resources, ServiceSpec service) {
        String id = create(resources, service);
        engine.start(id);
        return id;
    }

    /** Creates (does not start) the container of {@code service} (#1), labelled as Berth labels it. */
    String create(StackResources resources, ServiceSpec service) {
        Map<String, String> labels = new LinkedHashMap<>(service.labels());
        labels.put(Labels.STACK, stack.key());
        labels.put(Labels.SERVICE, service.name());
        labels.put(Labels.REVISION, resources.revision().sha());
        labels.put(Labels.COMPOSE_PROJECT, stack.project());
        labels.put(Labels.COMPOSE_SERVICE, service.name());
        labels.put(Labels.COMPOSE_NUMBER, "1");
        ContainerSpec spec = resources.containerSpec(stack.project() + "-" + service.name() + "-1", service, labels);
        return engine.create(spec);
    }

    /** {@code docker inspect} of one object, as the CLI prints it. */
    JsonNode inspect(String... what) {
        List<String> args = new ArrayList<>(List.of("inspect"));
        args.addAll(List.of(what));
        try {
            return JSON.readTree(cli(args.toArray(String[]::new))).get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command in a running container; its output. */
    String exec(String container, String... command) {
        List<String> args = new ArrayList<>(List.of("exec", container));
        args.addAll(List.of(command));
        return cli(args.toArray(String[]::new));
    }

    /** Runs the docker CLI; its standard output, or an exception with its output when it fails. */
    static String cli(String... args) {
        CliResult result = cliResult(args);
        if (result.exit() != 0) {
            throw new IllegalStateException("docker " + String.join(" ", args) + " failed: " + result.output());
        }
        return result.output();
    }

    static void cliQuiet(String... args) {
        cliResult(args);
    }

    record CliResult(int exit, String output) {}

    static CliResult cliResult(String... args) {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        return run(command, null);
    }

    static CliResult run(List<String> command, @Nullable Path dir) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (dir != null) {
                builder.directory(dir.toFile());
            }
            Process process = builder.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new CliResult(-1, out);
            }
            return new CliResult(process.exitValue(), out.strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A mutable draft of a service: busybox sleeping, Docker's defaults otherwise. */
    static final class Draft {
        final String name;

        @Nullable
        String image = "busybox:1.35";

        ServiceSpec.@Nullable BuildSpec build;
        List<String> command = List.of("sleep", "300");
        List<PortMapping> ports = new ArrayList<>();
        Map<String, ServiceSpec.ServiceNetwork> networks = new LinkedHashMap<>();
        List<ServiceSpec.Mount> volumes = new ArrayList<>();
        List<ServiceSpec.FileMount> secrets = new ArrayList<>();
        List<ServiceSpec.FileMount> configs = new ArrayList<>();
        Map<String, String> labels = new LinkedHashMap<>();
        boolean privileged;

        @Nullable
        String networkMode;

        @Nullable
        String pid;

        Draft(String name) {
            this.name = name;
        }

        ServiceSpec spec() {
            ContainerOptions d = ContainerOptions.DEFAULTS;
            ContainerOptions options = new ContainerOptions(
                    d.restart(),
                    d.user(),
                    d.workingDir(),
                    d.hostname(),
                    d.capAdd(),
                    d.capDrop(),
                    d.readOnly(),
                    d.init(),
                    d.extraHosts(),
                    d.dns(),
                    d.stopSignal(),
                    d.stopGracePeriod(),
                    d.tmpfs(),
                    d.resources(),
                    d.logging(),
                    d.ulimits(),
                    privileged,
                    networkMode,
                    pid);
            return new ServiceSpec(
                    name,
                    image,
                    build,
                    null,
                    command,
                    Map.of(),
                    ports,
                    List.of(),
                    null,
                    labels,
                    Map.of(),
                    networkMode != null || !networks.isEmpty()
                            ? networks
                            : Map.of("default", ServiceSpec.ServiceNetwork.PLAIN),
                    volumes,
                    secrets,
                    configs,
                    1,
                    options);
        }
    }

    static ComposeStack stackOf(
            List<ServiceSpec> services,
            Map<String, ComposeStack.NetworkSpec> networks,
            Map<String, ComposeStack.VolumeSpec> volumes,
            Map<String, ComposeStack.FileSource> secrets,
            Map<String, ComposeStack.FileSource> configs) {
        return new ComposeStack(null, services, networks, volumes, secrets, configs, Set.of(), Set.of());
    }
}
