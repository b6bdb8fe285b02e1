package dev.berth.common.compose;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads values out of YAML nodes and builds errors that point at them. Every node carries the
 * file it was read from (the YAML label), so an error names the right file even for a value that
 * came from an {@code extends} file. Stateless.
 *
 * <p>Public for Berth's other YAML files (environment files, read by the cli) so they report errors
 * the same way; not a general-purpose API.
 */
public final class Nodes {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([bkmg]?)b?", Pattern.CASE_INSENSITIVE);

    private Nodes() {}

    public static ComposeException error(Node at, String detail) {
        Optional<Mark> mark = at.getStartMark();
        return new ComposeException(
                mark.map(Mark::getName).orElse("compose file"),
                mark.map(m -> m.getLine() + 1).orElse(0),
                mark.map(m -> m.getColumn() + 1).orElse(0),
                detail);
    }

    /** Where a node is: {@code file:line:column}, as an error names it. */
    public static String location(Node node) {
        ComposeException located = error(node, "");
        return located.line() > 0 ? located.file() + ":" + located.line() + ":" + located.column() : located.file();
    }

    /** The file a node was read from. */
    public static String file(Node node) {
        return node.getStartMark().map(Mark::getName).orElse("compose file");
    }

    /** A mapping's entries in order, with {@code <<} merges applied and duplicate keys refused. */
    public static Map<String, NodeTuple> mapping(Node node, String what) {
        if (!(node instanceof MappingNode mappingNode)) {
            throw error(node, what + " must be a mapping (key: value lines), found " + describe(node));
        }
        Map<String, NodeTuple> own = new LinkedHashMap<>();
        List<Node> merges = new ArrayList<>();
        for (NodeTuple tuple : mappingNode.getValue()) {
            String key = scalar(tuple.getKeyNode(), "a key of " + what);
            if (key.equals("<<")) {
                Node value = tuple.getValueNode();
                if (value instanceof SequenceNode seq) {
                    merges.addAll(seq.getValue());
                } else {
                    merges.add(value);
                }
                continue;
            }
            if (own.putIfAbsent(key, tuple) != null) {
                throw error(tuple.getKeyNode(), "duplicate key \"" + key + "\" in " + what);
            }
        }
        // Merge keys give defaults: the mapping's own keys win, then earlier merge sources.
        Map<String, NodeTuple> result = new LinkedHashMap<>();
        for (Node merge : merges) {
            for (Map.Entry<String, NodeTuple> e :
                    mapping(merge, "a << merge source in " + what).entrySet()) {
                result.putIfAbsent(e.getKey(), e.getValue());
            }
        }
        result.keySet().removeAll(own.keySet());
        Map<String, NodeTuple> ordered = new LinkedHashMap<>(own);
        ordered.putAll(result);
        return ordered;
    }

    public static String scalar(Node node, String what) {
        if (!(node instanceof ScalarNode scalarNode)) {
            throw error(node, what + " must be a single value, found " + describe(node));
        }
        // YAML's null (~, null) is no value, as Compose reads it.
        return isNull(scalarNode) ? "" : scalarNode.getValue();
    }

    public static List<Node> sequence(Node node, String what) {
        if (!(node instanceof SequenceNode seq)) {
            throw error(node, what + " must be a list, found " + describe(node));
        }
        return seq.getValue();
    }

    public static String describe(Node node) {
        if (node instanceof ScalarNode s) {
            return s.getValue().isEmpty() ? "nothing" : "the value \"" + s.getValue() + "\"";
        }
        return node instanceof SequenceNode ? "a list" : "a mapping";
    }

    public static @Nullable String text(@Nullable NodeTuple tuple, String what) {
        return tuple == null ? null : scalar(tuple.getValueNode(), what);
    }

    public static @Nullable String matching(@Nullable NodeTuple tuple, Pattern pattern, String what, String expected) {
        String value = text(tuple, what);
        if (value != null && !pattern.matcher(value).matches()) {
            throw error(tuple.getValueNode(), what + " \"" + value + "\" is not valid: use " + expected);
        }
        return value;
    }

    public static boolean flag(@Nullable NodeTuple tuple, String what) {
        String value = text(tuple, what);
        if (value == null) {
            return false;
        }
        if (!value.equals("true") && !value.equals("false")) {
            throw error(tuple.getValueNode(), what + " must be true or false, found \"" + value + "\"");
        }
        return Boolean.parseBoolean(value);
    }

    /** A single value or a list of values. */
    public static List<String> stringOrList(@Nullable NodeTuple tuple, String what) {
        if (tuple == null) {
            return List.of();
        }
        Node node = tuple.getValueNode();
        if (node instanceof ScalarNode) {
            return List.of(scalar(node, what));
        }
        List<String> values = new ArrayList<>();
        for (Node item : sequence(node, what)) {
            values.add(scalar(item, "an item of " + what));
        }
        return values;
    }

    /** {@code KEY: value} mappings and {@code KEY=value} lists ({@code KEY} alone is an empty value). */
    public static Map<String, String> keyValues(@Nullable NodeTuple tuple, String what) {
        Map<String, String> result = new LinkedHashMap<>();
        if (tuple == null) {
            return result;
        }
        Node node = tuple.getValueNode();
        if (node instanceof SequenceNode) {
            for (Node item : sequence(node, what)) {
                String text = scalar(item, "an item of " + what);
                int eq = text.indexOf('=');
                String key = eq < 0 ? text : text.substring(0, eq);
                if (key.isBlank()) {
                    throw error(item, what + ": \"" + text + "\" has no name before '='");
                }
                result.put(key, eq < 0 ? "" : text.substring(eq + 1));
            }
            return result;
        }
        for (Map.Entry<String, NodeTuple> entry : mapping(node, what).entrySet()) {
            result.put(entry.getKey(), scalar(entry.getValue().getValueNode(), what + ": " + entry.getKey()));
        }
        return result;
    }

    /** True for YAML's null: nothing after the colon, {@code ~} or {@code null}. */
    public static boolean isNull(Node node) {
        return node instanceof ScalarNode s && s.getTag().getValue().endsWith(":null");
    }

    public static long whole(Node node, String what) {
        String text = scalar(node, what).strip();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw error(node, what + " \"" + text + "\" is not a whole number");
        }
    }

    /** Compose's byte sizes: {@code 512m}, {@code 1g}, {@code 1.5gb}, {@code 4096}. */
    public static long size(Node node, String what) {
        String text = scalar(node, what).strip();
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw error(node, what + " \"" + text + "\" is not a size; write it like 512m or 1g");
        }
        double amount = Double.parseDouble(m.group(1));
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            default -> 1L;
        };
        return (long) (amount * unit);
    }

    /** Compose durations: {@code 1m30s}, {@code 10s}, {@code 500ms}. */
    public static @Nullable Duration duration(@Nullable NodeTuple tuple, String what) {
        if (tuple == null) {
            return null;
        }
        String key = scalar(tuple.getKeyNode(), "key");
        String text = scalar(tuple.getValueNode(), what + ": " + key).strip();
        Matcher m = DURATION_PART.matcher(text);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            double amount = Double.parseDouble(m.group(1));
            long nanos = switch (m.group(2)) {
                case "h" -> (long) (amount * 3_600_000_000_000L);
                case "m" -> (long) (amount * 60_000_000_000L);
                case "s" -> (long) (amount * 1_000_000_000L);
                case "ms" -> (long) (amount * 1_000_000L);
                case "us", "µs" -> (long) (amount * 1_000L);
                default -> (long) amount;
            };
            total = total.plusNanos(nanos);
            end = m.end();
        }
        if (text.isEmpty() || end != text.length()) {
            throw error(
                    tuple.getValueNode(),
                    what + ": " + key + " \"" + text + "\" is not a duration; write it like 10s, 1m30s or 500ms");
        }
        return total;
    }

    public static int port(Node at, String text, String where) {
        try {
            int port = Integer.parseInt(text.strip());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error(at, where + ": \"" + text + "\" is not a port number (1 to 65535)");
    }

    /** The closest of {@code known} to {@code key}, if it is a likely typo of it. */
    public static Optional<String> suggestion(String key, Iterable<String> known) {
        String nearest = null;
        int best = Integer.MAX_VALUE;
        for (String candidate : known) {
            int distance = editDistance(key, candidate);
            if (distance < best || (distance == best && nearest != null && candidate.compareTo(nearest) < 0)) {
                best = distance;
                nearest = candidate;
            }
        }
        return best <= 2 ? Optional.ofNullable(nearest) : Optional.empty();
    }

    /** Levenshtein distance, for suggesting the key a typo meant. */
    public static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /**
     * Checks that a mapping's keys are among {@code known}, ignoring {@code x-*} extensions; a key of
     * Compose that Berth does not apply is refused by name, another with the likely key it meant.
     */
    public static Map<String, NodeTuple> keys(
            Node node, String what, Set<String> known, Set<String> composeOnly, String hint) {
        Map<String, NodeTuple> result = mapping(node, what);
        for (Map.Entry<String, NodeTuple> entry : result.entrySet()) {
            String key = entry.getKey();
            if (known.contains(key) || key.startsWith("x-")) {
                continue;
            }
            if (composeOnly.contains(key)) {
                throw error(
                        entry.getValue().getKeyNode(),
                        what + ": \"" + key + "\" is not supported by this version of Berth; " + hint);
            }
            throw error(
                    entry.getValue().getKeyNode(),
                    what + ": unknown key \"" + key + "\""
                            + Nodes.suggestion(key, known)
                                    .map(n -> ": did you mean \"" + n + "\"?")
                                    .orElse("; use "
                                            + String.join(
                                                    ", ",
                                                    known.stream().sorted().toList())));
        }
        return result;
    }
}
