package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
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
            visit(name, specs, nodes, visiting, ordered);
        }
        return ordered;
    }

    /** A service being visited, with the dependencies not visited yet. */
    private record Frame(String name, Iterator<String> dependencies) {}

    /**
     * Depth-first from {@code start}, with its own stack rather than recursion: a chain of thousands
     * of services (a generated file) must not overflow the thread's stack.
     */
    private static void visit(
            String start,
            Map<String, ServiceSpec> specs,
            Map<String, NodeTuple> nodes,
            Map<String, Boolean> state,
            List<ServiceSpec> ordered) {
        if (state.containsKey(start)) {
            return;
        }
        Deque<Frame> stack = new ArrayDeque<>();
        List<String> path = new ArrayList<>();
        enter(start, specs, state, stack, path);
        while (!stack.isEmpty()) {
            Frame top = stack.peek();
            if (!top.dependencies().hasNext()) {
                stack.pop();
                path.remove(path.size() - 1);
                state.put(top.name(), true);
                ordered.add(specs.get(top.name()));
                continue;
            }
            String dependency = top.dependencies().next();
            Boolean done = state.get(dependency);
            if (done == null) {
                enter(dependency, specs, state, stack, path);
            } else if (!done) {
                path.add(dependency);
                List<String> cycle = path.subList(path.indexOf(dependency), path.size());
                throw error(
                        dependsOnNode(nodes, dependency), "depends_on forms a cycle: " + String.join(" -> ", cycle));
            }
        }
    }

    private static void enter(
            String name,
            Map<String, ServiceSpec> specs,
            Map<String, Boolean> state,
            Deque<Frame> stack,
            List<String> path) {
        state.put(name, false);
        path.add(name);
        stack.push(new Frame(name, specs.get(name).dependsOn().keySet().iterator()));
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
