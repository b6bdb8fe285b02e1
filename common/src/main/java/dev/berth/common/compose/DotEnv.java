package dev.berth.common.compose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads a stack's {@code .env} file as Compose does: {@code KEY=value} lines, blank lines and
 * {@code #} comments, an optional {@code export} prefix, single-quoted values taken literally,
 * double-quoted values with {@code \n}, {@code \"} and {@code \\} escapes, and unquoted values cut at
 * {@code " #"}. Stateless.
 */
public final class DotEnv {
    /** The file Compose reads variables from, beside the compose file. */
    public static final String FILE_NAME = ".env";

    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");

    private DotEnv() {}

    /**
     * The variables of a {@code .env} file, in file order.
     *
     * @throws ComposeException naming the file and line of a line that is not {@code KEY=value}
     */
    public static Map<String, String> parse(String file, String content) {
        Map<String, String> variables = new LinkedHashMap<>();
        for (Entry entry : entries(file, content, false)) {
            variables.put(entry.key(), Objects.requireNonNull(entry.value()));
        }
        return variables;
    }

    /**
     * One line of an env file.
     *
     * @param value null for a bare {@code KEY} (an {@code env_file} takes it from the environment)
     * @param literal true for a single-quoted value, which Compose never interpolates
     * @param line 1-based
     */
    record Entry(String key, @Nullable String value, boolean literal, int line) {}

    /**
     * The lines of an env file in order; with {@code bareKeys}, a line holding only a name is an
     * entry without a value, as in an {@code env_file}.
     */
    static List<Entry> entries(String file, String content, boolean bareKeys) {
        List<Entry> entries = new ArrayList<>();
        String[] lines = content.split("\r?\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring("export ".length()).strip();
            }
            int eq = line.indexOf('=');
            String key = eq < 0 ? line : line.substring(0, eq).strip();
            if ((eq < 0 && !bareKeys) || !KEY.matcher(key).matches()) {
                throw new ComposeException(
                        file,
                        n + 1,
                        1,
                        "\"" + lines[n].strip()
                                + "\" is not a variable: write NAME=value, with a name of letters, digits and _");
            }
            if (eq < 0) {
                entries.add(new Entry(key, null, false, n + 1));
                continue;
            }
            String raw = line.substring(eq + 1).strip();
            entries.add(new Entry(key, value(file, n + 1, raw), raw.startsWith("'"), n + 1));
        }
        return entries;
    }

    /** The lines of a {@code format: raw} env file: every value exactly as written after {@code =}. */
    static List<Entry> rawEntries(String file, String content) {
        List<Entry> entries = new ArrayList<>();
        String[] lines = content.split("\r?\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            String key = eq < 0 ? line.strip() : line.substring(0, eq).strip();
            if (!KEY.matcher(key).matches()) {
                throw new ComposeException(
                        file, n + 1, 1, "\"" + line.strip() + "\" is not a variable: write NAME=value");
            }
            entries.add(new Entry(key, eq < 0 ? null : line.substring(eq + 1), true, n + 1));
        }
        return entries;
    }

    private static String value(String file, int line, String raw) {
        if (raw.startsWith("'")) {
            int end = raw.indexOf('\'', 1);
            if (end < 0) {
                throw new ComposeException(file, line, 1, "the value's ' quote is not closed");
            }
            return raw.substring(1, end);
        }
        if (raw.startsWith("\"")) {
            StringBuilder value = new StringBuilder();
            for (int i = 1; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c == '"') {
                    return value.toString();
                }
                if (c == '\\' && i + 1 < raw.length()) {
                    char next = raw.charAt(++i);
                    value.append(next == 'n' ? '\n' : next == 't' ? '\t' : next);
                } else {
                    value.append(c);
                }
            }
            throw new ComposeException(file, line, 1, "the value's \" quote is not closed");
        }
        int comment = raw.indexOf(" #");
        return (comment < 0 ? raw : raw.substring(0, comment)).strip();
    }
}
