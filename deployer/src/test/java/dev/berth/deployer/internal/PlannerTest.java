package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposeStack;
import dev.berth.deployer.internal.docker.ContainerInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlannerTest {
    private final ComposeStack stack = new ComposeParser()
            .parse("c.yaml", "services:\n  web:\n    image: a\n  api:\n    image: b\n  db:\n    image: c\n");
    private final Map<String, String> hashes = Map.of("web", "h-web", "api", "h-api", "db", "h-db");

    private static ContainerInfo container(String service, String hash, boolean running) {
        return new ContainerInfo(
                "id-" + service,
                "dev-x-" + service + "-1",
                running,
                Map.of(Labels.SERVICE, service, Labels.CONFIG_HASH, hash));
    }

    @Test
    void createsReplacesKeepsAndRemoves() {
        List<Step> steps = Planner.plan(
                stack,
                hashes,
                List.of(
                        container("web", "h-web", true),
                        container("api", "old", true),
                        container("old-worker", "x", true)));
        assertThat(steps)
                .extracting(Step::describe)
                .containsExactly("unchanged web", "replace api", "create db", "remove old-worker");
    }

    @Test
    void aStoppedContainerWithTheSameSpecIsReplaced() {
        List<Step> steps = Planner.plan(stack, hashes, List.of(container("web", "h-web", false)));
        assertThat(steps.get(0).action()).isEqualTo(Step.Action.REPLACE);
    }

    @Test
    void nothingChangedIsAnEmptyPlan() {
        List<Step> steps = Planner.plan(
                stack,
                hashes,
                List.of(
                        container("web", "h-web", true),
                        container("api", "h-api", true),
                        container("db", "h-db", true)));
        assertThat(steps).allMatch(s -> s.action() == Step.Action.UNCHANGED);
    }

    @Test
    void twoContainersForOneServiceAreReplacedByOne() {
        List<Step> steps = Planner.plan(
                stack,
                hashes,
                List.of(
                        container("web", "h-web", true),
                        container("web", "h-web", true),
                        container("api", "h-api", true),
                        container("db", "h-db", true)));
        assertThat(steps).extracting(Step::describe).containsExactly("replace web", "unchanged api", "unchanged db");
        assertThat(steps.get(0).current()).hasSize(2);
    }

    @Test
    void servicesLeftOutOfTheStackAreRemovedInNameOrder() {
        List<Step> steps = Planner.plan(
                stack,
                hashes,
                List.of(
                        container("zeta", "x", false),
                        container("web", "h-web", true),
                        container("alpha", "x", true),
                        container("api", "h-api", true),
                        container("db", "h-db", true)));
        assertThat(steps)
                .extracting(Step::describe)
                .containsExactly("unchanged web", "unchanged api", "unchanged db", "remove alpha", "remove zeta");
        assertThat(steps.get(4).desired()).isNull();
    }
}
