package dev.berth.common.http;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a flood of refusals from flooding the log: the first refusal after a quiet period is written
 * in full at once (so that a wrong secret shows right away); the ones that follow within {@link
 * #period} are only counted, by reason and client address, and written as one summary line once the
 * period is over (at the next refusal, or at {@link #flush()}). A steady flood thus gives one line per
 * period. Thread-safe.
 */
public final class WarningSummary {
    /** The default period: one summary a minute. */
    public static final Duration DEFAULT_PERIOD = Duration.ofMinutes(1);

    private static final int ADDRESSES_NAMED = 5;

    private final String what;
    private final Duration period;
    private final Clock clock;
    private final Consumer<String> sink;
    private @Nullable Instant windowStart;
    private final Map<String, Long> byReason = new TreeMap<>();
    private final Map<String, Long> byAddress = new TreeMap<>();

    /**
     * @param what what is refused, in the plural, such as {@code push webhooks refused}
     * @param sink writes a line, such as {@code log::warn}
     */
    public WarningSummary(String what, Duration period, Clock clock, Consumer<String> sink) {
        this.what = Objects.requireNonNull(what, "what");
        this.period = Objects.requireNonNull(period, "period");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * Records one refusal.
     *
     * @param reason a short, stable reason such as {@code bad-signature}; counted in the summary
     * @param address the client's address
     * @param line the full line to write when this refusal is written on its own
     */
    public void warn(String reason, String address, String line) {
        String out;
        synchronized (this) {
            Instant now = clock.instant();
            String summary = summaryIfDue(now);
            if (windowStart == null) {
                windowStart = now;
                out = summary == null ? line : summary;
                if (summary != null) {
                    count(reason, address);
                }
            } else {
                count(reason, address);
                out = summary;
            }
        }
        if (out != null) {
            sink.accept(out);
        }
    }

    /** Writes the summary when the period is over and refusals were counted in it. */
    public void flushIfDue() {
        String summary;
        synchronized (this) {
            summary = summaryIfDue(clock.instant());
        }
        if (summary != null) {
            sink.accept(summary);
        }
    }

    /** Writes the summary of the refusals counted so far, if any, and starts a quiet period. */
    public void flush() {
        String summary;
        synchronized (this) {
            summary = summarize(clock.instant());
            windowStart = null;
        }
        if (summary != null) {
            sink.accept(summary);
        }
    }

    /** When the period is over: the summary (null when nothing was counted) and a quiet period after it. */
    private @Nullable String summaryIfDue(Instant now) {
        Instant start = windowStart;
        if (start == null || Duration.between(start, now).compareTo(period) < 0) {
            return null;
        }
        String summary = summarize(now);
        windowStart = null;
        return summary;
    }

    private void count(String reason, String address) {
        byReason.merge(reason, 1L, Long::sum);
        byAddress.merge(address, 1L, Long::sum);
    }

    private @Nullable String summarize(Instant now) {
        long total = byReason.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0 || windowStart == null) {
            byReason.clear();
            byAddress.clear();
            return null;
        }
        long seconds = Math.max(1, Duration.between(windowStart, now).toSeconds());
        String reasons = byReason.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
        String addresses = byAddress.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .limit(ADDRESSES_NAMED)
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
        int others = byAddress.size() - Math.min(byAddress.size(), ADDRESSES_NAMED);
        byReason.clear();
        byAddress.clear();
        return what + ": " + total + " more in the last " + seconds + " s (" + reasons + "; from " + addresses
                + (others > 0 ? " and " + others + " other addresses" : "") + ")";
    }
}
