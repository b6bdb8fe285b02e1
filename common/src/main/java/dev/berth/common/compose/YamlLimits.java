package dev.berth.common.compose;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * The limits on what Berth reads from a YAML file, and the check of a composed tree against those
 * that aliases can exceed. Every limit is far above what a real compose or environment file needs
 * and far below what would exhaust a thread's stack or the heap: the recursive walks over the tree
 * (snakeyaml-engine's composer, interpolation, {@code <<} merges, {@code extends}) go no deeper than
 * {@link #MAX_DEPTH} and do no more work than {@link #MAX_EXPANDED_SIZE}. Stateless.
 */
final class YamlLimits {
    /** Characters in one file: the largest public compose files are tens of KiB. */
    static final int MAX_DOCUMENT_CHARS = 1024 * 1024;

    /**
     * Levels of lists and mappings within each other, counted through aliases. The deepest compose
     * value ({@code services.web.deploy.resources.limits.cpus}) is 6; 64 leaves room for {@code x-}
     * extensions and is two orders of magnitude below the depth at which a default thread stack
     * overflows in the composer (~2,000).
     */
    static final int MAX_DEPTH = 64;

    /** A compose file is one YAML document; a second one is a mistake (or a way to hide content). */
    static final int MAX_DOCUMENTS = 1;

    /** Aliases of lists or mappings ({@code <<: *defaults} is one); a stack uses a handful. */
    static final int MAX_COLLECTION_ALIASES = 100;

    /**
     * The size of the tree with every alias written out, in nodes plus scalar characters. A file
     * without aliases stays under 1.5 Mi of it (one node per two characters at most, plus its
     * characters); an alias bomb ("billion laughs", with lists, scalars or {@code <<} merges) passes
     * it after a few levels.
     */
    static final long MAX_EXPANDED_SIZE = 4L * MAX_DOCUMENT_CHARS;

    private YamlLimits() {}

    /**
     * Refuses a tree that refers to itself through an alias, or that written out would be deeper
     * than {@link #MAX_DEPTH} or larger than {@link #MAX_EXPANDED_SIZE}. The walk recurses no deeper
     * than the document's own nesting (already limited by {@link LimitedParser}): an alias is always
     * met after its anchor, so its node is measured already.
     */
    static void checkExpansion(Node root) {
        measure(root, new IdentityHashMap<>());
    }

    private record Measure(int depth, long size) {}

    /** In progress: a node met again before its measure is known contains an alias of itself. */
    private static final Measure MEASURING = new Measure(-1, -1);

    private static Measure measure(Node node, Map<Node, Measure> known) {
        Measure done = known.putIfAbsent(node, MEASURING);
        if (done == MEASURING) {
            throw Nodes.error(
                    node,
                    "this value contains an alias of itself (*"
                            + node.getAnchor().map(Object::toString).orElse("")
                            + " inside &"
                            + node.getAnchor().map(Object::toString).orElse("")
                            + "); YAML structures that refer to themselves are not allowed");
        }
        if (done != null) {
            return done;
        }
        int depth = 0;
        long size = node instanceof ScalarNode scalar ? 1L + scalar.getValue().length() : 1L;
        for (Node child : children(node)) {
            Measure m = measure(child, known);
            depth = Math.max(depth, m.depth());
            size = Math.min(size + m.size(), Long.MAX_VALUE / 2);
        }
        Measure result = new Measure(node instanceof ScalarNode ? 0 : depth + 1, size);
        if (result.depth() > MAX_DEPTH) {
            throw Nodes.error(
                    node,
                    "values are nested more than " + MAX_DEPTH + " levels deep here, counting the lists and"
                            + " mappings its aliases bring in; flatten the value or use fewer aliases within aliases");
        }
        if (result.size() > MAX_EXPANDED_SIZE) {
            throw Nodes.error(
                    node,
                    "this value, with its aliases written out, is larger than " + MAX_EXPANDED_SIZE
                            + " nodes and characters (an alias bomb?); use fewer aliases of aliases");
        }
        known.put(node, result);
        return result;
    }

    private static Iterable<Node> children(Node node) {
        if (node instanceof SequenceNode sequence) {
            return sequence.getValue();
        }
        if (node instanceof MappingNode mapping) {
            List<Node> nodes = new ArrayList<>(mapping.getValue().size() * 2);
            for (NodeTuple tuple : mapping.getValue()) {
                nodes.add(tuple.getKeyNode());
                nodes.add(tuple.getValueNode());
            }
            return nodes;
        }
        return List.of();
    }
}
