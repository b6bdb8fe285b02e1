package dev.berth.common;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Identifies one stack in one environment. Its {@link #key()}, {@code <environment>/<stack>}, is the
 * Kafka record key of every event about the stack, so a stack's events stay in order.
 */
public record StackRef(String environment, String name) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    public StackRef {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(name, "name");
        requireName("environment", environment);
        requireName("stack", name);
    }

    /** Parses {@code env/stack}. */
    @JsonCreator
    public static StackRef parse(String key) {
        int slash = key.indexOf('/');
        if (slash < 0 || slash != key.lastIndexOf('/')) {
            throw new BerthException(
                    "\"" + key + "\" is not a stack reference: write it as <environment>/<stack>, such as dev/shop");
        }
        return new StackRef(key.substring(0, slash), key.substring(slash + 1));
    }

    /** Checks a stack or environment name: lowercase letters, digits, '-' and '_', as Compose requires of project names. */
    public static void requireName(String what, String value) {
        if (!NAME.matcher(value).matches()) {
            throw new BerthException(what + " name \"" + value
                    + "\" is not valid: use lowercase letters, digits, '-' and '_', starting with a letter or digit");
        }
    }

    @JsonValue
    public String key() {
        return environment + "/" + name;
    }

    /** The Compose project name of this stack on its engine: {@code <environment>-<stack>}. */
    public String project() {
        return environment + "-" + name;
    }

    @Override
    public String toString() {
        return key();
    }
}
