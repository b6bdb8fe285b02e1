package dev.berth.common.compose;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Variables the deployer's own host provides (its process environment, its secrets file) for stacks
 * that use a variable neither their environment nor their {@code .env} sets, as Compose reads the
 * shell. The values are secrets: {@link #toString()} names no value, and {@link #redact} hides every
 * value in a text before it reaches an event, a log line or a notification. Immutable; thread-safe.
 */
public final class HostVariables {
    /** No host variables. */
    public static final HostVariables NONE = new HostVariables(Map.of());

    /** Values shorter than this are not redacted: hiding every "1" or "on" would garble any text. */
    static final int MIN_REDACTED_LENGTH = 4;

    static final String MASK = "***";

    private final Map<String, String> values;

    public HostVariables(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name));
    }

    public int size() {
        return values.size();
    }

    /** {@code text} with every host value of at least four characters replaced by {@code ***}. */
    public String redact(String text) {
        String result = text;
        for (String value : values.values()) {
            if (value.length() >= MIN_REDACTED_LENGTH && result.contains(value)) {
                result = result.replace(value, MASK);
            }
        }
        return result;
    }

    @Override
    public String toString() {
        return "HostVariables[" + values.size() + " variables, values hidden]";
    }
}
