package dev.berth.deployer.internal;

import dev.berth.deployer.internal.docker.DockerEngine;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pings a Docker Engine on its own thread and keeps the answer, so readiness is read from memory and
 * never waits on the engine. Until the engine first answers it tries again with a backoff (1 s doubling
 * to {@link #MAX_BACKOFF}), logging what it waits for; then it runs {@code onFirstAnswer} once (where a
 * deployer starts consuming) and pings every {@link #PERIOD}. Thread-safe; {@link #stop()} ends it.
 */
public final class EngineMonitor {
    private static final Logger log = LoggerFactory.getLogger(EngineMonitor.class);
    /** How often an engine that answered is pinged again. */
    static final Duration PERIOD = Duration.ofSeconds(10);
    /** The longest wait between two pings of an engine that does not answer. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final DockerEngine engine;
    private final String who;
    private final Runnable onFirstAnswer;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean answers;

    /**
     * @param who what waits for the engine, as the log names it ({@code deployer of prod})
     * @param onFirstAnswer runs once, on the monitor's thread, when the engine first answers
     */
    public EngineMonitor(DockerEngine engine, String who, Runnable onFirstAnswer) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.who = Objects.requireNonNull(who, "who");
        this.onFirstAnswer = Objects.requireNonNull(onFirstAnswer, "onFirstAnswer");
    }

    /** Starts the thread {@code berth-<name>-engine}; returns at once. */
    public void start(String name) {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(this::run, "berth-" + name + "-engine");
        thread.setDaemon(true);
        thread.start();
    }

    /** True when the last ping answered (read from memory). */
    public boolean answers() {
        return answers;
    }

    public void stop() {
        stopped.countDown();
    }

    private void run() {
        try {
            awaitFirstAnswer();
            if (stopped.getCount() == 0) {
                return;
            }
            onFirstAnswer.run();
            while (!stopped.await(PERIOD.toMillis(), TimeUnit.MILLISECONDS)) {
                boolean now = engine.ping();
                if (now != answers) {
                    if (now) {
                        log.info("Docker Engine at {} answers again", engine.host());
                    } else {
                        log.warn(
                                "Docker Engine at {} does not answer a ping within {} s; {} is not ready until it does",
                                engine.host(),
                                DockerEngine.PING_TIMEOUT.toSeconds(),
                                who);
                    }
                }
                answers = now;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitFirstAnswer() throws InterruptedException {
        Duration backoff = Duration.ofSeconds(1);
        int attempt = 0;
        while (stopped.getCount() > 0) {
            attempt++;
            try {
                engine.requireReachable();
                answers = true;
                if (attempt > 1) {
                    log.info("Docker Engine at {} answers (after {} attempts); {} starts", engine.host(), attempt, who);
                }
                return;
            } catch (RuntimeException e) {
                if (stopped.getCount() == 0) {
                    return;
                }
                log.warn(
                        "{} waits for the Docker Engine at {} (attempt {}, next in {} s): {}",
                        who,
                        engine.host(),
                        attempt,
                        backoff.toSeconds(),
                        e.getMessage());
            }
            if (stopped.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }
}
