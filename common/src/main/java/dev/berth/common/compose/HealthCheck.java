package dev.berth.common.compose;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A service's health check, in Docker's form: {@code test} starts with {@code CMD}, {@code CMD-SHELL}
 * or is {@code [NONE]} to disable the image's check; empty, it keeps the image's test (Compose's
 * healthcheck without {@code test}, which only overrides timings). Null fields keep the image's values,
 * else Docker's defaults.
 *
 * @param startInterval {@code start_interval}: how often it runs during {@code startPeriod} (engine API 1.44)
 */
public record HealthCheck(
        List<String> test,
        @Nullable Duration interval,
        @Nullable Duration timeout,
        @Nullable Duration startPeriod,
        @Nullable Integer retries,
        @Nullable Duration startInterval) {
    public HealthCheck {
        test = List.copyOf(test);
    }

    /** A health check without {@code start_interval}. */
    public HealthCheck(
            List<String> test,
            @Nullable Duration interval,
            @Nullable Duration timeout,
            @Nullable Duration startPeriod,
            @Nullable Integer retries) {
        this(test, interval, timeout, startPeriod, retries, null);
    }

    public boolean disabled() {
        return test.size() == 1 && test.get(0).equals("NONE");
    }
}
