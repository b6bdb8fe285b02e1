package dev.berth.watcher.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.watcher.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SourceHealthTest {
    private final SourceHealth health =
            new SourceHealth(new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(4), 3));

    @Test
    void reportsOnceAtTheThresholdThenAgainOnlyForAnotherReason() {
        assertThat(health.failed("down")).isEqualTo(new SourceHealth.Failure(1, Duration.ofSeconds(1), false));
        assertThat(health.failed("down")).isEqualTo(new SourceHealth.Failure(2, Duration.ofSeconds(2), false));
        assertThat(health.failed("down")).isEqualTo(new SourceHealth.Failure(3, Duration.ofSeconds(4), true));
        assertThat(health.failed("down")).isEqualTo(new SourceHealth.Failure(4, Duration.ofSeconds(4), false));
        assertThat(health.failed("refused").publishError()).isTrue();
        assertThat(health.failed("refused").publishError()).isFalse();
        assertThat(health.succeeded()).as("recovered after 6 failures").isEqualTo(6);
        assertThat(health.failures()).isZero();
    }

    @Test
    void aFailureBelowTheThresholdNeedsNoRecovery() {
        health.failed("down");
        health.failed("down");
        assertThat(health.succeeded()).isZero();
        assertThat(health.failed("down").publishError())
                .as("counting starts over")
                .isFalse();
    }
}
