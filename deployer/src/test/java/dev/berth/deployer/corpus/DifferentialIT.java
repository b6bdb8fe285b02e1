package dev.berth.deployer.corpus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.StackRef;
import dev.berth.deployer.corpus.KnownDifferences.Difference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The peer comparison: each corpus stack that docker-compose 1.29.2 runs is brought up by docker-compose
 * and by Berth, one after the other (they publish the same host ports), under two project names; every
 * container of both is inspected, normalised ({@link Normalised}) and compared field by field. A
 * difference is either fixed or listed with its reason in corpus/known-differences.txt; an unlisted
 * difference fails. Everything is removed, even on failure.
 */
class DifferentialIT {
    static final String ENVIRONMENT = "dif";
    private static final String COMPOSE_PREFIX = "dcc-";

    @BeforeAll
    static void composeIsHere() {
        assumeThat(DockerCli.composeAvailable())
                .as("docker-compose 1.29 is installed (apt-get install docker-compose)")
                .isTrue();
    }

    static Stream<CorpusStack> stacks() {
        return Corpus.selected().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stacks")
    void behavesAsDockerCompose(CorpusStack stack, @TempDir Path repo, @TempDir Path workDir) throws Exception {
        Optional<String> refusal = stack.composeRefusal();
        assumeThat(refusal).as("%s", refusal.orElse("")).isEmpty();
        Optional<String> skip = stack.deploySkip();
        assumeThat(skip).as("%s", skip.orElse("")).isEmpty();
        Optional<String> pending = Corpus.pending(stack);
        assumeThat(pending).as("%s", pending.orElse("")).isEmpty();
        CorpusIT.parseOrSkip(stack, CorpusStack.COMPOSE);

        try (CorpusLock lock = CorpusLock.acquire()) {
            run(stack, repo, workDir);
        }
    }

    private void run(CorpusStack stack, Path repo, Path workDir) throws Exception {
        String composeProject = COMPOSE_PREFIX + stack.name();
        StackRef berthStack = new StackRef(ENVIRONMENT, stack.name());
        // What a killed run may have left behind.
        CorpusIT.cleanUp(composeProject, stack, Set.of(), Set.of());
        CorpusIT.cleanUp(berthStack.project(), stack, Set.of(), Set.of());
        Path stackDir = copyRepository(stack, repo);
        Map<String, String> env = new HashMap<>(stack.environmentVariables());
        env.putAll(stack.hostVariableValues());
        Set<String> images = new HashSet<>();
        Set<String> volumes = new HashSet<>();
        Map<String, Map<String, JsonNode>> compose;
        Map<String, Map<String, JsonNode>> berth;
        try {
            stack.preparedNetworks().forEach(n -> DockerCli.must("network", "create", n));
            try {
                DockerCli.Result up = DockerCli.run(
                        stackDir, env, List.of("docker-compose", "-p", composeProject, "up", "-d", "--no-color"));
                assertThat(up.ok())
                        .as("docker-compose up of %s: %s", stack, up.err())
                        .isTrue();
                compose = Normalised.of(composeProject, inspectAll(composeProject));
            } finally {
                images.addAll(CorpusIT.images(composeProject));
                volumes.addAll(CorpusIT.volumes(composeProject));
                DockerCli.run(stackDir, env, List.of("docker-compose", "-p", composeProject, "down", "-v", "-t", "1"));
                CorpusIT.cleanUp(composeProject, stack, images, volumes);
            }
            try (BerthHarness harness = new BerthHarness(
                    BerthHarness.config(workDir).withPolicy(stack.policy()).withHostVariables(stack.hostVariables()))) {
                BerthHarness.Outcome outcome = harness.apply(
                        berthStack,
                        stack.composeFile(),
                        stack.text(CorpusStack.COMPOSE),
                        stack.variables(),
                        stack.files());
                images.addAll(CorpusIT.images(berthStack.project()));
                volumes.addAll(CorpusIT.volumes(berthStack.project()));
                assertThat(outcome.succeeded())
                        .as("Berth deployed %s: %s", stack, outcome.failure())
                        .isTrue();
                berth = Normalised.of(berthStack.project(), inspectAll(berthStack.project()));
                harness.remove(berthStack);
            }
        } finally {
            CorpusIT.cleanUp(berthStack.project(), stack, images, volumes);
            DockerCli.removeQuietly("network", stack.preparedNetworks());
        }

        List<Difference> differences = compare(stack.name(), compose, berth);
        KnownDifferences known = KnownDifferences.load(Corpus.root());
        List<Difference> unlisted =
                differences.stream().filter(d -> !known.known(d)).toList();
        assertThat(unlisted)
                .as(
                        "differences from docker-compose 1.29.2 not listed in %s (all: %s)",
                        KnownDifferences.FILE, differences)
                .isEmpty();
    }

    private static List<JsonNode> inspectAll(String project) {
        List<JsonNode> containers = new ArrayList<>();
        for (String id : DockerCli.containers(Map.of(Expectations.PROJECT_LABEL, project))) {
            containers.add(DockerCli.inspect("container", id));
        }
        return containers;
    }

    static List<Difference> compare(
            String stack, Map<String, Map<String, JsonNode>> compose, Map<String, Map<String, JsonNode>> berth) {
        List<Difference> differences = new ArrayList<>();
        Set<String> containers = new TreeSet<>(compose.keySet());
        containers.addAll(berth.keySet());
        for (String container : containers) {
            String service = container.substring(0, container.indexOf('#'));
            Map<String, JsonNode> c = compose.get(container);
            Map<String, JsonNode> b = berth.get(container);
            if (c == null || b == null) {
                differences.add(new Difference(
                        stack,
                        service,
                        container,
                        "container",
                        c == null ? "none" : "runs",
                        b == null ? "none" : "runs"));
                continue;
            }
            for (String field : Normalised.fieldNames()) {
                if (!c.get(field).equals(b.get(field))) {
                    differences.add(new Difference(
                            stack,
                            service,
                            container,
                            field,
                            c.get(field).toString(),
                            b.get(field).toString()));
                }
            }
        }
        return differences;
    }

    /** The stack as a repository on disk: {@code stacks/<name>/} and {@code shared/}; returns the stack's directory. */
    private static Path copyRepository(CorpusStack stack, Path repo) throws IOException {
        copy(stack.dir(), repo.resolve("stacks").resolve(stack.name()));
        copy(stack.root().resolve(CorpusStack.SHARED), repo.resolve(CorpusStack.SHARED));
        return repo.resolve("stacks").resolve(stack.name());
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path source : walk.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
