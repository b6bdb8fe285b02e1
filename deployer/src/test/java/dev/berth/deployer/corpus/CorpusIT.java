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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every corpus stack parsed, applied by Berth's deployer on the local engine, checked through
 * {@code docker inspect} against its expect.json, re-applied as a no-op, advanced to its next revision
 * where it has one, and removed. Stacks needing a feature that has not landed are skipped by assumption.
 * ({@link ModernEngineDifferentialIT} deploys, checks and re-applies every stack on a newer engine too.)
 */
class CorpusIT {
    static final String ENVIRONMENT = "cit";
    private static final Set<String> BASE_IMAGES =
            Set.of("busybox:1.35", "eclipse-temurin:17-jre", "apache/kafka:4.3.1");

    static Stream<CorpusStack> stacks() {
        return Corpus.selected().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stacks")
    void deploysAsExpected(CorpusStack stack, @TempDir Path workDir) throws Exception {
        Optional<String> pending = Corpus.pending(stack);
        assumeThat(pending).as("%s", pending.orElse("")).isEmpty();
        ComposeStack parsed = parseOrSkip(stack, CorpusStack.COMPOSE);
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

        try (CorpusLock lock = CorpusLock.acquire()) {
            run(stack, workDir);
        }
    }

    private void run(CorpusStack stack, Path workDir) throws Exception {
        DockerCli docker = DockerCli.LOCAL;
        StackRef ref = new StackRef(ENVIRONMENT, stack.name());
        // What a killed run may have left behind.
        cleanUp(docker, ref.project(), stack, Set.of(), Set.of());
        Set<String> images = new HashSet<>();
        Set<String> volumes = new HashSet<>();
        try (BerthHarness berth = new BerthHarness(
                BerthHarness.config(workDir).withPolicy(stack.policy()).withHostVariables(stack.hostVariables()))) {
            stack.preparedNetworks().forEach(n -> docker.must("network", "create", n));
            BerthHarness.Outcome first = apply(berth, ref, stack, CorpusStack.COMPOSE);
            images.addAll(images(docker, ref.project()));
            volumes.addAll(volumes(docker, ref.project()));
            assertThat(first.succeeded())
                    .as("%s deployed: %s", stack, first.failure())
                    .isTrue();
            assertThat(Expectations.check(docker, ref.project(), stack.expect()))
                    .as("%s as docker inspect shows it", stack)
                    .isEmpty();

            Map<String, String> before = ids(docker, ref.project());
            BerthHarness.Outcome again = apply(berth, ref, stack, CorpusStack.COMPOSE);
            assertThat(again.succeeded())
                    .as("%s re-applied: %s", stack, again.failure())
                    .isTrue();
            assertThat(again.changed()).as("plan of %s re-applied", stack).isEmpty();
            assertThat(again.started())
                    .as("a no-op publishes no deployment.started")
                    .isFalse();
            assertThat(ids(docker, ref.project()))
                    .as("containers of %s after a no-op", stack)
                    .isEqualTo(before);

            JsonNode next = stack.expect().path("next");
            if (!next.isMissingNode()) {
                BerthHarness.Outcome advanced =
                        apply(berth, ref, stack, next.path("file").asText());
                images.addAll(images(docker, ref.project()));
                assertThat(advanced.succeeded())
                        .as("%s next: %s", stack, advanced.failure())
                        .isTrue();
                Map<String, String> after = ids(docker, ref.project());
                for (JsonNode kept : next.path("kept")) {
                    assertThat(filter(after, kept.asText()))
                            .as("%s kept", kept)
                            .isEqualTo(filter(before, kept.asText()));
                }
                for (JsonNode recreated : next.path("recreated")) {
                    assertThat(filter(after, recreated.asText()).values())
                            .as("%s recreated", recreated)
                            .isNotEmpty()
                            .doesNotContainAnyElementsOf(
                                    filter(before, recreated.asText()).values());
                }
                for (JsonNode removed : next.path("removed")) {
                    assertThat(filter(after, removed.asText()))
                            .as("%s removed", removed)
                            .isEmpty();
                }
                assertThat(Expectations.check(docker, ref.project(), next))
                        .as("%s next, as docker inspect shows it", stack)
                        .isEmpty();
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
        } finally {
            cleanUp(docker, ref.project(), stack, images, volumes);
            docker.removeQuietly("network", stack.preparedNetworks());
        }
    }

    private static BerthHarness.Outcome apply(BerthHarness berth, StackRef ref, CorpusStack stack, String file)
            throws InterruptedException {
        return berth.apply(ref, stack.repoPath(file), stack.text(file), stack.variables(), stack.files());
    }

    /** The stack parsed with its policy; skipped when the parser says Berth does not support a key yet. */
    static ComposeStack parseOrSkip(CorpusStack stack, String file) {
        try {
            return Parsing.parse(stack, stack.policy(), file);
        } catch (ComposeException e) {
            Optional<String> why = Parsing.notLanded(e);
            assumeThat(why).as("%s: %s", stack, why.orElse("")).isEmpty();
            throw e;
        }
    }

    private static List<String> expectedServices(JsonNode expect) {
        List<String> names = new ArrayList<>();
        expect.path("services").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Container id by {@code <service>#<number>}. */
    private static Map<String, String> ids(DockerCli docker, String project) {
        Map<String, String> ids = new HashMap<>();
        for (String id : docker.containers(Map.of(Expectations.PROJECT_LABEL, project))) {
            JsonNode labels = docker.inspect("container", id).at("/Config/Labels");
            ids.put(
                    labels.path(Expectations.SERVICE_LABEL).asText() + "#"
                            + labels.path("com.docker.compose.container-number").asText(),
                    id);
        }
        return ids;
    }

    private static Map<String, String> filter(Map<String, String> ids, String service) {
        Map<String, String> result = new HashMap<>();
        ids.forEach((k, v) -> {
            if (k.startsWith(service + "#")) {
                result.put(k, v);
            }
        });
        return result;
    }

    /** The images the project's containers run that the corpus built (not the machine's base images). */
    static Set<String> images(DockerCli docker, String project) {
        Set<String> images = new TreeSet<>();
        for (String id : docker.containers(Map.of(Expectations.PROJECT_LABEL, project))) {
            String image = docker.inspect("container", id).at("/Config/Image").asText();
            if (!BASE_IMAGES.contains(image)) {
                images.add(image);
            }
        }
        return images;
    }

    /** The volumes mounted into the project's containers, anonymous ones included. */
    static Set<String> volumes(DockerCli docker, String project) {
        Set<String> volumes = new TreeSet<>();
        for (String id : docker.containers(Map.of(Expectations.PROJECT_LABEL, project))) {
            for (JsonNode mount : docker.inspect("container", id).path("Mounts")) {
                if (mount.path("Type").asText().equals("volume")) {
                    volumes.add(mount.path("Name").asText());
                }
            }
        }
        return volumes;
    }

    /**
     * Removes everything the project left: containers, networks, named volumes, built images; not the
     * external networks the stack was prepared with.
     */
    static void cleanUp(DockerCli docker, String project, CorpusStack stack, Set<String> images, Set<String> mounted) {
        docker.removeQuietly("container", docker.containers(Map.of(Expectations.PROJECT_LABEL, project)));
        List<String> networks = new ArrayList<>(docker.labelled("network", project));
        stack.expect()
                .path("networks")
                .fieldNames()
                .forEachRemaining(n -> networks.add(n.replace("${PROJECT}", project)));
        networks.add(project + "_default");
        networks.removeAll(stack.preparedNetworks());
        docker.removeQuietly(
                "network",
                networks.stream()
                        .distinct()
                        .filter(n -> docker.exists("network", n))
                        .toList());
        List<String> volumes = new ArrayList<>(docker.labelled("volume", project));
        volumes.addAll(mounted);
        stack.expect()
                .path("volumes")
                .fieldNames()
                .forEachRemaining(v -> volumes.add(v.replace("${PROJECT}", project)));
        docker.removeQuietly(
                "volume",
                volumes.stream()
                        .distinct()
                        .filter(v -> docker.exists("volume", v))
                        .toList());
        docker.removeQuietly("image", new ArrayList<>(images));
    }
}
