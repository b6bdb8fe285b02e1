package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.deployer.internal.docker.ContainerInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlannerTest {
    private static final String PROJECT = "dev-x";
    private final ComposeStack stack = new ComposeParser()
            .parse("c.yaml", "services:\n  web:\n    image: a\n  api:\n    image: b\n  db:\n    image: c\n");
    private final Map<String, String> hashes = Map.of("web", "h-web", "api", "h-api", "db", "h-db");

    private static ContainerInfo container(String service, String hash, boolean running) {
        return replica(service, 1, hash, running);
    }

    private static ContainerInfo replica(String service, int number, String hash, boolean running) {
        return new ContainerInfo(
                "id-" + service + "-" + number,
                Planner.containerName(PROJECT, service, number),
                running,
                Map.of(
                        Labels.SERVICE,
                        service,
                        Labels.CONFIG_HASH,
                        hash,
                        Labels.COMPOSE_NUMBER,
                        String.valueOf(number)));
    }

    /** The stack with {@code web} at {@code replicas}. */
    private ComposeStack withWebReplicas(int replicas) {
        return new ComposeStack(stack.services().stream()
                .map(s -> s.name().equals("web") ? replicas(s, replicas) : s)
                .toList());
    }

    static ServiceSpec replicas(ServiceSpec s, int replicas) {
        return new ServiceSpec(
                s.name(),
                s.image(),
                s.build(),
                s.entrypoint(),
                s.command(),
                s.environment(),
                s.ports(),
                s.expose(),
                s.healthcheck(),
                s.labels(),
                s.dependsOn(),
                s.networks(),
                s.volumes(),
                s.secrets(),
                s.configs(),
                replicas,
                s.options());
    }

    private List<ContainerInfo> others() {
        return List.of(container("api", "h-api", true), container("db", "h-db", true));
    }

    private Step web(ComposeStack desired, ContainerInfo... web) {
        List<ContainerInfo> all = new java.util.ArrayList<>(List.of(web));
        all.addAll(others());
        return Planner.plan(PROJECT, desired, hashes, all).get(0);
    }

    @Test
    void aContainerNameIsTheNameTheReplicaMustHave() {
        ComposeStack named =
                new ComposeParser().parse("c.yaml", "services:\n  web:\n    image: a\n    container_name: shop-web\n");
        ContainerInfo underItsName = new ContainerInfo(
                "id-1",
                "shop-web",
                true,
                Map.of(Labels.SERVICE, "web", Labels.CONFIG_HASH, "h-web", Labels.COMPOSE_NUMBER, "1"));
        assertThat(Planner.plan(PROJECT, named, hashes, List.of(underItsName))
                        .get(0)
                        .action())
                .isEqualTo(Step.Action.UNCHANGED);
        // The name was added to the file: the container that runs under Berth's name is replaced.
        ContainerInfo berthsName = replica("web", 1, "h-web", true);
        Step step = Planner.plan(PROJECT, named, hashes, List.of(berthsName)).get(0);
        assertThat(step.action()).isEqualTo(Step.Action.REPLACE);
        assertThat(step.replace()).containsExactly(berthsName);
        assertThat(Planner.containerName(PROJECT, named.services().get(0), 1)).isEqualTo("shop-web");
        // And back: without the key, the container named shop-web is replaced by dev-x-web-1.
        Step back = Planner.plan(PROJECT, withWebReplicas(1), hashes, List.of(underItsName))
                .get(0);
        assertThat(back.replace()).containsExactly(underItsName);
    }

    @Test
    void createsReplacesKeepsAndRemoves() {
        List<Step> steps = Planner.plan(
                PROJECT,
                stack,
                hashes,
                List.of(
                        container("web", "h-web", true),
                        container("api", "old", true),
                        container("old-worker", "x", true)));
        assertThat(steps)
                .extracting(Step::describe)
                .containsExactly("unchanged web", "replace api", "create db", "remove old-worker");
        assertThat(steps.get(2).create()).containsExactly(1);
        assertThat(steps.get(1).replace()).extracting(ContainerInfo::id).containsExactly("id-api-1");
    }

    @Test
    void aStoppedContainerWithTheSameSpecIsReplaced() {
        List<Step> steps = Planner.plan(PROJECT, stack, hashes, List.of(container("web", "h-web", false)));
        assertThat(steps.get(0).action()).isEqualTo(Step.Action.REPLACE);
    }

    @Test
    void aOneShotContainerThatCompletedIsLeftAsItIs() {
        List<Step> steps =
                Planner.plan(PROJECT, stack, hashes, List.of(container("web", "h-web", false)), Set.of("id-web-1"));
        assertThat(steps.get(0).action()).isEqualTo(Step.Action.UNCHANGED);
    }

    @Test
    void nothingChangedIsAnEmptyPlan() {
        List<Step> steps = Planner.plan(
                PROJECT,
                stack,
                hashes,
                List.of(
                        container("web", "h-web", true),
                        container("api", "h-api", true),
                        container("db", "h-db", true)));
        assertThat(steps).allMatch(s -> s.action() == Step.Action.UNCHANGED);
    }

    @Test
    void aSecondContainerWithTheSameNumberIsRemovedAndTheOneWithTheRightNameKept() {
        ContainerInfo leftover = new ContainerInfo(
                "id-leftover",
                Planner.containerName(PROJECT, "web", 1) + "-berth-old",
                true,
                Map.of(Labels.SERVICE, "web", Labels.CONFIG_HASH, "h-web", Labels.COMPOSE_NUMBER, "1"));
        Step step = web(stack, leftover, container("web", "h-web", true));
        assertThat(step.describe()).isEqualTo("scale web 2 -> 1");
        assertThat(step.remove()).extracting(ContainerInfo::id).containsExactly("id-leftover");
        assertThat(step.replace()).isEmpty();
        assertThat(step.current()).hasSize(2);
    }

    @Test
    void aContainerWithoutANumberIsRemovedAndItsNumberCreated() {
        ContainerInfo unnumbered = new ContainerInfo(
                "id-old", "dev-x-web-1", true, Map.of(Labels.SERVICE, "web", Labels.CONFIG_HASH, "h-web"));
        Step step = web(stack, unnumbered);
        assertThat(step.remove()).extracting(ContainerInfo::id).containsExactly("id-old");
        assertThat(step.create()).containsExactly(1);
    }

    @Test
    void scalingUpCreatesTheMissingNumbersAndKeepsTheRunningReplica() {
        Step step = web(withWebReplicas(3), replica("web", 1, "h-web", true));
        assertThat(step.action()).isEqualTo(Step.Action.SCALE);
        assertThat(step.describe()).isEqualTo("scale web 1 -> 3");
        assertThat(step.create()).containsExactly(2, 3);
        assertThat(step.replace()).isEmpty();
        assertThat(step.remove()).isEmpty();
    }

    @Test
    void scalingDownRemovesTheHighestNumbersFirst() {
        Step step = web(
                stack,
                replica("web", 2, "h-web", true),
                replica("web", 1, "h-web", true),
                replica("web", 3, "h-web", true));
        assertThat(step.describe()).isEqualTo("scale web 3 -> 1");
        assertThat(step.remove()).extracting(ContainerInfo::id).containsExactly("id-web-3", "id-web-2");
        assertThat(step.create()).isEmpty();
    }

    @Test
    void zeroReplicasRemovesEveryContainerAndAServiceAtZeroWithoutContainersIsUnchanged() {
        Step step = web(withWebReplicas(0), replica("web", 1, "h-web", true), replica("web", 2, "h-web", true));
        assertThat(step.describe()).isEqualTo("scale web 2 -> 0");
        assertThat(step.remove()).extracting(ContainerInfo::id).containsExactly("id-web-2", "id-web-1");
        assertThat(web(withWebReplicas(0)).action()).isEqualTo(Step.Action.UNCHANGED);
    }

    @Test
    void aChangedConfigReplacesEveryReplicaInNumberOrder() {
        Step step = web(
                withWebReplicas(3),
                replica("web", 3, "old", true),
                replica("web", 1, "old", true),
                replica("web", 2, "old", true));
        assertThat(step.describe()).isEqualTo("replace web (3 replicas)");
        assertThat(step.replace()).extracting(ContainerInfo::id).containsExactly("id-web-1", "id-web-2", "id-web-3");
    }

    @Test
    void aChangedConfigWhileScalingDownReplacesOnlyTheReplicasThatStay() {
        Step step = web(
                withWebReplicas(1),
                replica("web", 1, "old", true),
                replica("web", 2, "old", true),
                replica("web", 3, "old", true));
        assertThat(step.describe()).isEqualTo("replace web (scale 3 -> 1)");
        assertThat(step.remove()).extracting(ContainerInfo::id).containsExactly("id-web-3", "id-web-2");
        assertThat(step.replace()).extracting(ContainerInfo::id).containsExactly("id-web-1");
    }

    @Test
    void aNewServiceWithReplicasSaysHowMany() {
        Step step = Planner.plan(PROJECT, withWebReplicas(2), hashes, others()).get(0);
        assertThat(step.describe()).isEqualTo("create web (2 replicas)");
        assertThat(step.create()).containsExactly(1, 2);
    }

    @Test
    void servicesLeftOutOfTheStackAreRemovedInNameOrder() {
        List<Step> steps = Planner.plan(
                PROJECT,
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

    @Test
    void removalsGoBeforeTheServicesTheyDependOn() {
        Map<String, String> cache = new HashMap<>(Map.of(Labels.SERVICE, "cache", Labels.COMPOSE_NUMBER, "1"));
        Map<String, String> app = new HashMap<>(Map.of(
                Labels.SERVICE,
                "app",
                Labels.COMPOSE_NUMBER,
                "1",
                Labels.DEPENDS_ON,
                "queue:service_started:false,cache:service_healthy:false"));
        Map<String, String> queue = new HashMap<>(Map.of(
                Labels.SERVICE, "queue", Labels.COMPOSE_NUMBER, "1", Labels.DEPENDS_ON, "cache:service_started:false"));
        List<Step> steps = Planner.plan(
                PROJECT,
                new ComposeStack(List.of()),
                Map.of(),
                List.of(
                        new ContainerInfo("c", "dev-x-cache-1", true, cache),
                        new ContainerInfo("q", "dev-x-queue-1", true, queue),
                        new ContainerInfo("a", "dev-x-app-1", true, app)));
        assertThat(steps).extracting(Step::describe).containsExactly("remove app", "remove queue", "remove cache");
    }

    @Test
    void oneShotServicesAreTheOnesWaitedForWithCompletion() {
        ComposeStack desired = new ComposeParser().parse("c.yaml", """
                        services:
                          migrate: {image: a}
                          db: {image: b}
                          web:
                            image: c
                            depends_on:
                              db: {condition: service_healthy}
                        """);
        ServiceSpec web = desired.service("web").orElseThrow();
        ServiceSpec withJob = new ServiceSpec(
                web.name(),
                web.image(),
                null,
                null,
                null,
                Map.of(),
                List.of(),
                List.of(),
                null,
                Map.of(),
                Map.of(
                        "db",
                        web.dependsOn().get("db"),
                        "migrate",
                        new ServiceSpec.Dependency(ServiceSpec.Dependency.COMPLETED, true, false)),
                web.networks(),
                List.of(),
                List.of(),
                List.of(),
                1,
                web.options());
        assertThat(Planner.completionTargets(new ComposeStack(List.of(withJob))))
                .containsExactly("migrate");
        assertThat(Planner.dependsOnLabel(withJob))
                .isEqualTo("db:service_healthy:false,migrate:service_completed_successfully:false");
    }
}
