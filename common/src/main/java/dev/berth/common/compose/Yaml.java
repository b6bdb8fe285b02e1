package dev.berth.common.compose;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Loads a compose document as a YAML 1.2 node tree, and interpolates its values. Stateless. {@link
 * #load} is public for Berth's other YAML files (environment files), which {@link Nodes} then reads.
 */
public final class Yaml {
    private Yaml() {}

    /**
     * The document's root node; every node's mark names {@code file}. A file past one of {@link
     * YamlLimits}'s limits is refused at the line and column where it passes it.
     */
    public static Node load(String file, String content) {
        if (content.length() > YamlLimits.MAX_DOCUMENT_CHARS) {
            throw tooLarge(file, content);
        }
        LoadSettings settings = LoadSettings.builder()
                .setLabel(file)
                // YAML 1.2's core schema, as Compose: ~, null and nothing are null; yes and on are strings.
                .setSchema(new CoreSchema())
                // LimitedParser counts these first, with the place; this is a second line of defence.
                .setMaxAliasesForCollections(YamlLimits.MAX_COLLECTION_ALIASES + 1)
                .setCodePointLimit(YamlLimits.MAX_DOCUMENT_CHARS * 2)
                // The whole document in one read: snakeyaml-engine 2.10's reader fails with an
                // IndexOutOfBoundsException when a character outside the BMP (an emoji, say) straddles
                // two of its 1,024-character reads.
                .setBufferSize(Math.max(1024, content.length() + 2))
                .build();
        try {
            Parser parser = new LimitedParser(new ParserImpl(settings, new StreamReader(settings, content)), file);
            Optional<Node> node = new Composer(settings, parser).getSingleNode();
            Node root = node.orElseThrow(() -> new ComposeException(file, 0, 0, "file is empty: declare services"));
            YamlLimits.checkExpansion(root);
            return root;
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

    private static ComposeException tooLarge(String file, String content) {
        int limit = YamlLimits.MAX_DOCUMENT_CHARS;
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < limit; i++) {
            if (content.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new ComposeException(
                file,
                line,
                limit - lineStart + 1,
                "the file holds " + content.length() + " characters, more than the limit of " + limit
                        + " (1 MiB), which it passes here; split the stack into smaller files (extends, env_file)");
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
