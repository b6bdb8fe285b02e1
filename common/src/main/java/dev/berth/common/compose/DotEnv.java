package dev.berth.common.compose;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

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
            if (eq < 0 || !KEY.matcher(key).matches()) {
                throw new ComposeException(
                        file,
                        n + 1,
                        1,
                        "\"" + lines[n].strip()
                                + "\" is not a variable: write NAME=value, with a name of letters, digits and _");
            }
            variables.put(key, value(file, n + 1, line.substring(eq + 1).strip()));
        }
        return variables;
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
