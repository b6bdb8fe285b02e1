package dev.berth.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WarningSummaryTest {
    private final FakeClock clock = new FakeClock(Instant.parse("2026-12-02T12:00:00Z"));
    private final List<String> lines = new ArrayList<>();
    private final WarningSummary summary =
            new WarningSummary("push webhooks refused", Duration.ofMinutes(1), clock, lines::add);

    @Test
    void theFirstRefusalIsWrittenInFullAndAFloodGivesOneSummaryPerMinuteWithCountsPerReason() {
        summary.warn("bad-signature", "10.0.0.1", "full line 1");
        for (int i = 0; i < 679; i++) {
            clock.advance(Duration.ofMillis(40));
            summary.warn(i % 10 == 0 ? "unsigned" : "bad-signature", "10.0.0." + (1 + i % 2), "full line");
        }
        assertThat(lines).containsExactly("full line 1");
        clock.advance(Duration.ofSeconds(33));
        summary.warn("bad-signature", "10.0.0.1", "full line");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1))
                .isEqualTo("push webhooks refused: 679 more in the last 60 s (bad-signature 611, unsigned 68;"
                        + " from 10.0.0.1 340, 10.0.0.2 339)");
        // The flood goes on: the refusal that closed the minute opened the next one, counted, not written.
        for (int i = 0; i < 100; i++) {
            clock.advance(Duration.ofMillis(500));
            summary.warn("stale", "10.0.0.3", "full line");
        }
        assertThat(lines).hasSize(2);
        clock.advance(Duration.ofSeconds(11));
        summary.flushIfDue();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(2))
                .startsWith("push webhooks refused: 101 more in the last 61 s (bad-signature 1, stale 100;");
    }

    @Test
    void sparseRefusalsAreEachWrittenInFull() {
        summary.warn("unsigned", "10.0.0.1", "first");
        clock.advance(Duration.ofMinutes(2));
        summary.warn("unsigned", "10.0.0.1", "second");
        clock.advance(Duration.ofMinutes(2));
        summary.flushIfDue();
        summary.warn("unsigned", "10.0.0.1", "third");
        assertThat(lines).containsExactly("first", "second", "third");
    }

    @Test
    void flushWritesWhatWasCountedAndNothingWhenNothingWas() {
        summary.flush();
        assertThat(lines).isEmpty();
        summary.warn("unsigned", "10.0.0.1", "first");
        summary.warn("unsigned", "10.0.0.1", "second");
        summary.flushIfDue();
        assertThat(lines).containsExactly("first");
        summary.flush();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1))
                .startsWith("push webhooks refused: 1 more in the last 1 s (unsigned 1; from 10.0.0.1 1)");
        summary.warn("unsigned", "10.0.0.1", "after the flush");
        assertThat(lines).last().isEqualTo("after the flush");
    }

    /** A clock tests move by hand. */
    static final class FakeClock extends Clock {
        private Instant now;

        FakeClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
