package dev.berth.deployer.corpus;

import static org.awaitility.Awaitility.await;

import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.DotEnv;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.compose.StackFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Berth's half of {@code bench/compose-up.sh}: applies a stack directory through {@link
 * dev.berth.deployer.internal.StackApplier} (no Kafka: the deployer's own apply path), times it to every
 * container healthy as {@code docker inspect} shows it, then times a no-op re-apply, removes the stack,
 * and repeats. Writes one line per run, {@code <run> <apply-to-healthy ms> <no-op ms>}, to the output file;
 * run 0 is the warm-up (a deployer's first deployment after it started: classes loaded, engine connected).
 *
 * <p>Arguments: {@code <stack directory> <stack name> <runs> <output file> <work directory>}. The stack's
 * repository path is {@code stacks/<stack name>/compose.yaml}.
 */
public final class ComposeBench {
    private static final Duration HEALTHY_WITHIN = Duration.ofMinutes(3);

    private ComposeBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            throw new IllegalArgumentException(
                    "usage: ComposeBench <stack dir> <stack name> <runs> <output> <work dir>");
        }
        Path dir = Path.of(args[0]);
        String name = args[1];
        int runs = Integer.parseInt(args[2]);
        Path output = Path.of(args[3]);
        Path workDir = Path.of(args[4]);
        String composeFile = "stacks/" + name + "/compose.yaml";
        String compose = Files.readString(dir.resolve("compose.yaml"), StandardCharsets.UTF_8);
        Map<String, String> variables = Files.exists(dir.resolve(DotEnv.FILE_NAME))
                ? DotEnv.parse(DotEnv.FILE_NAME, Files.readString(dir.resolve(DotEnv.FILE_NAME)))
                : Map.of();
        StackFiles files = files(dir, "stacks/" + name + "/");
        StackRef stack = new StackRef("bench", name);
        int services = new ComposeParser()
                .parse(composeFile, compose, variables, files, HostVariables.NONE)
                .services()
                .size();
        List<String> lines = new ArrayList<>();
        try (BerthHarness berth = new BerthHarness(BerthHarness.config(workDir))) {
            for (int run = 0; run <= runs; run++) {
                long start = System.nanoTime();
                BerthHarness.Outcome outcome = berth.apply(stack, composeFile, compose, variables, files);
                if (!outcome.succeeded()) {
                    throw new IllegalStateException("apply failed: " + outcome.failure());
                }
                awaitHealthy(stack.project(), services);
                long up = System.nanoTime() - start;
                start = System.nanoTime();
                BerthHarness.Outcome noop = berth.apply(stack, composeFile, compose, variables, files);
                long again = System.nanoTime() - start;
                if (!noop.succeeded() || !noop.changed().isEmpty()) {
                    throw new IllegalStateException("the re-apply was not a no-op: " + noop.changed() + noop.failure());
                }
                lines.add(run + " " + up / 1_000_000 + " " + again / 1_000_000);
                Files.write(output, lines, StandardCharsets.UTF_8);
                berth.remove(stack);
            }
        } finally {
            DockerCli.LOCAL.removeQuietly(
                    "container", DockerCli.LOCAL.containers(Map.of(Expectations.PROJECT_LABEL, stack.project())));
            DockerCli.LOCAL.removeQuietly("network", DockerCli.LOCAL.labelled("network", stack.project()));
        }
    }

    /** Polls {@code docker inspect} until {@code count} containers of the project are healthy. */
    private static void awaitHealthy(String project, int count) {
        await().atMost(HEALTHY_WITHIN).pollInterval(Duration.ofMillis(100)).until(() -> healthy(project) >= count);
    }

    private static long healthy(String project) {
        List<String> ids = DockerCli.LOCAL.containers(Map.of(Expectations.PROJECT_LABEL, project));
        if (ids.isEmpty()) {
            return 0;
        }
        List<String> args = new ArrayList<>(List.of("inspect", "-f", "{{.State.Health.Status}}"));
        args.addAll(ids);
        return DockerCli.lines(DockerCli.LOCAL.must(args.toArray(String[]::new))).stream()
                .filter("healthy"::equals)
                .count();
    }

    private static StackFiles files(Path dir, String prefix) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                files.put(prefix + dir.relativize(file), Files.readAllBytes(file));
            }
        }
        return new StackFiles(files);
    }
}
