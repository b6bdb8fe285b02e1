package dev.berth.common.compose;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A service's {@code pull_policy}: when the deployer pulls its image. Not part of the container's
 * config (the image id it resolves to is).
 *
 * @param mode what Compose's value means
 * @param every for {@link Mode#REFRESH}: pull again once the last pull is this old ({@code daily},
 *     {@code weekly}, {@code every_<duration>}); null otherwise
 */
public record PullPolicy(Mode mode, @Nullable Duration every) {
    /** Compose's default for an image: pull it only when the engine lacks it. */
    public static final PullPolicy MISSING = new PullPolicy(Mode.MISSING, null);

    public enum Mode {
        /** {@code always}: pull at every deployment. */
        ALWAYS,
        /** {@code never}: never pull; the engine must have the image. */
        NEVER,
        /** {@code missing} (and {@code if_not_present}): pull only when the engine lacks the image. */
        MISSING,
        /** {@code build}: build it from the repository, never pull. */
        BUILD,
        /** {@code daily}, {@code weekly}, {@code every_<duration>}: pull when the last pull is older than that. */
        REFRESH
    }

    public PullPolicy {
        Objects.requireNonNull(mode, "mode");
        if ((mode == Mode.REFRESH) != (every != null)) {
            throw new IllegalArgumentException("a refresh interval goes with REFRESH only, not " + mode);
        }
        if (every != null && (every.isZero() || every.isNegative())) {
            throw new IllegalArgumentException("refresh interval must be positive, not " + every);
        }
    }
}
