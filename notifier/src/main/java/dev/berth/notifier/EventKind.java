package dev.berth.notifier;

import dev.berth.common.BerthException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a route selects on: a coarse kind of Berth event, independent of the CloudEvents type's
 * version. In environment files a kind is written in lower case with dashes ({@code rolled-back},
 * {@code watcher-error}).
 *
 * <p>Mapping from Berth's events: {@code stack.changed} → {@link #CHANGED}, {@code stack.removed} →
 * {@link #REMOVED}, {@code stack.invalid} → {@link #INVALID}, {@code deployment.started} → {@link
 * #STARTED}, {@code deployment.succeeded} → {@link #SUCCEEDED}, {@code deployment.failed} → {@link
 * #ROLLED_BACK} when the stack was put back on a good revision, else {@link #FAILED}; {@code
 * service.deployed/upgraded/removed/rolledback} → {@link #SERVICE}; operator commands ({@code
 * rollback-requested}, {@code retry-requested}) → {@link #COMMAND}. Event types this Berth does not
 * know are mapped by their CloudEvents type: one containing {@code drift} → {@link #DRIFT}, one
 * containing {@code watcher} or {@code error} → {@link #WATCHER_ERROR}, anything else → {@link #OTHER}.
 */
public enum EventKind {
    STARTED(Severity.INFO),
    SUCCEEDED(Severity.INFO),
    /** A deployment failed and nothing was rolled back. A route listing {@code failed} also gets {@link #ROLLED_BACK}. */
    FAILED(Severity.ERROR),
    /** A deployment failed and the stack went back to its last good revision. */
    ROLLED_BACK(Severity.WARNING),
    INVALID(Severity.ERROR),
    DRIFT(Severity.WARNING),
    WATCHER_ERROR(Severity.ERROR),
    CHANGED(Severity.INFO),
    REMOVED(Severity.INFO),
    /** One service step of a rollout (deployed, upgraded, removed, rolled back). */
    SERVICE(Severity.INFO),
    /** An operator's {@code berth rollback} / {@code berth retry}. */
    COMMAND(Severity.WARNING),
    /** A Berth event type this notifier does not know (from a newer Berth). */
    OTHER(Severity.INFO);

    private final Severity severity;

    EventKind(Severity severity) {
        this.severity = severity;
    }

    /** The severity every event of this kind has. */
    public Severity severity() {
        return severity;
    }

    /** The name used in environment files, such as {@code rolled-back}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** True when a route that lists this kind takes an event of kind {@code other}. */
    public boolean covers(EventKind other) {
        return this == other || (this == FAILED && other == ROLLED_BACK);
    }

    /**
     * Reads a kind from its file name ({@code rolled-back} or {@code rolled_back}), ignoring case.
     *
     * @throws BerthException naming {@code where}, the bad value and the valid ones
     */
    public static EventKind parse(String where, String value) {
        String v = value.strip().replace('_', '-');
        for (EventKind k : values()) {
            if (k.key().equalsIgnoreCase(v)) {
                return k;
            }
        }
        throw new BerthException(where + ": unknown event kind \"" + value + "\"; use one of "
                + Arrays.stream(values()).map(EventKind::key).collect(Collectors.joining(", ")));
    }
}
