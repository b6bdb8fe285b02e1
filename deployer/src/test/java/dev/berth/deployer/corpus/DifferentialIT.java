package dev.berth.deployer.corpus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ServiceSpec;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every corpus stack on a real engine, compared with Compose v2 ({@code docker compose}), the reference:
 * <ol>
 *   <li>parsed with its policy (the services its profiles leave; refused by the default policy when it
 *       needs an allowance);
 *   <li>brought up by Compose v2 under one project name, every container inspected, and taken down (skipped,
 *       saying why, when the stack is one Compose v2 does not run or Compose v2 is not installed);
 *   <li>applied by Berth's deployer under another project name (they publish the same host ports, so one
 *       after the other), checked through {@code docker inspect} against its expect.json, re-applied as a
 *       no-op (no container touched, no {@code deployment.started}), advanced to its next revision where it
 *       has one, and removed, leaving only its named volumes;
 *   <li>both inspections normalised ({@link Normalised}) and compared field by field. A difference is either
 *       fixed or listed with its reason in corpus/known-differences.txt; an unlisted difference fails.
 * </ol>
 * Everything is removed, even on failure. {@link ModernEngineDifferentialIT} runs the same on a second,
 * newer engine, at the same time as this class (the deployer's failsafe runs JUnit in parallel; every
 * other integration test there is {@code @Isolated}), stack after stack in each, a {@link CorpusLock}
 * keeping one stack from running on both engines at once. One Berth deployment per stack serves both the
 * expectations and the comparison.
 *
 * <p>docker-compose 1.29.2 was the reference before; it is no longer compared with. Compose v1 has been
 * out of support since 2023 and Docker 24 to 28 ship v2, so v2 is what users' files are written for and
 * what Berth must match; every stack 1.29.2 ran, v2 runs too, and where the two differed (the network a
 * multi-network container is created on, configs) 1.29.2 was the odd one out.
 */
@Execution(ExecutionMode.CONCURRENT)
class DifferentialIT {
    static final String ENVIRONMENT = "dif";
    private static final String COMPOSE_PREFIX = "dcc-";
    private static final List<String> COMPOSE = List.of("docker", "compose", "--ansi", "never");
    private static final Optional<String> COMPOSE_V2_MISSING = DockerCli.composeV2Missing();

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
    @Execution(ExecutionMode.SAME_THREAD)
    void behavesAsCompose(CorpusStack stack, @TempDir Path repo, @TempDir Path workDir) throws Exception {
        Optional<String> pending = Corpus.pending(stack);
        assumeThat(pending).as("%s", pending.orElse("")).isEmpty();
        ComposeStack parsed = CorpusProjects.parseOrSkip(stack, CorpusStack.COMPOSE);
        assertThat(parsed.services().stream().map(ServiceSpec::name).toList())
                .as("services of %s after profiles", stack)
                .containsExactlyInAnyOrderElementsOf(expectedServices(stack.expect()));
        if (!stack.allowances().isEmpty()) {
            assertThatThrownBy(() -> Parsing.parse(stack, ComposePolicy.DEFAULT, CorpusStack.COMPOSE))
                    .as("the default policy refuses %s", stack)
                    .isInstanceOf(ComposeException.class)
                    .hasMessageContaining(stack.allowances().get(0));
        }
        Optional<String> skip = stack.deploySkip();
        assumeThat(skip).as("%s is parsed only: %s", stack, skip.orElse("")).isEmpty();

        try (CorpusLock lock = CorpusLock.acquire(stack)) {
            run(stack, repo, workDir);
        }
    }

    private void run(CorpusStack stack, Path repo, Path workDir) throws Exception {
        DockerCli docker = docker();
        String composeProject = COMPOSE_PREFIX + stack.name();
        StackRef berthStack = new StackRef(environment(), stack.name());
        // What a killed run may have left behind.
        CorpusProjects.cleanUp(docker, composeProject, stack, Set.of(), Set.of());
        CorpusProjects.cleanUp(docker, berthStack.project(), stack, Set.of(), Set.of());
        Optional<String> notCompared = stack.composeRefusal().or(() -> COMPOSE_V2_MISSING);
        Set<String> images = new HashSet<>();
        Set<String> volumes = new HashSet<>();
        Map<String, Map<String, JsonNode>> compose = Map.of();
        Map<String, Map<String, JsonNode>> berth;
        try {
            stack.preparedNetworks().forEach(n -> docker.must("network", "create", n));
            if (notCompared.isEmpty()) {
                compose = composeUp(docker, stack, copyRepository(stack, repo), composeProject, images, volumes);
            }
            berth = deploy(docker, stack, berthStack, workDir, images, volumes);
        } finally {
            CorpusProjects.cleanUp(docker, berthStack.project(), stack, images, volumes);
            docker.removeQuietly("network", stack.preparedNetworks());
        }

        if (notCompared.isPresent()) {
            System.out.printf("%s on %s: not compared with Compose v2: %s%n", stack, docker, notCompared.get());
            return;
        }
        List<Difference> differences = compare(stack.name(), compose, berth);
        KnownDifferences known = KnownDifferences.load(Corpus.root());
        List<Difference> unlisted =
                differences.stream().filter(d -> !known.known(d)).toList();
        if (!differences.isEmpty() && unlisted.isEmpty()) {
            System.out.printf("%s on %s: known differences from Compose v2: %s%n", stack, docker, differences);
        }
        assertThat(unlisted)
                .as(
                        "differences from Compose v2 on %s not listed in %s (all: %s)",
                        docker, KnownDifferences.FILE, differences)
                .isEmpty();
    }

    /** Compose v2 brings the stack up, and down again; returns its containers, normalised. */
    private static Map<String, Map<String, JsonNode>> composeUp(
            DockerCli docker,
            CorpusStack stack,
            Path stackDir,
            String project,
            Set<String> images,
            Set<String> volumes) {
        Map<String, String> env = new HashMap<>(stack.environmentVariables());
        env.putAll(stack.hostVariableValues());
        try {
            DockerCli.Result up = docker.run(stackDir, env, compose(project, "up", "-d"));
            List<JsonNode> containers = CorpusProjects.inspectAll(docker, project);
            images.addAll(CorpusProjects.images(containers));
            volumes.addAll(CorpusProjects.volumes(containers));
            assertThat(up.ok())
                    .as("docker compose up of %s on %s: %s", stack, docker, up.err())
                    .isTrue();
            return Normalised.of(project, containers);
        } finally {
            docker.run(stackDir, env, compose(project, "down", "-v", "-t", "1"));
            CorpusProjects.cleanUp(docker, project, stack, images, volumes);
        }
    }

    /**
     * Berth's deployer applies the stack, re-applies it, advances it to its next revision and removes it,
     * each checked; returns the containers of the first deployment, normalised.
     */
    private static Map<String, Map<String, JsonNode>> deploy(
            DockerCli docker, CorpusStack stack, StackRef ref, Path workDir, Set<String> images, Set<String> volumes)
            throws InterruptedException {
        try (BerthHarness berth = new BerthHarness(BerthHarness.config(workDir)
                .withDockerHost(docker.host())
                .withPolicy(stack.policy())
                .withHostVariables(stack.hostVariables()))) {
            BerthHarness.Outcome first = apply(berth, ref, stack, CorpusStack.COMPOSE);
            List<JsonNode> containers = CorpusProjects.inspectAll(docker, ref.project());
            images.addAll(CorpusProjects.images(containers));
            volumes.addAll(CorpusProjects.volumes(containers));
            assertThat(first.succeeded())
                    .as("Berth deployed %s on %s: %s", stack, docker, first.failure())
                    .isTrue();
            Map<String, Map<String, JsonNode>> deployed = Normalised.of(ref.project(), containers);
            assertThat(Expectations.check(docker, ref.project(), stack.expect()))
                    .as("%s on %s, as docker inspect shows it", stack, docker)
                    .isEmpty();

            Map<String, String> before = CorpusProjects.ids(containers);
            BerthHarness.Outcome again = apply(berth, ref, stack, CorpusStack.COMPOSE);
            assertThat(again.succeeded())
                    .as("%s re-applied on %s: %s", stack, docker, again.failure())
                    .isTrue();
            assertThat(again.changed()).as("plan of %s re-applied", stack).isEmpty();
            assertThat(again.started())
                    .as("a no-op publishes no deployment.started")
                    .isFalse();
            assertThat(CorpusProjects.ids(CorpusProjects.inspectAll(docker, ref.project())))
                    .as("containers of %s after a no-op", stack)
                    .isEqualTo(before);

            JsonNode next = stack.expect().path("next");
            if (!next.isMissingNode()) {
                advance(docker, berth, ref, stack, next, before, images);
            }

            BerthHarness.Outcome removal = berth.remove(ref);
            assertThat(removal.succeeded())
                    .as("%s removed: %s", stack, removal.failure())
                    .isTrue();
            assertThat(docker.containers(Map.of(Expectations.PROJECT_LABEL, ref.project())))
                    .as("containers left after removing %s", stack)
                    .isEmpty();
            assertThat(docker.labelled("network", ref.project()))
                    .as("networks left after removing %s", stack)
                    .isEmpty();
            stack.expect()
                    .path("volumes")
                    .fieldNames()
                    .forEachRemaining(v -> assertThat(docker.exists("volume", v.replace("${PROJECT}", ref.project())))
                            .as("named volume %s is kept when the stack goes", v)
                            .isTrue());
            for (String secret : stack.hostVariableValues().values()) {
                assertThat(berth.publishedJson())
                        .as("events never carry a host secret")
                        .noneMatch(e -> e.contains(secret));
            }
            return deployed;
        }
    }

    /** The stack's next revision: what expect.json says is kept, recreated and removed. */
    private static void advance(
            DockerCli docker,
            BerthHarness berth,
            StackRef ref,
            CorpusStack stack,
            JsonNode next,
            Map<String, String> before,
            Set<String> images)
            throws InterruptedException {
        BerthHarness.Outcome advanced =
                apply(berth, ref, stack, next.path("file").asText());
        List<JsonNode> containers = CorpusProjects.inspectAll(docker, ref.project());
        images.addAll(CorpusProjects.images(containers));
        assertThat(advanced.succeeded())
                .as("%s next: %s", stack, advanced.failure())
                .isTrue();
        Map<String, String> after = CorpusProjects.ids(containers);
        for (JsonNode kept : next.path("kept")) {
            assertThat(CorpusProjects.ofService(after, kept.asText()))
                    .as("%s kept", kept)
                    .isEqualTo(CorpusProjects.ofService(before, kept.asText()));
        }
        for (JsonNode recreated : next.path("recreated")) {
            assertThat(CorpusProjects.ofService(after, recreated.asText()).values())
                    .as("%s recreated", recreated)
                    .isNotEmpty()
                    .doesNotContainAnyElementsOf(
                            CorpusProjects.ofService(before, recreated.asText()).values());
        }
        for (JsonNode removed : next.path("removed")) {
            assertThat(CorpusProjects.ofService(after, removed.asText()))
                    .as("%s removed", removed)
                    .isEmpty();
        }
        assertThat(Expectations.check(docker, ref.project(), next))
                .as("%s next, as docker inspect shows it", stack)
                .isEmpty();
    }

    private static BerthHarness.Outcome apply(BerthHarness berth, StackRef ref, CorpusStack stack, String file)
            throws InterruptedException {
        return berth.apply(ref, stack.repoPath(file), stack.text(file), stack.variables(), stack.files());
    }

    private static List<String> expectedServices(JsonNode expect) {
        List<String> names = new ArrayList<>();
        expect.path("services").fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> compose(String project, String... args) {
        List<String> command = new ArrayList<>(COMPOSE);
        command.addAll(List.of("-p", project));
        command.addAll(List.of(args));
        return command;
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
