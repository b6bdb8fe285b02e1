package dev.berth.deployer.corpus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.StackRef;
import dev.berth.common.compose.StackFiles;
import dev.berth.deployer.internal.docker.ApiVersion;
import dev.berth.deployer.internal.docker.DockerEngine;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The keys an engine is too old for are refused by the deployer before it touches anything, naming the
 * key and the API version it needs: on this engine (API 1.41), annotations (1.43) and
 * healthcheck.start_interval (1.44). On the modern engine (API 1.45, when one is named), the same keys
 * are applied, and only the per-network keys newer than it are refused.
 */
@Isolated
class EngineApiIT {
    @Test
    void keysTheEngineIsTooOldForFailTheDeploymentBeforeAnythingIsCreated(@TempDir Path workDir) throws Exception {
        ApiVersion engine;
        try (DockerEngine docker = new DockerEngine(null)) {
            engine = docker.apiVersion();
        }
        assumeThat(engine.atLeast(new ApiVersion(1, 43)))
                .as("an engine older than API 1.43 (this one speaks %s)", engine)
                .isFalse();
        StackRef stack =
                new StackRef("api", "old-engine-" + UUID.randomUUID().toString().substring(0, 8));
        String compose = """
                services:
                  web:
                    image: busybox:1.35
                    command: ["sleep", "3600"]
                    annotations: {com.example.owner: web}
                    healthcheck: {test: "true", start_period: 30s, start_interval: 2s}
                    networks:
                      default: {priority: 10, mac_address: 02:42:ac:11:00:42}
                      back: {gw_priority: 1, interface_name: eth7}
                networks:
                  back: {}
                """;
        try (BerthHarness harness = new BerthHarness(BerthHarness.config(workDir))) {
            BerthHarness.Outcome outcome =
                    harness.apply(stack, "stacks/web/compose.yaml", compose, Map.of(), StackFiles.EMPTY);
            assertThat(outcome.succeeded()).isFalse();
            assertThat(outcome.failure())
                    .contains("service \"web\": annotations needs Docker Engine API 1.43")
                    .contains("stacks/web/compose.yaml: service \"web\": annotations needs")
                    .contains("service \"web\": healthcheck.start_interval needs Docker Engine API 1.44")
                    .contains("service \"web\": networks.default.mac_address needs Docker Engine API 1.44")
                    .contains("service \"web\": networks.back.gw_priority needs Docker Engine API 1.48")
                    .contains("service \"web\": networks.back.interface_name needs Docker Engine API 1.49")
                    .contains("this engine speaks API " + engine);
        } finally {
            CorpusProjects.cleanUp(
                    DockerCli.LOCAL, stack.project(), Corpus.stack("01-image-command"), Set.of(), Set.of());
        }
        assertThat(DockerCli.LOCAL.containers(Map.of(Expectations.PROJECT_LABEL, stack.project())))
                .isEmpty();
        assertThat(DockerCli.lines(DockerCli.LOCAL.must("network", "ls", "-q", "--filter", "name=" + stack.project())))
                .isEmpty();
    }

    @Test
    void aModernEngineGetsTheKeysItSpeaksAndRefusesOnlyNewerOnes(@TempDir Path workDir) throws Exception {
        ModernEngine.assumeAnswers();
        DockerCli modern = ModernEngine.docker();
        StackRef stack =
                new StackRef("api", "new-engine-" + UUID.randomUUID().toString().substring(0, 8));
        String compose = """
                services:
                  web:
                    image: busybox:1.35
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
                    annotations: {com.example.owner: web}
                    healthcheck: {test: "true", interval: 1s, start_period: 30s, start_interval: 1s}
                    networks:
                      default: {priority: 10, mac_address: "02:42:ac:11:00:42"}
                %s
                """;
        try (BerthHarness harness =
                new BerthHarness(BerthHarness.config(workDir).withDockerHost(modern.host()))) {
            BerthHarness.Outcome refused = harness.apply(
                    stack,
                    "stacks/web/compose.yaml",
                    compose.formatted("      back: {gw_priority: 1}\nnetworks:\n  back: {}"),
                    Map.of(),
                    StackFiles.EMPTY);
            assertThat(refused.succeeded()).isFalse();
            assertThat(refused.failure())
                    .contains("service \"web\": networks.back.gw_priority needs Docker Engine API 1.48")
                    .doesNotContain("mac_address")
                    .doesNotContain("annotations")
                    .doesNotContain("start_interval");
            assertThat(modern.containers(Map.of(Expectations.PROJECT_LABEL, stack.project())))
                    .isEmpty();

            BerthHarness.Outcome applied =
                    harness.apply(stack, "stacks/web/compose.yaml", compose.formatted(""), Map.of(), StackFiles.EMPTY);
            assertThat(applied.succeeded()).as(applied.failure()).isTrue();
            List<JsonNode> containers = CorpusProjects.inspectAll(modern, stack.project());
            assertThat(containers).hasSize(1);
            JsonNode web = containers.get(0);
            assertThat(web.at("/HostConfig/Annotations/com.example.owner").asText())
                    .isEqualTo("web");
            assertThat(web.at("/Config/Healthcheck/StartInterval").asLong()).isEqualTo(1_000_000_000L);
            assertThat(web.at("/NetworkSettings/Networks/" + stack.project() + "_default/MacAddress")
                            .asText())
                    .isEqualTo("02:42:ac:11:00:42");
        } finally {
            CorpusProjects.cleanUp(modern, stack.project(), Corpus.stack("01-image-command"), Set.of(), Set.of());
        }
        assertThat(modern.containers(Map.of(Expectations.PROJECT_LABEL, stack.project())))
                .isEmpty();
    }
}
