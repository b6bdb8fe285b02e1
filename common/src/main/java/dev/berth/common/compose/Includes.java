package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.mapping;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Compose's top-level {@code include}: the services, networks, volumes, secrets and configs of other
 * compose files of the repository join the stack's, as {@code docker compose} imports them. Each
 * included file keeps its own directory for the relative paths it writes (its bind mounts, env files,
 * build contexts), as Compose's default {@code project_directory}; a name declared twice (by the
 * stack and an included file, or by two included files) is refused, as Compose refuses it. Included
 * files may include others, without cycles and at most {@link #MAX_DEPTH} deep. Used by one parse.
 */
final class Includes {
    /** How deep includes may nest. */
    static final int MAX_DEPTH = 16;

    private static final List<String> SECTIONS = List.of("services", "networks", "volumes", "secrets", "configs");
    private static final Set<String> LONG_KEYS = Set.of("path", "env_file", "project_directory");

    private final StackContext context;

    Includes(StackContext context) {
        this.context = context;
    }

    /**
     * The top level of {@code root} with what it includes merged into its sections; {@code include}
     * itself removed.
     *
     * @throws ComposeException for a missing or cyclic include, an unsupported option, or a name two
     *     files declare
     */
    Map<String, NodeTuple> resolve(Node root) {
        Map<String, NodeTuple> top = new LinkedHashMap<>(mapping(root, "the compose file"));
        NodeTuple include = top.remove("include");
        if (include == null) {
            return top;
        }
        Map<String, Map<String, NodeTuple>> merged = new LinkedHashMap<>();
        Map<String, Map<String, String>> origin = new LinkedHashMap<>();
        for (String section : SECTIONS) {
            merged.put(section, new LinkedHashMap<>());
            origin.put(section, new LinkedHashMap<>());
            NodeTuple own = top.get(section);
            if (own != null) {
                add(section, own, Nodes.file(root), merged, origin);
            }
        }
        List<String> chain = new ArrayList<>(List.of(Nodes.file(root)));
        includeAll(include, chain, merged, origin);
        for (String section : SECTIONS) {
            if (!merged.get(section).isEmpty()) {
                NodeTuple own = top.get(section);
                Node key = own != null ? own.getKeyNode() : include.getKeyNode();
                top.put(section, tuple(section, key, merged.get(section)));
            }
        }
        return top;
    }

    private void includeAll(
            NodeTuple include,
            List<String> chain,
            Map<String, Map<String, NodeTuple>> merged,
            Map<String, Map<String, String>> origin) {
        for (Node item : sequence(include.getValueNode(), "include")) {
            for (Node pathNode : paths(item)) {
                String written = scalar(pathNode, "an include path").strip();
                String path = context.repoPath(pathNode, written, "include");
                if (chain.contains(path)) {
                    List<String> cycle = new ArrayList<>(chain.subList(chain.indexOf(path), chain.size()));
                    cycle.add(path);
                    throw error(pathNode, "include forms a cycle: " + String.join(" -> ", cycle));
                }
                if (chain.size() > MAX_DEPTH) {
                    throw error(
                            pathNode,
                            "includes nest more than " + MAX_DEPTH + " files deep here: " + String.join(" -> ", chain)
                                    + "; flatten them");
                }
                Optional<Node> document = context.document(path);
                if (document.isEmpty()) {
                    throw error(
                            pathNode,
                            "include \"" + written + "\" (" + path + ") does not exist in the repository; commit it"
                                    + " or fix the path");
                }
                context.use(path);
                Map<String, NodeTuple> top = mapping(document.get(), path);
                for (String key : top.keySet()) {
                    if (!SECTIONS.contains(key)
                            && !key.equals("include")
                            && !key.equals("name")
                            && !key.equals("version")
                            && !key.startsWith("x-")) {
                        throw error(
                                top.get(key).getKeyNode(),
                                "top-level key \"" + key + "\" of included file " + path
                                        + " is not a Compose key an included file may hold");
                    }
                }
                chain.add(path);
                NodeTuple nested = top.get("include");
                if (nested != null) {
                    includeAll(nested, chain, merged, origin);
                }
                chain.remove(chain.size() - 1);
                for (String section : SECTIONS) {
                    NodeTuple tuple = top.get(section);
                    if (tuple != null) {
                        add(section, tuple, path, merged, origin);
                    }
                }
            }
        }
    }

    /** The path nodes of one include item: a path, or {@code path:} (one or a list) of the long form. */
    private static List<Node> paths(Node item) {
        if (item instanceof ScalarNode) {
            return List.of(item);
        }
        Map<String, NodeTuple> keys = mapping(item, "an include item");
        for (Map.Entry<String, NodeTuple> key : keys.entrySet()) {
            if (!LONG_KEYS.contains(key.getKey())) {
                throw error(
                        key.getValue().getKeyNode(),
                        "include: key \"" + key.getKey()
                                + "\" is not known; use path (and env_file, project_directory)");
            }
            if (!key.getKey().equals("path")) {
                throw error(
                        key.getValue().getKeyNode(),
                        "include: " + key.getKey() + " is not supported by this version of Berth: an included file"
                                + " reads the stack's variables and writes paths relative to its own directory;"
                                + " remove it");
            }
        }
        NodeTuple path = keys.get("path");
        if (path == null) {
            throw error(item, "include: an item needs \"path\": the compose file to include");
        }
        Node value = path.getValueNode();
        return value instanceof ScalarNode ? List.of(value) : sequence(value, "include: path");
    }

    private static void add(
            String section,
            NodeTuple tuple,
            String file,
            Map<String, Map<String, NodeTuple>> merged,
            Map<String, Map<String, String>> origin) {
        if (isNull(tuple.getValueNode())) {
            return;
        }
        for (Map.Entry<String, NodeTuple> entry :
                mapping(tuple.getValueNode(), section).entrySet()) {
            @Nullable String first = origin.get(section).putIfAbsent(entry.getKey(), file);
            if (first != null) {
                throw error(
                        entry.getValue().getKeyNode(),
                        section + "." + entry.getKey() + " of " + file + " is also declared in " + first
                                + "; Compose refuses a name two included files declare: rename one");
            }
            merged.get(section).put(entry.getKey(), entry.getValue());
        }
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL);
    }

    private static NodeTuple tuple(String section, Node keyNode, Map<String, NodeTuple> entries) {
        Node key =
                new ScalarNode(Tag.STR, true, section, ScalarStyle.PLAIN, keyNode.getStartMark(), keyNode.getEndMark());
        return new NodeTuple(
                key,
                new MappingNode(
                        Tag.MAP,
                        true,
                        List.copyOf(entries.values()),
                        FlowStyle.BLOCK,
                        keyNode.getStartMark(),
                        keyNode.getEndMark()));
    }
}
