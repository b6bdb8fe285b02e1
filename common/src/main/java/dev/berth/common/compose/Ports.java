package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.keys;
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

/**
 * A service's {@code ports} (short and long syntax, host addresses, ranges, protocols) and
 * {@code expose}. Equal-length host and container ranges ({@code 8000-8002:80-82}) become one mapping
 * per port; a host range for one container port ({@code 8000-8010:80}) stays one mapping whose host
 * port is any free port of the range. Stateless.
 */
final class Ports {
    private static final Pattern EXPOSE = Pattern.compile("(\\d+)(?:-(\\d+))?(?:/(tcp|udp|sctp))?");
    private static final Pattern RANGE = Pattern.compile("(\\d+)(?:-(\\d+))?");
    private static final Pattern PROTOCOL = Pattern.compile("(.*?)(?:/(tcp|udp|sctp))?");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");

    /** A published port and the node it was written at, for errors found later. */
    record Published(PortMapping mapping, Node at) {}

    private Ports() {}

    static List<Published> ports(@Nullable NodeTuple tuple, String where) {
        List<Published> result = new ArrayList<>();
        if (tuple == null) {
            return result;
        }
        for (Node item : sequence(tuple.getValueNode(), where + ": ports")) {
            List<PortMapping> mappings = item instanceof MappingNode ? longPort(item, where) : shortPort(item, where);
            mappings.forEach(m -> result.add(new Published(m, item)));
        }
        return result;
    }

    private static ComposeException invalid(Node node, String text, String where, String why) {
        return error(
                node,
                where + ": port \"" + text + "\" is not valid (" + why
                        + "); write [host_ip:][host_port[-end]:]container_port[-end][/protocol], like"
                        + " 127.0.0.1:8080:80 or 8000-8002:80-82/udp");
    }

    private static List<PortMapping> shortPort(Node node, String where) {
        String text = scalar(node, "an item of " + where + ": ports").strip();
        Matcher withProtocol = PROTOCOL.matcher(text);
        if (!withProtocol.matches()) {
            throw invalid(node, text, where, "unreadable");
        }
        String rest = withProtocol.group(1);
        String protocol = withProtocol.group(2) == null ? "tcp" : withProtocol.group(2);
        String hostIp = "";
        if (rest.startsWith("[")) {
            int close = rest.indexOf("]:");
            if (close < 0) {
                throw invalid(node, text, where, "an IPv6 address in [ ] must be followed by :");
            }
            hostIp = rest.substring(1, close);
            rest = rest.substring(close + 2);
            if (!rest.contains(":")) {
                throw invalid(node, text, where, "after the host address comes host_port: (which may be empty)");
            }
        }
        int last = rest.lastIndexOf(':');
        String container = last < 0 ? rest : rest.substring(last + 1);
        String host = null;
        if (last >= 0) {
            String before = rest.substring(0, last);
            int ipEnd = before.lastIndexOf(':');
            if (ipEnd >= 0) {
                if (!hostIp.isEmpty()) {
                    throw invalid(node, text, where, "too many parts");
                }
                hostIp = before.substring(0, ipEnd);
                host = before.substring(ipEnd + 1);
                if (!IPV4.matcher(hostIp).matches() && !hostIp.contains(":")) {
                    throw invalid(node, text, where, "\"" + hostIp + "\" is not an IP address");
                }
            } else {
                host = before;
            }
        }
        int[] containerRange = range(node, container, text, where);
        if (host == null || host.isEmpty()) {
            List<PortMapping> result = new ArrayList<>();
            for (int port = containerRange[0]; port <= containerRange[1]; port++) {
                result.add(new PortMapping(hostIp, null, null, port, protocol));
            }
            return result;
        }
        return mappings(node, text, where, hostIp, range(node, host, text, where), containerRange, protocol);
    }

    private static List<PortMapping> mappings(
            Node node, String text, String where, String hostIp, int[] host, int[] container, String protocol) {
        int hostCount = host[1] - host[0] + 1;
        int containerCount = container[1] - container[0] + 1;
        if (containerCount == 1 && hostCount > 1) {
            return List.of(new PortMapping(hostIp, host[0], host[1], container[0], protocol));
        }
        if (hostCount != containerCount) {
            throw invalid(
                    node,
                    text,
                    where,
                    "the host range has " + hostCount + " ports and the container range " + containerCount);
        }
        List<PortMapping> result = new ArrayList<>();
        for (int i = 0; i < containerCount; i++) {
            result.add(new PortMapping(hostIp, host[0] + i, null, container[0] + i, protocol));
        }
        return result;
    }

    private static int[] range(Node node, String text, String whole, String where) {
        Matcher m = RANGE.matcher(text.strip());
        if (!m.matches()) {
            throw invalid(node, whole, where, "\"" + text + "\" is not a port or a range like 8000-8010");
        }
        int start = port(node, m.group(1), where);
        int end = m.group(2) == null ? start : port(node, m.group(2), where);
        if (end < start) {
            throw invalid(node, whole, where, "the range " + text + " ends before it starts");
        }
        return new int[] {start, end};
    }

    private static List<PortMapping> longPort(Node node, String where) {
        Map<String, NodeTuple> keys = keys(
                node,
                where + ": port",
                Set.of("target", "published", "host_ip", "protocol", "mode", "name", "app_protocol"),
                Set.of(),
                "");
        NodeTuple target = keys.get("target");
        if (target == null) {
            throw error(node, where + ": a port in long syntax needs \"target\" (the container port)");
        }
        String targetText = scalar(target.getValueNode(), where + ": target");
        int[] container = range(target.getValueNode(), targetText, targetText, where);
        String hostIp =
                keys.containsKey("host_ip") ? scalar(keys.get("host_ip").getValueNode(), where + ": host_ip") : "";
        String protocol = keys.containsKey("protocol")
                ? scalar(keys.get("protocol").getValueNode(), where + ": protocol")
                        .toLowerCase(Locale.ROOT)
                : "tcp";
        if (!Set.of("tcp", "udp", "sctp").contains(protocol)) {
            throw error(keys.get("protocol").getValueNode(), where + ": protocol must be tcp, udp or sctp");
        }
        if (keys.containsKey("mode")) {
            String mode = scalar(keys.get("mode").getValueNode(), where + ": mode");
            if (!mode.equals("host") && !mode.equals("ingress")) {
                throw error(keys.get("mode").getValueNode(), where + ": port mode must be host or ingress");
            }
        }
        String published = keys.containsKey("published")
                ? scalar(keys.get("published").getValueNode(), where + ": published")
                : "";
        if (published.isEmpty()) {
            List<PortMapping> result = new ArrayList<>();
            for (int port = container[0]; port <= container[1]; port++) {
                result.add(new PortMapping(hostIp, null, null, port, protocol));
            }
            return result;
        }
        Node publishedNode = keys.get("published").getValueNode();
        return mappings(
                publishedNode,
                published,
                where,
                hostIp,
                range(publishedNode, published, published, where),
                container,
                protocol);
    }

    static List<String> expose(@Nullable NodeTuple tuple, String where) {
        List<String> result = new ArrayList<>();
        for (String entry : stringOrList(tuple, where + ": expose")) {
            Matcher m = EXPOSE.matcher(entry.strip());
            if (!m.matches()) {
                throw error(
                        tuple.getValueNode(),
                        where + ": expose \"" + entry + "\" is not port[-end][/protocol], like 8080 or 9000-9002/udp");
            }
            int start = port(tuple.getValueNode(), m.group(1), where);
            int end = m.group(2) == null ? start : port(tuple.getValueNode(), m.group(2), where);
            if (end < start) {
                throw error(tuple.getValueNode(), where + ": expose \"" + entry + "\" ends before it starts");
            }
            for (int port = start; port <= end; port++) {
                result.add(port + "/" + (m.group(3) == null ? "tcp" : m.group(3)));
            }
        }
        return result;
    }
}
