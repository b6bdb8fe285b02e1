package dev.berth.deployer.internal;

import dev.berth.common.BerthException;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.common.event.BerthEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * Runs the service steps of one plan: each as soon as its dependencies meet their {@code depends_on}
 * conditions, independent ones at once on the apply executor. A failed step stops the services that
 * require it (transitively); the others go on, so {@code required: false} dependencies do not block.
 * The events steps emit are published from the calling thread only, in the order they happen. Used
 * once, from one thread.
 */
final class Rollout {
    /** How long an interrupted rollout waits for its running steps to put things back. */
    private static final Duration INTERRUPT_GRACE = Duration.ofSeconds(60);

    /** Applies one step on an executor thread. */
    interface Runner {
        void run(Step step, Progress progress) throws StepFailure, InterruptedException;
    }

    /** What a running step reports. Thread-safe. */
    interface Progress {
        /** Every new container of the step has started: dependents with {@code service_started} may go. */
        void started();

        /** Publishes an event from the rollout's thread. */
        void publish(BerthEvent event);
    }

    /**
     * How the steps ended.
     *
     * @param failures the failed steps, in the order they failed
     * @param skipped the services not started because a dependency they require failed
     */
    record Outcome(List<StepFailure> failures, List<String> skipped) {
        Outcome {
            failures = List.copyOf(failures);
            skipped = List.copyOf(skipped);
        }

        boolean succeeded() {
            return failures.isEmpty();
        }
    }

    private enum State {
        PENDING,
        RUNNING,
        DONE,
        FAILED,
        SKIPPED
    }

    private static final class Node {
        final Step step;
        State state = State.PENDING;
        boolean started;

        @Nullable
        Future<?> future;

        Node(Step step) {
            this.step = step;
        }
    }

    private sealed interface Signal permits Started, Done, Failed, Crashed, Publish {
        String service();
    }

    private record Started(String service) implements Signal {}

    private record Done(String service) implements Signal {}

    private record Failed(String service, StepFailure failure) implements Signal {}

    private record Crashed(String service, RuntimeException error) implements Signal {}

    private record Publish(String service, BerthEvent event) implements Signal {}

    private final ExecutorService executor;
    private final Runner runner;
    private final Consumer<BerthEvent> publisher;
    private final BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<StepFailure> failures = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private @Nullable RuntimeException crash;

    Rollout(ExecutorService executor, Runner runner, Consumer<BerthEvent> publisher) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.runner = Objects.requireNonNull(runner, "runner");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    /**
     * Runs every step but removals of services that left the stack; returns when each one ended.
     *
     * @throws dev.berth.common.RetriableBerthException when the engine went away (after the running
     *     steps ended)
     */
    Outcome run(List<Step> steps) throws InterruptedException {
        for (Step step : steps) {
            if (step.action() != Step.Action.REMOVE && step.desired() != null) {
                nodes.put(step.service(), new Node(step));
            }
        }
        for (Node node : nodes.values()) {
            if (node.step.action() == Step.Action.UNCHANGED && !checked(node)) {
                node.state = State.DONE;
                node.started = true;
            }
        }
        try {
            launch();
            while (nodes.values().stream().anyMatch(n -> n.state == State.RUNNING)) {
                handle(signals.take());
                launch();
            }
        } catch (InterruptedException e) {
            nodes.values().stream()
                    .filter(n -> n.state == State.RUNNING && n.future != null)
                    .forEach(n -> n.future.cancel(true));
            drain();
            throw e;
        }
        if (crash != null) {
            throw crash;
        }
        return new Outcome(failures, skipped);
    }

    /**
     * An unchanged service is checked (healthy now, or once it turns healthy) only when a service that
     * changes waits for it with {@code service_healthy}; otherwise it is done at once.
     */
    private boolean checked(Node node) {
        for (Node other : nodes.values()) {
            ServiceSpec.Dependency d =
                    Objects.requireNonNull(other.step.desired()).dependsOn().get(node.step.service());
            if (d != null
                    && other.step.action() != Step.Action.UNCHANGED
                    && d.condition().equals(ServiceSpec.Dependency.HEALTHY)) {
                return true;
            }
        }
        return false;
    }

    private void handle(Signal signal) {
        Node node = Objects.requireNonNull(nodes.get(signal.service()));
        if (signal instanceof Started) {
            node.started = true;
        } else if (signal instanceof Publish p) {
            publisher.accept(p.event());
        } else if (signal instanceof Done) {
            node.state = State.DONE;
            node.started = true;
        } else if (signal instanceof Failed f) {
            node.state = State.FAILED;
            failures.add(f.failure());
        } else if (signal instanceof Crashed c) {
            node.state = State.FAILED;
            if (crash == null) {
                crash = c.error();
            }
        }
    }

    /** Starts every pending step whose dependencies are met; skips those a failure left behind. */
    private void launch() {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Node node : nodes.values()) {
                if (node.state != State.PENDING) {
                    continue;
                }
                State next = crash != null ? State.SKIPPED : decide(node);
                if (next == State.SKIPPED) {
                    node.state = State.SKIPPED;
                    skipped.add(node.step.service());
                    changed = true;
                } else if (next == State.RUNNING) {
                    start(node);
                }
            }
        }
    }

    /** RUNNING when every dependency meets its condition, SKIPPED when a required one failed, else PENDING. */
    private State decide(Node node) {
        for (Map.Entry<String, ServiceSpec.Dependency> entry :
                dependencies(Objects.requireNonNull(node.step.desired())).entrySet()) {
            Node dependency = nodes.get(entry.getKey());
            if (dependency == null) {
                // Not in the stack (an optional dependency, or a profile that is off).
                continue;
            }
            if (dependency.state == State.FAILED || dependency.state == State.SKIPPED) {
                if (entry.getValue().required()) {
                    return State.SKIPPED;
                }
                continue;
            }
            boolean met = entry.getValue().condition().equals(ServiceSpec.Dependency.STARTED)
                    ? dependency.started
                    : dependency.state == State.DONE;
            if (!met) {
                return State.PENDING;
            }
        }
        return State.RUNNING;
    }

    /**
     * The service's {@code depends_on}, plus {@code network_mode: service:<name>}, which needs that
     * service's container to exist, as in Compose.
     */
    static Map<String, ServiceSpec.Dependency> dependencies(ServiceSpec service) {
        String mode = service.options().networkMode();
        if (mode == null || !mode.startsWith("service:")) {
            return service.dependsOn();
        }
        Map<String, ServiceSpec.Dependency> all = new LinkedHashMap<>(service.dependsOn());
        all.putIfAbsent(mode.substring("service:".length()), ServiceSpec.Dependency.started());
        return all;
    }

    private void start(Node node) {
        String service = node.step.service();
        Progress progress = new Progress() {
            @Override
            public void started() {
                signals.add(new Started(service));
            }

            @Override
            public void publish(BerthEvent event) {
                signals.add(new Publish(service, event));
            }
        };
        node.state = State.RUNNING;
        try {
            // The executor's threads log for this deployment: they take its logging context.
            @Nullable Map<String, String> logContext = MDC.getCopyOfContextMap();
            node.future = executor.submit(() -> {
                if (logContext != null) {
                    MDC.setContextMap(logContext);
                }
                try {
                    runner.run(node.step, progress);
                    signals.add(new Done(service));
                } catch (StepFailure f) {
                    signals.add(new Failed(service, f));
                } catch (InterruptedException e) {
                    signals.add(new Failed(
                            service, new StepFailure(service, "interrupted while applying \"" + service + "\"", "")));
                    Thread.currentThread().interrupt();
                } catch (BerthException e) {
                    if (e instanceof dev.berth.common.RetriableBerthException) {
                        signals.add(new Crashed(service, e));
                    } else {
                        signals.add(new Failed(
                                service,
                                new StepFailure(service, "service \"" + service + "\": " + e.getMessage(), "")));
                    }
                } catch (RuntimeException e) {
                    signals.add(new Crashed(service, e));
                } finally {
                    MDC.clear();
                }
            });
        } catch (RejectedExecutionException e) {
            node.state = State.FAILED;
            failures.add(new StepFailure(service, "the deployer is stopping; \"" + service + "\" was not applied", ""));
        }
    }

    /** After an interrupt: waits a bounded time for the running steps to put things back. */
    private void drain() {
        long deadline = System.nanoTime() + INTERRUPT_GRACE.toNanos();
        while (nodes.values().stream().anyMatch(n -> n.state == State.RUNNING)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                Signal signal = signals.poll(left, TimeUnit.NANOSECONDS);
                if (signal == null) {
                    return;
                }
                if (!(signal instanceof Publish)) {
                    handle(signal);
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
