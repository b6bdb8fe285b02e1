package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.duration;
import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.keyValues;
import static dev.berth.common.compose.Nodes.mapping;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Reads one service's keys into a {@link ServiceSpec}. Stateless. */
final class ServiceReader {
    private static final Pattern SERVICE_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]*");

    private ServiceReader() {}

    static ServiceSpec service(String name, NodeTuple tuple) {
        String where = "service \"" + name + "\"";
        if (!SERVICE_NAME.matcher(name).matches()) {
            throw error(
                    tuple.getKeyNode(),
                    "service name \"" + name
                            + "\" is not valid: use letters, digits, '.', '_' and '-', starting with a letter or digit");
        }
        Node serviceNode = tuple.getValueNode();
        if (serviceNode instanceof ScalarNode s && s.getValue().isEmpty()) {
            throw error(tuple.getKeyNode(), where + " is empty: give it at least an image");
        }
        Map<String, NodeTuple> keys = mapping(serviceNode, where);
        for (Map.Entry<String, NodeTuple> entry : keys.entrySet()) {
            String key = entry.getKey();
            if (!ServiceKeys.SUPPORTED.contains(key) && !key.startsWith("x-")) {
                throw error(entry.getValue().getKeyNode(), where + ": " + unknownKey(key));
            }
        }
        if (keys.containsKey("container_name")) {
            throw error(
                    keys.get("container_name").getKeyNode(),
                    where
                            + ": container_name is not allowed: Berth names containers <environment>-<stack>-<service>-<n>"
                            + " so it can find, replace and scale them; remove the key");
        }
        NodeTuple image = keys.get("image");
        if (image == null) {
            throw error(
                    tuple.getKeyNode(),
                    where + " has no image: add \"image: <name>:<tag>\""
                            + " (building images from source is not supported yet)");
        }
        String imageName = scalar(image.getValueNode(), where + ": image").strip();
        if (imageName.isEmpty()) {
            throw error(image.getValueNode(), where + ": image is empty");
        }
        return new ServiceSpec(
                name,
                imageName,
                null,
                keys.containsKey("entrypoint")
                        ? command(keys.get("entrypoint").getValueNode(), where + ": entrypoint")
                        : null,
                keys.containsKey("command") ? command(keys.get("command").getValueNode(), where + ": command") : null,
                keyValues(keys.get("environment"), where + ": environment", true),
                Ports.ports(keys.get("ports"), where),
                Ports.expose(keys.get("expose"), where),
                keys.containsKey("healthcheck")
                        ? healthcheck(keys.get("healthcheck").getValueNode(), where)
                        : null,
                keyValues(keys.get("labels"), where + ": labels", false),
                dependsOn(keys.get("depends_on"), where),
                Map.of("default", ServiceSpec.ServiceNetwork.PLAIN),
                List.of(),
                List.of(),
                List.of(),
                1,
                OptionsReader.options(keys, where));
    }

    /** Why a service key is refused: a typo (with the likely key) or a key Berth does not apply yet. */
    private static String unknownKey(String key) {
        if (ServiceKeys.COMPOSE.contains(key)) {
            return "key \"" + key + "\" is not supported by this version of Berth, which applies only "
                    + ServiceKeys.SUPPORTED.stream().sorted().toList()
                    + "; remove it or deploy this stack another way until it is supported";
        }
        Optional<String> nearest = Nodes.suggestion(key, ServiceKeys.COMPOSE);
        return "unknown key \"" + key + "\""
                + nearest.map(n -> ": did you mean \"" + n + "\"?").orElse(": it is not a Compose service key");
    }

    /** A command or entrypoint: a list, or a string split as a shell would. */
    private static List<String> command(Node node, String what) {
        if (node instanceof SequenceNode) {
            List<String> parts = new ArrayList<>();
            for (Node part : sequence(node, what)) {
                parts.add(scalar(part, "an item of " + what));
            }
            return parts;
        }
        String text = scalar(node, what);
        try {
            return ShellWords.split(text);
        } catch (IllegalArgumentException e) {
            throw error(node, what + ": " + e.getMessage());
        }
    }

    private static HealthCheck healthcheck(Node node, String where) {
        String what = where + ": healthcheck";
        Map<String, NodeTuple> keys = mapping(node, what);
        for (String key : keys.keySet()) {
            if (!Set.of("test", "interval", "timeout", "start_period", "start_interval", "retries", "disable")
                    .contains(key)) {
                throw error(
                        keys.get(key).getKeyNode(),
                        what + ": key \"" + key + "\" is not known; use test,"
                                + " interval, timeout, start_period, retries or disable");
            }
        }
        if (keys.containsKey("start_interval")) {
            throw error(
                    keys.get("start_interval").getKeyNode(),
                    what
                            + ": start_interval needs Docker Engine API 1.44, which Berth does not require yet; remove it");
        }
        boolean disable = keys.containsKey("disable")
                && Boolean.parseBoolean(scalar(keys.get("disable").getValueNode(), what + ": disable"));
        List<String> test;
        if (disable) {
            test = List.of("NONE");
        } else if (keys.containsKey("test")) {
            Node testNode = keys.get("test").getValueNode();
            if (testNode instanceof SequenceNode) {
                test = new ArrayList<>();
                for (Node part : sequence(testNode, what + ": test")) {
                    test.add(scalar(part, "an item of " + what + ": test"));
                }
                if (test.isEmpty() || !Set.of("NONE", "CMD", "CMD-SHELL").contains(test.get(0))) {
                    throw error(testNode, what + ": test as a list must start with CMD, CMD-SHELL or NONE");
                }
            } else {
                test = List.of("CMD-SHELL", scalar(testNode, what + ": test"));
            }
        } else {
            throw error(node, what + ": needs \"test\" (or \"disable: true\")");
        }
        Integer retries = null;
        if (keys.containsKey("retries")) {
            Node r = keys.get("retries").getValueNode();
            try {
                retries = Integer.parseInt(scalar(r, what + ": retries"));
            } catch (NumberFormatException e) {
                retries = -1;
            }
            if (retries < 0) {
                throw error(r, what + ": retries must be a whole number of at least 0");
            }
        }
        return new HealthCheck(
                test,
                duration(keys.get("interval"), what),
                duration(keys.get("timeout"), what),
                duration(keys.get("start_period"), what),
                retries);
    }

    /** {@code depends_on} as a list (service_started) or a mapping with conditions. */
    private static Map<String, ServiceSpec.Dependency> dependsOn(@Nullable NodeTuple tuple, String where) {
        Map<String, ServiceSpec.Dependency> result = new LinkedHashMap<>();
        if (tuple == null) {
            return result;
        }
        String what = where + ": depends_on";
        Node node = tuple.getValueNode();
        if (node instanceof SequenceNode) {
            for (Node item : sequence(node, what)) {
                result.put(scalar(item, "an item of " + what), ServiceSpec.Dependency.started());
            }
            return result;
        }
        for (Map.Entry<String, NodeTuple> entry : mapping(node, what).entrySet()) {
            Map<String, NodeTuple> options = mapping(entry.getValue().getValueNode(), what + ": " + entry.getKey());
            String condition = "service_started";
            for (Map.Entry<String, NodeTuple> option : options.entrySet()) {
                Node value = option.getValue().getValueNode();
                switch (option.getKey()) {
                    case "condition" -> condition = scalar(value, what + ": condition");
                    case "required", "restart" -> {
                        String flag = scalar(value, what + ": " + option.getKey());
                        if (!flag.equals("true") && !flag.equals("false")) {
                            throw error(value, what + ": " + option.getKey() + " must be true or false");
                        }
                    }
                    default ->
                        throw error(
                                option.getValue().getKeyNode(),
                                what + ": key \"" + option.getKey()
                                        + "\" is not known; use condition, required or restart");
                }
            }
            if (condition.equals("service_completed_successfully")) {
                throw error(
                        entry.getValue().getValueNode(),
                        what + ": condition service_completed_successfully"
                                + " is not supported by this version of Berth; use service_started or service_healthy");
            }
            if (!condition.equals("service_started") && !condition.equals("service_healthy")) {
                throw error(
                        entry.getValue().getValueNode(),
                        what + ": condition \"" + condition
                                + "\" is not valid: use service_started or service_healthy");
            }
            result.put(entry.getKey(), new ServiceSpec.Dependency(condition, true, false));
        }
        return result;
    }
}
