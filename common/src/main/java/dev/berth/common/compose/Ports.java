package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.mapping;
import static dev.berth.common.compose.Nodes.port;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;
import static dev.berth.common.compose.Nodes.stringOrList;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/** A service's {@code ports} (short and long syntax) and {@code expose}. Stateless. */
final class Ports {
    private static final Pattern EXPOSE = Pattern.compile("(\\d+)(?:/(tcp|udp|sctp))?");
    private static final Pattern SHORT_PORT = Pattern.compile(
            "(?:(?:\\[([0-9a-fA-F:.]+)]|(\\d{1,3}(?:\\.\\d{1,3}){3})):)?(?:(\\d+)?:)?(\\d+)(?:/(tcp|udp|sctp))?");

    private Ports() {}

    static List<PortMapping> ports(@Nullable NodeTuple tuple, String where) {
        List<PortMapping> result = new ArrayList<>();
        if (tuple == null) {
            return result;
        }
        for (Node item : sequence(tuple.getValueNode(), where + ": ports")) {
            result.add(item instanceof MappingNode ? longPort(item, where) : shortPort(item, where));
        }
        return result;
    }

    private static PortMapping shortPort(Node node, String where) {
        String text = scalar(node, "an item of " + where + ": ports").strip();
        Matcher m = SHORT_PORT.matcher(text);
        if (!m.matches()) {
            throw error(
                    node,
                    where + ": port \"" + text
                            + "\" is not [host_ip:][host_port:]container_port[/protocol] (port ranges are not supported yet)");
        }
        String hostIp = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : "";
        Integer hostPort = m.group(3) == null ? null : port(node, m.group(3), where);
        int container = port(node, m.group(4), where);
        String protocol = m.group(5) == null ? "tcp" : m.group(5);
        return new PortMapping(hostIp, hostPort, null, container, protocol);
    }

    private static PortMapping longPort(Node node, String where) {
        Map<String, NodeTuple> keys = mapping(node, where + ": port");
        for (String key : keys.keySet()) {
            if (!Set.of("target", "published", "host_ip", "protocol", "mode", "name", "app_protocol")
                    .contains(key)) {
                throw error(keys.get(key).getKeyNode(), where + ": port key \"" + key + "\" is not known");
            }
        }
        NodeTuple target = keys.get("target");
        if (target == null) {
            throw error(node, where + ": a port in long syntax needs \"target\" (the container port)");
        }
        int container = port(target.getValueNode(), scalar(target.getValueNode(), "target"), where);
        Integer published = null;
        if (keys.containsKey("published")) {
            Node p = keys.get("published").getValueNode();
            published = port(p, scalar(p, where + ": published"), where);
        }
        String hostIp = keys.containsKey("host_ip") ? scalar(keys.get("host_ip").getValueNode(), "host_ip") : "";
        String protocol = keys.containsKey("protocol")
                ? scalar(keys.get("protocol").getValueNode(), "protocol").toLowerCase(Locale.ROOT)
                : "tcp";
        if (!Set.of("tcp", "udp", "sctp").contains(protocol)) {
            throw error(keys.get("protocol").getValueNode(), where + ": protocol must be tcp, udp or sctp");
        }
        return new PortMapping(hostIp, published, null, container, protocol);
    }

    static List<String> expose(@Nullable NodeTuple tuple, String where) {
        List<String> result = new ArrayList<>();
        for (String entry : stringOrList(tuple, where + ": expose")) {
            Matcher m = EXPOSE.matcher(entry.strip());
            if (!m.matches()) {
                throw error(
                        tuple.getValueNode(),
                        where + ": expose \"" + entry
                                + "\" is not port[/protocol] (port ranges are not supported yet)");
            }
            int port = port(tuple.getValueNode(), m.group(1), where);
            result.add(port + "/" + (m.group(2) == null ? "tcp" : m.group(2)));
        }
        return result;
    }
}
