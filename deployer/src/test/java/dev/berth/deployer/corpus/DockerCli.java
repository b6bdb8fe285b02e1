package dev.berth.deployer.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The {@code docker} and {@code docker compose} command lines, as an operator uses them, against one
 * engine: what the corpus checks is what {@code docker inspect} prints. Every call is bounded in time.
 * Immutable and thread-safe.
 */
final class DockerCli {
    /** The machine's own engine: {@code $DOCKER_HOST} or the local socket, as the {@code docker} CLI finds it. */
    static final DockerCli LOCAL = new DockerCli(null);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private final @Nullable String host;

    private DockerCli(@Nullable String host) {
        this.host = host;
    }

    /** The engine at this URL ({@code unix:///run/.../docker.sock}), for the {@code docker} CLI and for Berth. */
    static DockerCli at(String host) {
        return new DockerCli(Objects.requireNonNull(host, "host"));
    }

    /** The engine's URL, for {@code DeployerConfig.withDockerHost}; null for the machine's own engine. */
    @Nullable
    String host() {
        return host;
    }

    /** The variables that point a {@code docker} or {@code docker compose} process at this engine. */
    Map<String, String> environment() {
        return host == null ? Map.of() : Map.of("DOCKER_HOST", host);
    }

    /** Runs a command of the {@code docker} family in {@code dir} against this engine, with extra variables. */
    Result run(@Nullable Path dir, Map<String, String> env, List<String> command) {
        Map<String, String> all = new HashMap<>(env);
        all.putAll(environment());
        return runProcess(dir, all, command);
    }

    /** What a finished command printed and returned. */
    record Result(int exitCode, String out, String err) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs a command in {@code dir} (null: the current one) with extra environment variables. */
    static Result runProcess(@Nullable Path dir, Map<String, String> env, List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        builder.environment().putAll(env);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            String out = read(process.getInputStream());
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out after " + TIMEOUT.toSeconds() + " s: " + command);
            }
            return new Result(process.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Result docker(String... args) {
        List<String> command = new ArrayList<>();
        command.add("docker");
        command.addAll(Arrays.asList(args));
        return run(null, Map.of(), command);
    }

    /** A docker command that must succeed; returns its output. */
    String must(String... args) {
        Result result = docker(args);
        if (!result.ok()) {
            throw new IllegalStateException("docker " + String.join(" ", args) + " failed: "
                    + result.err().strip());
        }
        return result.out();
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }

    /** {@code docker inspect} of one object (container, network, volume), if it exists. */
    Optional<JsonNode> find(String kind, String nameOrId) {
        Result result = docker(kind, "inspect", nameOrId);
        return result.ok() ? Optional.of(json(result.out()).get(0)) : Optional.empty();
    }

    /**
     * {@code docker inspect} of several objects of one kind in one process (each {@code docker} process
     * costs tens of milliseconds of CPU, and the corpus makes thousands); empty for none.
     */
    List<JsonNode> inspect(String kind, List<String> namesOrIds) {
        if (namesOrIds.isEmpty()) {
            return List.of();
        }
        List<String> args = new ArrayList<>(List.of(kind, "inspect"));
        args.addAll(namesOrIds);
        List<JsonNode> result = new ArrayList<>();
        json(must(args.toArray(String[]::new))).forEach(result::add);
        return result;
    }

    boolean exists(String kind, String name) {
        return docker(kind, "inspect", name).ok();
    }

    /** Ids of every container (running or not) carrying all these labels. */
    List<String> containers(Map<String, String> labels) {
        List<String> args = new ArrayList<>(List.of("ps", "-aq", "--no-trunc"));
        labels.forEach((k, v) -> args.addAll(List.of("--filter", "label=" + k + "=" + v)));
        return lines(must(args.toArray(String[]::new)));
    }

    /** Names of the networks or volumes labelled with a Compose project. */
    List<String> labelled(String kind, String project) {
        return lines(must(kind, "ls", "-q", "--filter", "label=com.docker.compose.project=" + project));
    }

    static List<String> lines(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /**
     * Removes whatever of these exists, in one process, quietly: the CLI goes on past a name that does not
     * exist, and clean-up never hides the test's own failure.
     */
    void removeQuietly(String kind, List<String> names) {
        if (names.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>(List.of(kind, "rm"));
        if (kind.equals("container")) {
            args.addAll(List.of("-f", "-v"));
        }
        args.addAll(names);
        docker(args.toArray(String[]::new));
    }

    /** {@code docker exec}: exit code and output of a command in a running container. */
    Result exec(String container, List<String> command) {
        List<String> args = new ArrayList<>(List.of("exec", container));
        args.addAll(command);
        return docker(args.toArray(String[]::new));
    }

    /** Why Compose v2 ({@code docker compose}, the CLI plugin) cannot be used here, if it cannot. */
    static Optional<String> composeV2Missing() {
        Result result;
        try {
            result = runProcess(null, Map.of(), List.of("docker", "compose", "version"));
        } catch (UncheckedIOException e) {
            return Optional.of("no docker CLI: " + e.getMessage());
        }
        if (!result.ok()) {
            return Optional.of("Compose v2 is not installed (`docker compose version` fails: "
                    + result.err().strip() + "): run .ci/compose-v2.sh");
        }
        return result.out().matches("(?s).*[Vv]ersion v?2\\..*")
                ? Optional.empty()
                : Optional.of("`docker compose version` does not report Compose v2 ("
                        + result.out().strip() + "): run .ci/compose-v2.sh");
    }

    @Override
    public String toString() {
        return host == null ? "the local engine" : host;
    }
}
