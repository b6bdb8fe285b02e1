package dev.berth.notifier;

import dev.berth.common.BerthException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How much an event matters, in increasing order; a route takes events at or above its {@link
 * RouteConfig#minSeverity()}. Each {@link EventKind} has a fixed severity ({@link EventKind#severity()}).
 */
public enum Severity {
    /** Progress and success: started, succeeded, changed, removed, service steps. */
    INFO,
    /** Needs a look but the stack runs: a rollback to the last good revision, drift, an operator command. */
    WARNING,
    /** Something is broken: a failed deployment left as is, an invalid stack, a watcher error. */
    ERROR;

    /** The lower-case name used in environment files. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads a severity ({@code info}, {@code warning}, {@code error}), ignoring case.
     *
     * @throws BerthException naming {@code where}, the bad value and the valid ones
     */
    public static Severity parse(String where, String value) {
        for (Severity s : values()) {
            if (s.key().equalsIgnoreCase(value.strip())) {
                return s;
            }
        }
        throw new BerthException(where + ": unknown severity \"" + value + "\"; use one of "
                + Arrays.stream(values()).map(Severity::key).collect(Collectors.joining(", ")));
    }
}
