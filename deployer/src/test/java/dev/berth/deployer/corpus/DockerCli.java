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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The {@code docker} and {@code docker-compose} command lines, as an operator uses them: what the corpus
 * checks is what {@code docker inspect} prints. Every call is bounded in time. Thread-safe.
 */
final class DockerCli {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private DockerCli() {}

    /** What a finished command printed and returned. */
    record Result(int exitCode, String out, String err) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs a command in {@code dir} (null: the current one) with extra environment variables. */
    static Result run(@Nullable Path dir, Map<String, String> env, List<String> command) {
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

    static Result docker(String... args) {
        List<String> command = new ArrayList<>();
        command.add("docker");
        command.addAll(Arrays.asList(args));
        return run(null, Map.of(), command);
    }

    /** A docker command that must succeed; returns its output. */
    static String must(String... args) {
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

    /** {@code docker inspect} of one object (container, network, volume). */
    static JsonNode inspect(String kind, String nameOrId) {
        return json(must(kind, "inspect", nameOrId)).get(0);
    }

    static boolean exists(String kind, String name) {
        return docker(kind, "inspect", name).ok();
    }

    /** Ids of every container (running or not) carrying all these labels. */
    static List<String> containers(Map<String, String> labels) {
        List<String> args = new ArrayList<>(List.of("ps", "-aq", "--no-trunc"));
        labels.forEach((k, v) -> args.addAll(List.of("--filter", "label=" + k + "=" + v)));
        return lines(must(args.toArray(String[]::new)));
    }

    /** Names of the networks or volumes labelled with a Compose project. */
    static List<String> labelled(String kind, String project) {
        return lines(must(kind, "ls", "-q", "--filter", "label=com.docker.compose.project=" + project));
    }

    static List<String> lines(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /** Removes whatever of these exists, quietly: clean-up never hides the test's own failure. */
    static void removeQuietly(String kind, List<String> names) {
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
    static Result exec(String container, List<String> command) {
        List<String> args = new ArrayList<>(List.of("exec", container));
        args.addAll(command);
        return docker(args.toArray(String[]::new));
    }

    /** True when {@code docker-compose} 1.x answers on this machine. */
    static boolean composeAvailable() {
        try {
            Result result = run(null, Map.of(), List.of("docker-compose", "version", "--short"));
            return result.ok() && result.out().strip().startsWith("1.29");
        } catch (UncheckedIOException e) {
            return false;
        }
    }
}
