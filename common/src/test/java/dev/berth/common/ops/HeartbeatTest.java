package dev.berth.common.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HeartbeatTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-02T10:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    @Test
    void aLoopThatStopsBeatingIsUnhealthyPastItsBoundAndHealthyAgainWhenItBeats() {
        Heartbeat heartbeat = new Heartbeat("test loop", clock, Duration.ofSeconds(30));
        now.set(now.get().plusSeconds(30));
        assertThat(heartbeat.isHealthy()).isTrue();
        now.set(now.get().plusSeconds(1));
        assertThat(heartbeat.isHealthy()).isFalse();
        assertThat(heartbeat.isHealthy()).isFalse();
        heartbeat.beat();
        assertThat(heartbeat.isHealthy()).isTrue();
    }

    @Test
    void aLoopThatDiedIsUnhealthyForGood() {
        Heartbeat heartbeat = new Heartbeat("test loop", clock, Duration.ofSeconds(30));
        heartbeat.died(new StackOverflowError());
        heartbeat.beat();
        assertThat(heartbeat.isHealthy()).isFalse();
    }
}
