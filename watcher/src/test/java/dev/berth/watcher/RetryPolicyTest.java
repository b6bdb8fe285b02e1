package dev.berth.watcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    @Test
    void backoffDoublesUpToTheCap() {
        RetryPolicy p = new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(10), 3);
        assertThat(p.backoff(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.backoff(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.backoff(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(p.backoff(5)).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.backoff(1_000_000)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> new RetryPolicy(Duration.ZERO, Duration.ofSeconds(1), 3))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("initial backoff");
        assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(1), 3))
                .hasMessageContaining("max backoff");
        assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), 0))
                .hasMessageContaining("error threshold");
    }
}
