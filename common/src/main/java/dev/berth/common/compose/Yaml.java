package dev.berth.common.compose;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Loads a compose document as a YAML 1.2 node tree, and interpolates its values. Stateless. {@link
 * #load} is public for Berth's other YAML files (environment files), which {@link Nodes} then reads.
 */
public final class Yaml {
    static final int MAX_DOCUMENT_CHARS = 1024 * 1024;

    private Yaml() {}

    /** The document's root node; every node's mark names {@code file}. */
    public static Node load(String file, String content) {
        if (content.length() > MAX_DOCUMENT_CHARS) {
            throw new ComposeException(file, 0, 0, "file is larger than 1 MiB; split the stack");
        }
        LoadSettings settings = LoadSettings.builder()
                .setLabel(file)
                // YAML 1.2's core schema, as Compose: ~, null and nothing are null; yes and on are strings.
                .setSchema(new CoreSchema())
                .setMaxAliasesForCollections(100)
                .setCodePointLimit(MAX_DOCUMENT_CHARS * 2)
                .build();
        try {
            Optional<Node> node = new Compose(settings).composeString(content);
            return node.orElseThrow(() -> new ComposeException(file, 0, 0, "file is empty: declare services"));
        } catch (MarkedYamlEngineException e) {
            Optional<Mark> mark = e.getProblemMark();
            String problem = e.getProblem() == null ? e.getMessage() : e.getProblem();
            String context = e.getContext() == null ? "" : " " + e.getContext();
            throw new ComposeException(
                    file,
                    mark.map(m -> m.getLine() + 1).orElse(0),
                    mark.map(m -> m.getColumn() + 1).orElse(0),
                    "not valid YAML:" + context + " " + problem);
        } catch (YamlEngineException e) {
            throw new ComposeException(file, 0, 0, "not valid YAML: " + e.getMessage());
        }
    }

    /**
     * The tree with every value interpolated (keys stay as written). A node reached twice through an
     * alias is interpolated once.
     */
    static Node interpolate(Node node, Interpolation interpolation) {
        return interpolate(node, interpolation, new IdentityHashMap<>());
    }

    private static Node interpolate(Node node, Interpolation interpolation, Map<Node, Node> done) {
        Node known = done.get(node);
        if (known != null) {
            return known;
        }
        Node result = node;
        if (node instanceof ScalarNode scalar && scalar.getValue().indexOf('$') >= 0) {
            try {
                result = new ScalarNode(
                        scalar.getTag(),
                        true,
                        interpolation.apply(scalar.getValue()),
                        scalar.getScalarStyle(),
                        scalar.getStartMark(),
                        scalar.getEndMark());
            } catch (Interpolation.Failure e) {
                throw Nodes.error(node, e.getMessage());
            }
        } else if (node instanceof MappingNode mapping) {
            List<NodeTuple> tuples = new ArrayList<>();
            for (NodeTuple tuple : mapping.getValue()) {
                tuples.add(new NodeTuple(tuple.getKeyNode(), interpolate(tuple.getValueNode(), interpolation, done)));
            }
            mapping.setValue(tuples);
        } else if (node instanceof SequenceNode sequence) {
            List<Node> items = sequence.getValue();
            for (int i = 0; i < items.size(); i++) {
                items.set(i, interpolate(items.get(i), interpolation, done));
            }
        }
        done.put(node, result);
        return result;
    }
}
