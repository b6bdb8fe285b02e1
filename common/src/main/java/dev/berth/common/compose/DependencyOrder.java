package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Orders services after what they depend on, refusing unknown services and cycles. Stateless. */
final class DependencyOrder {
    private DependencyOrder() {}

    /**
     * The services in an order where each comes after what it depends on, otherwise in file order;
     * a dependency on an unknown service, or a cycle, is an error at its {@code depends_on}.
     */
    static List<ServiceSpec> order(Map<String, ServiceSpec> specs, Map<String, NodeTuple> nodes) {
        for (ServiceSpec spec : specs.values()) {
            for (String dependency : spec.dependsOn().keySet()) {
                if (!specs.containsKey(dependency)) {
                    throw error(
                            dependsOnNode(nodes, spec.name()),
                            "service \"" + spec.name() + "\" depends on \"" + dependency
                                    + "\", which this stack does not declare");
                }
            }
        }
        List<ServiceSpec> ordered = new ArrayList<>();
        Map<String, Boolean> visiting = new LinkedHashMap<>();
        for (String name : specs.keySet()) {
            visit(name, specs, nodes, visiting, new ArrayList<>(), ordered);
        }
        return ordered;
    }

    private static void visit(
            String name,
            Map<String, ServiceSpec> specs,
            Map<String, NodeTuple> nodes,
            Map<String, Boolean> state,
            List<String> path,
            List<ServiceSpec> ordered) {
        Boolean done = state.get(name);
        if (Boolean.TRUE.equals(done)) {
            return;
        }
        path.add(name);
        if (done != null) {
            List<String> cycle = path.subList(path.indexOf(name), path.size());
            throw error(dependsOnNode(nodes, name), "depends_on forms a cycle: " + String.join(" -> ", cycle));
        }
        state.put(name, false);
        for (String dependency : specs.get(name).dependsOn().keySet()) {
            visit(dependency, specs, nodes, state, path, ordered);
        }
        state.put(name, true);
        path.remove(path.size() - 1);
        ordered.add(specs.get(name));
    }

    private static Node dependsOnNode(Map<String, NodeTuple> nodes, String service) {
        Node serviceNode = nodes.get(service).getValueNode();
        if (serviceNode instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode key
                        && key.getValue().equals("depends_on")) {
                    return tuple.getKeyNode();
                }
            }
        }
        return nodes.get(service).getKeyNode();
    }
}
