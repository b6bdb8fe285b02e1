package dev.berth.common.compose;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * Reads a compose document as Compose does (YAML 1.2, anchors and {@code <<} merge keys) into a
 * {@link ComposeStack}, or fails with a {@link ComposeException} that names the file, line and key.
 * A key Berth does not support yet is an error, never silently ignored: ignoring it would deploy
 * something other than what the file says. Stateless and thread-safe.
 */
public final class ComposeParser {
    private static final Set<String> TOP_LEVEL_KEYS = Set.of("services", "name", "version");

    /**
     * Parses one compose document with no variables set: {@code ${VAR:-default}} takes its default and
     * {@code $VAR} becomes empty, as in Compose with an empty environment.
     *
     * @param file the file's path as the user knows it, used in error messages
     */
    public ComposeStack parse(String file, String content) {
        return parse(file, content, Map.of());
    }

    /**
     * Parses one compose document, interpolating {@code variables} into its values as Compose does.
     *
     * @param file the file's path as the user knows it, used in error messages
     */
    public ComposeStack parse(String file, String content, Map<String, String> variables) {
        Node root = Yaml.interpolate(
                Yaml.load(file, content), new Interpolation(name -> Optional.ofNullable(variables.get(name))));
        Map<String, NodeTuple> top = Nodes.mapping(root, "the compose file");
        for (Map.Entry<String, NodeTuple> entry : top.entrySet()) {
            String key = entry.getKey();
            if (!TOP_LEVEL_KEYS.contains(key) && !key.startsWith("x-")) {
                throw Nodes.error(
                        entry.getValue().getKeyNode(),
                        "top-level key \"" + key
                                + "\" is not supported by this version of Berth; supported: services, name, x-* extensions");
            }
        }
        NodeTuple services = top.get("services");
        if (services == null) {
            throw Nodes.error(root, "no \"services\" key: a compose file must declare at least one service");
        }
        Map<String, NodeTuple> serviceNodes = Nodes.mapping(services.getValueNode(), "services");
        if (serviceNodes.isEmpty()) {
            throw Nodes.error(services.getValueNode(), "\"services\" is empty: declare at least one service");
        }
        Map<String, ServiceSpec> specs = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> entry : serviceNodes.entrySet()) {
            specs.put(entry.getKey(), ServiceReader.service(entry.getKey(), entry.getValue()));
        }
        return new ComposeStack(
                top.containsKey("name") ? Nodes.scalar(top.get("name").getValueNode(), "name") : null,
                DependencyOrder.order(specs, serviceNodes),
                Map.of("default", ComposeStack.NetworkSpec.byDefault()),
                Map.of(),
                Map.of(),
                Map.of(),
                Set.of(),
                Set.of());
    }
}
