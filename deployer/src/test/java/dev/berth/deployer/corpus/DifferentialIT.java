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
 * The peer comparison, with Compose v2 ({@code docker compose}) as the reference: each corpus stack that
 * Compose v2 runs is brought up by Compose and by Berth, one after the other (they publish the same host
 * ports), under two project names; every container of both is inspected, normalised ({@link Normalised})
 * and compared field by field. A difference is either fixed or listed with its reason in
 * corpus/known-differences.txt; an unlisted difference fails. Berth's deployment is also checked against
 * the stack's expect.json and re-applied, which must change nothing. Everything is removed, even on
 * failure. {@link ModernEngineDifferentialIT} runs the same on a second, newer engine.
 *
 * <p>docker-compose 1.29.2 was the reference before; it is no longer compared with. Compose v1 has been
 * out of support since 2023 and Docker 24 to 28 ship v2, so v2 is what users' files are written for and
 * what Berth must match; every stack 1.29.2 ran, v2 runs too, and where the two differed (the network a
 * multi-network container is created on, configs) 1.29.2 was the odd one out.
 */
class DifferentialIT {
    static final String ENVIRONMENT = "dif";
    private static final String COMPOSE_PREFIX = "dcc-";
    private static final List<String> COMPOSE = List.of("docker", "compose", "--ansi", "never");

    @BeforeAll
    static void composeV2IsHere() {
        Optional<String> missing = DockerCli.composeV2Missing();
        assumeThat(missing).as("%s", missing.orElse("")).isEmpty();
    }

    static Stream<CorpusStack> stacks() {
        return Corpus.selected().stream();
    }

    /** The engine both bring the stacks up on. */
    DockerCli docker() {
        return DockerCli.LOCAL;
    }

    /** The environment of Berth's stack references, so Berth's projects are {@code <environment>-<stack>}. */
    String environment() {
        return ENVIRONMENT;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stacks")
    void behavesAsCompose(CorpusStack stack, @TempDir Path repo, @TempDir Path workDir) throws Exception {
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
        DockerCli docker = docker();
        String composeProject = COMPOSE_PREFIX + stack.name();
        StackRef berthStack = new StackRef(environment(), stack.name());
        // What a killed run may have left behind.
        CorpusIT.cleanUp(docker, composeProject, stack, Set.of(), Set.of());
        CorpusIT.cleanUp(docker, berthStack.project(), stack, Set.of(), Set.of());
        Path stackDir = copyRepository(stack, repo);
        Map<String, String> env = new HashMap<>(stack.environmentVariables());
        env.putAll(stack.hostVariableValues());
        Set<String> images = new HashSet<>();
        Set<String> volumes = new HashSet<>();
        Map<String, Map<String, JsonNode>> compose;
        Map<String, Map<String, JsonNode>> berth;
        try {
            stack.preparedNetworks().forEach(n -> docker.must("network", "create", n));
            try {
                DockerCli.Result up = docker.run(stackDir, env, compose(composeProject, "up", "-d"));
                assertThat(up.ok())
                        .as("docker compose up of %s on %s: %s", stack, docker, up.err())
                        .isTrue();
                compose = Normalised.of(composeProject, inspectAll(docker, composeProject));
            } finally {
                images.addAll(CorpusIT.images(docker, composeProject));
                volumes.addAll(CorpusIT.volumes(docker, composeProject));
                docker.run(stackDir, env, compose(composeProject, "down", "-v", "-t", "1"));
                CorpusIT.cleanUp(docker, composeProject, stack, images, volumes);
            }
            try (BerthHarness harness = new BerthHarness(BerthHarness.config(workDir)
                    .withDockerHost(docker.host())
                    .withPolicy(stack.policy())
                    .withHostVariables(stack.hostVariables()))) {
                BerthHarness.Outcome outcome = harness.apply(
                        berthStack,
                        stack.composeFile(),
                        stack.text(CorpusStack.COMPOSE),
                        stack.variables(),
                        stack.files());
                images.addAll(CorpusIT.images(docker, berthStack.project()));
                volumes.addAll(CorpusIT.volumes(docker, berthStack.project()));
                assertThat(outcome.succeeded())
                        .as("Berth deployed %s on %s: %s", stack, docker, outcome.failure())
                        .isTrue();
                berth = Normalised.of(berthStack.project(), inspectAll(docker, berthStack.project()));
                assertThat(Expectations.check(docker, berthStack.project(), stack.expect()))
                        .as("%s on %s, as docker inspect shows it", stack, docker)
                        .isEmpty();
                BerthHarness.Outcome again = harness.apply(
                        berthStack,
                        stack.composeFile(),
                        stack.text(CorpusStack.COMPOSE),
                        stack.variables(),
                        stack.files());
                assertThat(again.changed())
                        .as("plan of %s re-applied on %s: %s", stack, docker, again.failure())
                        .isEmpty();
                harness.remove(berthStack);
            }
        } finally {
            CorpusIT.cleanUp(docker, berthStack.project(), stack, images, volumes);
            docker.removeQuietly("network", stack.preparedNetworks());
        }

        List<Difference> differences = compare(stack.name(), compose, berth);
        KnownDifferences known = KnownDifferences.load(Corpus.root());
        List<Difference> unlisted =
                differences.stream().filter(d -> !known.known(d)).toList();
        assertThat(unlisted)
                .as(
                        "differences from Compose v2 on %s not listed in %s (all: %s)",
                        docker, KnownDifferences.FILE, differences)
                .isEmpty();
    }

    private static List<String> compose(String project, String... args) {
        List<String> command = new ArrayList<>(COMPOSE);
        command.addAll(List.of("-p", project));
        command.addAll(List.of(args));
        return command;
    }

    private static List<JsonNode> inspectAll(DockerCli docker, String project) {
        List<JsonNode> containers = new ArrayList<>();
        for (String id : docker.containers(Map.of(Expectations.PROJECT_LABEL, project))) {
            containers.add(docker.inspect("container", id));
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
