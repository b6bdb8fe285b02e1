package dev.berth.common;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * Puts what a log line is about (environment, stack, chain id, event id, deployment id) into the
 * logging context of the current thread for as long as it is open, so structured logs
 * ({@code BERTH_LOG_FORMAT=json}) carry them on every line. Open it with try-with-resources on the
 * thread that does the work; closing removes exactly the keys it put.
 */
public final class LogContext implements AutoCloseable {
    public static final String ENVIRONMENT = "environment";
    public static final String STACK = "stack";
    public static final String CHAIN = "chain";
    public static final String EVENT = "event";
    public static final String DEPLOYMENT = "deployment";

    private final List<String> keys;

    private LogContext(List<String> keys) {
        this.keys = keys;
    }

    /** The entries whose value is not null. */
    public static LogContext of(Map<String, @Nullable String> entries) {
        List<String> keys = new ArrayList<>();
        entries.forEach((key, value) -> {
            if (value != null) {
                MDC.put(key, value);
                keys.add(key);
            }
        });
        return new LogContext(keys);
    }

    /**
     * The context of a record keyed {@code env/stack} (or by anything else, then only the stack key is
     * set).
     */
    public static LogContext forEvent(@Nullable String key, @Nullable String chainId, @Nullable String eventId) {
        java.util.HashMap<String, @Nullable String> entries = new java.util.HashMap<>();
        entries.put(STACK, key);
        int slash = key == null ? -1 : key.indexOf('/');
        entries.put(ENVIRONMENT, slash > 0 ? key.substring(0, slash) : null);
        entries.put(CHAIN, chainId);
        entries.put(EVENT, eventId);
        return of(entries);
    }

    /** One entry. */
    public static LogContext of(String key, String value) {
        MDC.put(key, value);
        return new LogContext(List.of(key));
    }

    @Override
    public void close() {
        keys.forEach(MDC::remove);
    }
}
