package dev.berth.deployer.internal.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A build context's {@code .dockerignore}, read as the Docker CLI reads it: one pattern a line,
 * {@code #} comments, {@code *}, {@code ?}, {@code [...]} and {@code **} globs, {@code !} to take a path
 * back, the last matching line deciding; a pattern that matches a directory excludes what it holds.
 * The Dockerfile and {@code .dockerignore} itself are always sent, as the CLI sends them. Immutable.
 */
public final class DockerIgnore {
    /** Excludes nothing. */
    public static final DockerIgnore NONE = new DockerIgnore(List.of());

    public static final String FILE = ".dockerignore";

    private record Rule(Pattern pattern, boolean exception) {}

    private final List<Rule> rules;

    private DockerIgnore(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** The context's {@code .dockerignore}, or {@link #NONE} when it has none. */
    public static DockerIgnore of(Path context) throws IOException {
        Path file = context.resolve(FILE);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return NONE;
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    static DockerIgnore parse(String text) {
        List<Rule> rules = new ArrayList<>();
        for (String raw : text.split("\\R")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            boolean exception = line.startsWith("!");
            if (exception) {
                line = line.substring(1).strip();
            }
            String cleaned = clean(line);
            if (!cleaned.isEmpty()) {
                rules.add(new Rule(Pattern.compile(regex(cleaned)), exception));
            }
        }
        return new DockerIgnore(rules);
    }

    /**
     * True when the file at {@code path} (relative to the context, {@code /}-separated) stays out of
     * the context. {@code dockerfile} and {@code .dockerignore} never do.
     */
    public boolean excludes(String path, String dockerfile) {
        if (rules.isEmpty() || path.equals(FILE) || path.equals(dockerfile)) {
            return false;
        }
        List<String> prefixes = new ArrayList<>();
        int slash = path.indexOf('/');
        while (slash > 0) {
            prefixes.add(path.substring(0, slash));
            slash = path.indexOf('/', slash + 1);
        }
        prefixes.add(path);
        boolean excluded = false;
        for (Rule rule : rules) {
            for (String prefix : prefixes) {
                if (rule.pattern().matcher(prefix).matches()) {
                    excluded = !rule.exception();
                    break;
                }
            }
        }
        return excluded;
    }

    /** Like Go's {@code filepath.Clean}, without a leading {@code /}: Docker matches relative paths. */
    private static String clean(String pattern) {
        List<String> parts = new ArrayList<>();
        for (String part : pattern.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
                continue;
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    private static String regex(String glob) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> {
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                        i++;
                        if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
                            i++;
                            out.append("(?:.*/)?");
                        } else {
                            out.append(".*");
                        }
                    } else {
                        out.append("[^/]*");
                    }
                }
                case '?' -> out.append("[^/]");
                case '[' -> {
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        out.append("\\[");
                    } else {
                        String set = glob.substring(i + 1, end);
                        if (set.startsWith("^") || set.startsWith("!")) {
                            set = "^" + set.substring(1);
                        }
                        out.append('[')
                                .append(set.replace("\\", "\\\\").replace("[", "\\["))
                                .append(']');
                        i = end;
                    }
                }
                case '\\' -> {
                    if (i + 1 < glob.length()) {
                        i++;
                        out.append(Pattern.quote(String.valueOf(glob.charAt(i))));
                    }
                }
                default -> out.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return out.toString();
    }
}
