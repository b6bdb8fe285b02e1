package dev.berth.deployer.corpus;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentStarted;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackRemoved;
import dev.berth.deployer.DeployerConfig;
import dev.berth.deployer.internal.StackApplier;
import dev.berth.deployer.internal.docker.DockerEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Berth's deployer without Kafka: a {@link StackApplier} on the local engine, its events recorded in
 * memory. One per stack configuration (policy, host variables); not thread-safe; close it.
 */
final class BerthHarness implements AutoCloseable {
    static final Clock CLOCK = Clock.systemUTC();
    static final URI SOURCE = URI.create("/berth/corpus-test");
    static final EventCodec CODEC = new EventCodec();

    private final DockerEngine engine;
    private final RecordingPublisher publisher = new RecordingPublisher();
    private final ExecutorService executor;
    private final StackApplier applier;

    BerthHarness(DeployerConfig config) {
        this.engine = new DockerEngine(config.dockerHost());
        AtomicInteger threads = new AtomicInteger();
        // As many threads as the deployer's own pool: independent services are applied at once.
        this.executor = Executors.newFixedThreadPool(16, task -> {
            Thread thread = new Thread(task, "corpus-apply-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.applier = new StackApplier(
                engine, publisher, config, CLOCK, SOURCE, CODEC.json(), new SimpleMeterRegistry(), executor);
    }

    /** The configuration the corpus runs with: a work directory of its own and short gates. */
    static DeployerConfig config(Path workDir) {
        return DeployerConfig.defaults()
                .withWorkDir(workDir)
                .withHealthTimeout(Duration.ofSeconds(60))
                .withMonitorPeriod(Duration.ofSeconds(1));
    }

    /** What one apply or remove published: its events and its outcome. */
    record Outcome(List<BerthEvent> events) {
        boolean succeeded() {
            return events.stream().anyMatch(e -> e instanceof DeploymentSucceeded);
        }

        /** The plan lines that changed something; empty for a no-op. */
        List<String> changed() {
            return events.stream()
                    .filter(e -> e instanceof DeploymentSucceeded)
                    .map(e -> ((DeploymentSucceeded) e).changed())
                    .findFirst()
                    .orElse(List.of());
        }

        boolean started() {
            return events.stream().anyMatch(e -> e instanceof DeploymentStarted);
        }

        /** The failure's reason and evidence, for an assertion message. */
        String failure() {
            return events.stream()
                    .filter(e -> e instanceof DeploymentFailed)
                    .map(e -> ((DeploymentFailed) e).reason() + "\n" + ((DeploymentFailed) e).evidence())
                    .findFirst()
                    .orElse("no outcome among " + events);
        }
    }

    Outcome apply(StackRef stack, String composeFile, String compose, Map<String, String> variables, StackFiles files)
            throws InterruptedException {
        Envelope change = Envelope.newChain(
                SOURCE, CLOCK, new StackChanged(stack, commit(), composeFile, compose, List.of(), variables, files));
        publisher.publish(change);
        applier.apply(change, (StackChanged) change.event());
        return new Outcome(publisher.chain(change.chainId()));
    }

    Outcome remove(StackRef stack) throws InterruptedException {
        Envelope removal = Envelope.newChain(SOURCE, CLOCK, new StackRemoved(stack, commit()));
        publisher.publish(removal);
        applier.remove(removal, (StackRemoved) removal.event());
        return new Outcome(publisher.chain(removal.chainId()));
    }

    /** Every event published so far, as the JSON documents Kafka would carry. */
    List<String> publishedJson() {
        return publisher.all().stream().map(e -> CODEC.toCdEvent(e).toString()).toList();
    }

    private static Commit commit() {
        String sha = (UUID.randomUUID().toString() + UUID.randomUUID())
                .replace("-", "")
                .substring(0, 40);
        return new Commit(sha, "corpus", "corpus test", Instant.now(CLOCK));
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            engine.close();
        }
    }
}
