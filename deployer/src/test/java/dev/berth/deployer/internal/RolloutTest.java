package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.Commit;
import dev.berth.common.RetriableBerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ContainerOptions;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.ServiceRemoved;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RolloutTest {
    private static final StackRef STACK = new StackRef("dev", "x");
    private static final Commit COMMIT = new Commit("a".repeat(40), "Erin", "m", Instant.EPOCH);

    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final List<String> order = Collections.synchronizedList(new ArrayList<>());
    private final List<String> publishedOn = Collections.synchronizedList(new ArrayList<>());
    private final List<BerthEvent> published = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void shutDown() {
        executor.shutdownNow();
    }

    private static Step step(String name, Step.Action action, Map<String, ServiceSpec.Dependency> deps) {
        ServiceSpec spec = new ServiceSpec(
                name,
                "busybox:1.35",
                null,
                null,
                null,
                Map.of(),
                List.of(),
                List.of(),
                null,
                Map.of(),
                deps,
                Map.of(),
                List.of(),
                List.of(),
                List.of(),
                1,
                ContainerOptions.DEFAULTS);
        return new Step(action, name, spec, "h", List.of(), List.of(1), List.of(), List.of());
    }

    private static Step step(String name, Map<String, ServiceSpec.Dependency> deps) {
        return step(name, Step.Action.CREATE, deps);
    }

    private static Map<String, ServiceSpec.Dependency> on(String service, String condition, boolean required) {
        Map<String, ServiceSpec.Dependency> deps = new LinkedHashMap<>();
        deps.put(service, new ServiceSpec.Dependency(condition, required, false));
        return deps;
    }

    private Rollout rollout(Rollout.Runner runner) {
        return new Rollout(executor, runner, event -> {
            published.add(event);
            publishedOn.add(Thread.currentThread().getName());
        });
    }

    @Test
    void independentServicesRunAtOnceAndDependentsAfterTheirDependencies() throws Exception {
        CountDownLatch bothRunning = new CountDownLatch(2);
        Rollout.Outcome outcome = rollout((step, progress) -> {
                    order.add("begin " + step.service());
                    if (!step.service().equals("web")) {
                        bothRunning.countDown();
                        // Each waits for the other: only passes when both run at the same time.
                        if (!bothRunning.await(10, TimeUnit.SECONDS)) {
                            throw new StepFailure(step.service(), "not parallel", "");
                        }
                    }
                    progress.publish(new ServiceRemoved(STACK, "d", COMMIT, step.service()));
                    order.add("end " + step.service());
                })
                .run(List.of(
                        step("db", Map.of()),
                        step("cache", Map.of()),
                        step(
                                "web",
                                Map.of(
                                        "db",
                                        new ServiceSpec.Dependency(ServiceSpec.Dependency.HEALTHY, true, false),
                                        "cache",
                                        ServiceSpec.Dependency.started()))));
        assertThat(outcome.succeeded()).isTrue();
        assertThat(order.indexOf("begin web")).isGreaterThan(order.indexOf("end db"));
        assertThat(order.indexOf("begin web")).isGreaterThan(order.indexOf("end cache"));
        assertThat(published).hasSize(3);
        assertThat(publishedOn).containsOnly(Thread.currentThread().getName());
    }

    @Test
    void serviceStartedGoesOnceTheDependencyStartedNotWhenItPassedItsGate() throws Exception {
        CountDownLatch webBegan = new CountDownLatch(1);
        Rollout.Outcome outcome = rollout((step, progress) -> {
                    if (step.service().equals("db")) {
                        progress.started();
                        // db's gate only passes once web began: web must not wait for it.
                        if (!webBegan.await(10, TimeUnit.SECONDS)) {
                            throw new StepFailure("db", "web waited for db's gate", "");
                        }
                    } else {
                        webBegan.countDown();
                    }
                })
                .run(List.of(step("db", Map.of()), step("web", on("db", ServiceSpec.Dependency.STARTED, true))));
        assertThat(outcome.succeeded()).isTrue();
    }

    @Test
    void aFailedRequiredDependencyStopsItsDependentsButNotTheOthers() throws Exception {
        Rollout.Outcome outcome = rollout((step, progress) -> {
                    order.add(step.service());
                    if (step.service().equals("db")) {
                        throw new StepFailure("db", "service \"db\" is unhealthy", "probe says no");
                    }
                })
                .run(List.of(
                        step("db", Map.of()),
                        step("api", on("db", ServiceSpec.Dependency.HEALTHY, true)),
                        step("web", on("api", ServiceSpec.Dependency.STARTED, true)),
                        step("metrics", on("db", ServiceSpec.Dependency.HEALTHY, false)),
                        step("other", Map.of())));
        assertThat(outcome.succeeded()).isFalse();
        assertThat(outcome.failures()).singleElement().satisfies(f -> {
            assertThat(f.service()).isEqualTo("db");
            assertThat(f.evidence()).isEqualTo("probe says no");
        });
        assertThat(outcome.skipped()).containsExactly("api", "web");
        assertThat(order).containsExactlyInAnyOrder("db", "metrics", "other");
    }

    @Test
    void unchangedServicesAreDoneAtOnceUnlessAChangedOneWaitsForTheirHealth() throws Exception {
        rollout((step, progress) -> order.add(step.service()))
                .run(List.of(
                        step("db", Step.Action.UNCHANGED, Map.of()),
                        step("cache", Step.Action.UNCHANGED, Map.of()),
                        step("web", on("db", ServiceSpec.Dependency.HEALTHY, true)),
                        step("api", Step.Action.UNCHANGED, on("cache", ServiceSpec.Dependency.HEALTHY, true))));
        assertThat(order).containsExactly("db", "web");
    }

    @Test
    void anEngineThatWentAwayIsRethrownOnceTheRunningStepsEnded() {
        assertThatThrownBy(() -> rollout((step, progress) -> {
                            if (step.service().equals("db")) {
                                throw new RetriableBerthException("Docker Engine is not reachable");
                            }
                        })
                        .run(List.of(
                                step("db", Map.of()), step("web", on("db", ServiceSpec.Dependency.STARTED, false)))))
                .isInstanceOf(RetriableBerthException.class);
    }
}
