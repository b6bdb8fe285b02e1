package dev.berth.common.compose;

import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Compose's variable interpolation in one value: {@code $VAR}, {@code ${VAR}}, {@code ${VAR:-default}},
 * {@code ${VAR-default}}, {@code ${VAR:?message}}, {@code ${VAR?message}}, {@code ${VAR:+replacement}},
 * {@code ${VAR+replacement}} and {@code $$} for a literal {@code $}; a {@code $} that starts no variable
 * ({@code $(date)}, a {@code $} at the end) is itself, as Compose v2 reads it. Defaults and replacements may hold
 * further variables. An unset variable without a default becomes the empty string, as in Compose.
 * Stateless.
 */
final class Interpolation {
    /** A value that cannot be interpolated; the message says why. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Defaults within defaults: {@code ${A:-${B:-x}}} is 2. Compose files nest two or three; the limit
     * keeps a hostile value ({@code ${A:-} repeated thousands of times) from overflowing the stack.
     */
    static final int MAX_NESTING = 16;

    private final Function<String, Optional<String>> variables;
    private final Predicate<String> deferred;

    Interpolation(Function<String, Optional<String>> variables) {
        this(variables, name -> false);
    }

    /**
     * @param deferred names whose value the deployer resolves later on its host: {@code ${VAR:?msg}}
     *     does not fail for them now
     */
    Interpolation(Function<String, Optional<String>> variables, Predicate<String> deferred) {
        this.variables = variables;
        this.deferred = deferred;
    }

    String apply(String text) throws Failure {
        return apply(text, 1);
    }

    private String apply(String text, int nesting) throws Failure {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$') {
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 >= text.length()) {
                // A lone '$' at the end is itself, as Compose v2 reads it.
                out.append('$');
                i++;
                continue;
            }
            char next = text.charAt(i + 1);
            if (next == '$') {
                out.append('$');
                i += 2;
            } else if (next == '{') {
                int end = closingBrace(text, i + 2);
                if (end < 0) {
                    throw new Failure("\"" + text + "\" has a ${ without its closing }");
                }
                out.append(braced(text.substring(i + 2, end), text, nesting));
                i = end + 1;
            } else if (isNameStart(next)) {
                int end = i + 1;
                while (end < text.length() && isNamePart(text.charAt(end))) {
                    end++;
                }
                out.append(variables.apply(text.substring(i + 1, end)).orElse(""));
                i = end;
            } else {
                // '$' before what starts no variable ("$(date)", "5$ each") is itself, as Compose v2 reads it.
                out.append('$');
                i++;
            }
        }
        return out.toString();
    }

    private String braced(String expression, String text, int nesting) throws Failure {
        if (nesting > MAX_NESTING) {
            throw new Failure("\"" + abbreviated(text) + "\" nests ${...} within the default or replacement of"
                    + " another more than " + MAX_NESTING + " levels deep; write fewer levels");
        }
        int name = 0;
        while (name < expression.length() && isNamePart(expression.charAt(name))) {
            name++;
        }
        String variable = expression.substring(0, name);
        if (variable.isEmpty() || !isNameStart(variable.charAt(0))) {
            throw new Failure("\"" + text + "\" has ${" + expression + "}, which names no variable");
        }
        Optional<String> value = variables.apply(variable);
        String rest = expression.substring(name);
        if (rest.isEmpty()) {
            return value.orElse("");
        }
        boolean colon = rest.startsWith(":");
        String op = colon ? rest.substring(1, Math.min(2, rest.length())) : rest.substring(0, 1);
        String argument = rest.substring(colon ? 2 : 1);
        // With a colon, an empty value counts as unset.
        boolean set = value.isPresent() && !(colon && value.get().isEmpty());
        return switch (op) {
            case "-" -> set ? value.get() : apply(argument, nesting + 1);
            case "+" -> set ? apply(argument, nesting + 1) : "";
            case "?" -> {
                if (!set && deferred.test(variable)) {
                    yield "";
                }
                if (!set) {
                    throw new Failure("variable " + variable + " is required"
                            + (argument.isEmpty() ? "" : ": " + apply(argument, nesting + 1)));
                }
                yield value.get();
            }
            default ->
                throw new Failure(
                        "\"" + text + "\" has ${" + expression + "}; after the name write :-, -, :?, ?, :+ or +");
        };
    }

    private static String abbreviated(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "...";
    }

    /** The index of the brace closing the one opened before {@code from}, minding nested ones. */
    private static int closingBrace(String text, int from) {
        int depth = 1;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isNameStart(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }
}
