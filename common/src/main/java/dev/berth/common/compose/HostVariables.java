package dev.berth.common.compose;

import dev.berth.common.SecretMask;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Variables the deployer's own host provides (its process environment, its secrets file) for stacks
 * that use a variable neither their environment nor their {@code .env} sets, as Compose reads the
 * shell. The values are secrets: {@link #toString()} names no value, and {@link #redact} hides every
 * value a stack has taken (through {@link #get}) in a text before it reaches an event, a log line or a
 * notification. Values no stack takes are not hidden: with the whole process environment as host
 * variables, hiding {@code USER=root} would garble every "root" in a message. Thread-safe; the values
 * never change, the set of taken names only grows.
 */
public final class HostVariables {
    /** No host variables. */
    public static final HostVariables NONE = new HostVariables(Map.of());

    /** Values shorter than this are not redacted: hiding every "1" or "on" would garble any text. */
    static final int MIN_REDACTED_LENGTH = SecretMask.MIN_LENGTH;

    static final String MASK = SecretMask.MASK;

    private final Map<String, String> values;
    private final Set<String> taken = ConcurrentHashMap.newKeySet();
    private volatile SecretMask mask = SecretMask.NONE;

    public HostVariables(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /** A variable's value; a value handed out is hidden by {@link #redact} from then on. */
    public Optional<String> get(String name) {
        String value = values.get(name);
        if (value != null && taken.add(name)) {
            remask();
        }
        return Optional.ofNullable(value);
    }

    public int size() {
        return values.size();
    }

    private synchronized void remask() {
        mask = SecretMask.of(taken.stream().map(values::get).toList());
    }

    /**
     * {@code text} with every taken value hidden by {@link SecretMask}'s rule: values of at least four
     * characters whole, as they are and base64-, hex- or URL-encoded, and any run of eight characters of
     * a value of twelve or more.
     */
    public String redact(String text) {
        return mask.redact(text);
    }

    @Override
    public String toString() {
        return "HostVariables[" + values.size() + " variables, values hidden]";
    }
}
