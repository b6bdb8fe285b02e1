package dev.berth.common.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The pipeline's stage timings, one histogram ({@code berth_stage_duration_seconds}) tagged by stage
 * and environment, so a dashboard shows where the time from a commit to a healthy stack goes:
 *
 * <ul>
 *   <li>{@code commit_to_detected}: the commit's committer time to the watcher seeing it;
 *   <li>{@code detected_to_published}: the watcher seeing it to its change event written;
 *   <li>{@code published_to_applied}: the change event written to a deployer starting on it (the
 *       time it waited in its partition);
 *   <li>{@code applied_to_healthy}: the deployer starting on it to every changed service healthy
 *       (parsing, images, the rollout and its gates).
 * </ul>
 *
 * The watcher records the first two once per commit it publishes, the deployer the last two once per
 * deployment that changed something and passed. Thread-safe.
 */
public final class Stages {
    /** A stage of a change's way through the pipeline. */
    public enum Stage {
        COMMIT_TO_DETECTED,
        DETECTED_TO_PUBLISHED,
        PUBLISHED_TO_APPLIED,
        APPLIED_TO_HEALTHY;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;

    public Stages(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Records one change's time in a stage; a negative time (clocks of two hosts) counts as zero. */
    public void record(Stage stage, String environment, Duration took) {
        Timer.builder("berth.stage.duration")
                .description("Time a change spends in each stage, from commit to healthy")
                .tag("stage", stage.tag())
                .tag("environment", environment)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(5))
                .maximumExpectedValue(Duration.ofMinutes(30))
                .register(registry)
                .record(took.isNegative() ? Duration.ZERO : took);
    }
}
