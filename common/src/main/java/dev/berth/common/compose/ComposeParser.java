package dev.berth.common.compose;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
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

/**
 * Reads a compose document as Compose does (YAML 1.2, anchors and {@code <<} merge keys) into a
 * {@link ComposeStack}, or fails with a {@link ComposeException} that names the file, line and key.
 * A key Berth does not support yet is an error, never silently ignored: ignoring it would deploy
 * something other than what the file says. Stateless and thread-safe.
 */
public final class ComposeParser {
    /** Service keys this version applies. */
    static final Set<String> SERVICE_KEYS =
            Set.of("image", "command", "environment", "ports", "healthcheck", "labels", "container_name");

    private static final Set<String> TOP_LEVEL_KEYS = Set.of("services", "name", "version");
    private static final Pattern SERVICE_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]*");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
    private static final Pattern SHORT_PORT = Pattern.compile(
            "(?:(?:\\[([0-9a-fA-F:.]+)]|(\\d{1,3}(?:\\.\\d{1,3}){3})):)?(?:(\\d+)?:)?(\\d+)(?:/(tcp|udp|sctp))?");
    private static final int MAX_DOCUMENT_CHARS = 1024 * 1024;

    /**
     * Parses one compose document.
     *
     * @param file the file's path as the user knows it, used in error messages
     */
    public ComposeStack parse(String file, String content) {
        if (content.length() > MAX_DOCUMENT_CHARS) {
            throw new ComposeException(file, 0, 0, "file is larger than 1 MiB; split the stack");
        }
        Node root = compose(file, content);
        var reader = new Reader(file);
        Map<String, NodeTuple> top = reader.mapping(root, "the compose file");
        for (Map.Entry<String, NodeTuple> entry : top.entrySet()) {
            String key = entry.getKey();
            if (!TOP_LEVEL_KEYS.contains(key) && !key.startsWith("x-")) {
                throw reader.error(
                        entry.getValue().getKeyNode(),
                        "top-level key \"" + key
                                + "\" is not supported by this version of Berth; supported: services, name, x-* extensions");
            }
        }
        NodeTuple services = top.get("services");
        if (services == null) {
            throw reader.error(root, "no \"services\" key: a compose file must declare at least one service");
        }
        Map<String, NodeTuple> serviceNodes = reader.mapping(services.getValueNode(), "services");
        if (serviceNodes.isEmpty()) {
            throw reader.error(services.getValueNode(), "\"services\" is empty: declare at least one service");
        }
        List<ServiceSpec> specs = new ArrayList<>();
        for (Map.Entry<String, NodeTuple> entry : serviceNodes.entrySet()) {
            specs.add(reader.service(entry.getKey(), entry.getValue()));
        }
        return new ComposeStack(specs);
    }

    private static Node compose(String file, String content) {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(file)
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
            return throwAt(file, mark, "not valid YAML:" + context + " " + problem);
        } catch (YamlEngineException e) {
            throw new ComposeException(file, 0, 0, "not valid YAML: " + e.getMessage());
        }
    }

    private static Node throwAt(String file, Optional<Mark> mark, String detail) {
        throw new ComposeException(
                file,
                mark.map(m -> m.getLine() + 1).orElse(0),
                mark.map(m -> m.getColumn() + 1).orElse(0),
                detail);
    }

    /** Reads nodes of one file, building errors that point into it. */
    private static final class Reader {
        private final String file;

        Reader(String file) {
            this.file = file;
        }

        ComposeException error(Node at, String detail) {
            Optional<Mark> mark = at.getStartMark();
            return new ComposeException(
                    file,
                    mark.map(m -> m.getLine() + 1).orElse(0),
                    mark.map(m -> m.getColumn() + 1).orElse(0),
                    detail);
        }

        /** A mapping's entries in order, with {@code <<} merges applied and duplicate keys refused. */
        Map<String, NodeTuple> mapping(Node node, String what) {
            if (!(node instanceof MappingNode mappingNode)) {
                throw error(node, what + " must be a mapping (key: value lines), found " + describe(node));
            }
            Map<String, NodeTuple> own = new LinkedHashMap<>();
            List<Node> merges = new ArrayList<>();
            for (NodeTuple tuple : mappingNode.getValue()) {
                String key = scalar(tuple.getKeyNode(), "a key of " + what);
                if (key.equals("<<")) {
                    Node value = tuple.getValueNode();
                    if (value instanceof SequenceNode seq) {
                        merges.addAll(seq.getValue());
                    } else {
                        merges.add(value);
                    }
                    continue;
                }
                if (own.putIfAbsent(key, tuple) != null) {
                    throw error(tuple.getKeyNode(), "duplicate key \"" + key + "\" in " + what);
                }
            }
            // Merge keys give defaults: the mapping's own keys win, then earlier merge sources.
            Map<String, NodeTuple> result = new LinkedHashMap<>();
            for (Node merge : merges) {
                for (Map.Entry<String, NodeTuple> e :
                        mapping(merge, "a << merge source in " + what).entrySet()) {
                    result.putIfAbsent(e.getKey(), e.getValue());
                }
            }
            result.keySet().removeAll(own.keySet());
            Map<String, NodeTuple> ordered = new LinkedHashMap<>(own);
            ordered.putAll(result);
            return ordered;
        }

        String scalar(Node node, String what) {
            if (!(node instanceof ScalarNode scalarNode)) {
                throw error(node, what + " must be a single value, found " + describe(node));
            }
            return scalarNode.getValue();
        }

        List<Node> sequence(Node node, String what) {
            if (!(node instanceof SequenceNode seq)) {
                throw error(node, what + " must be a list, found " + describe(node));
            }
            return seq.getValue();
        }

        ServiceSpec service(String name, NodeTuple tuple) {
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
                if (!SERVICE_KEYS.contains(key) && !key.startsWith("x-")) {
                    throw error(
                            entry.getValue().getKeyNode(),
                            where + ": key \"" + key
                                    + "\" is not supported by this version of Berth, which applies only "
                                    + SERVICE_KEYS.stream().sorted().toList()
                                    + "; remove it or deploy this stack another way until it is supported");
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
                    keys.containsKey("command") ? command(keys.get("command").getValueNode(), where) : null,
                    keyValues(keys.get("environment"), where + ": environment", true),
                    ports(keys.get("ports"), where),
                    keys.containsKey("healthcheck")
                            ? healthcheck(keys.get("healthcheck").getValueNode(), where)
                            : null,
                    keyValues(keys.get("labels"), where + ": labels", false));
        }

        private List<String> command(Node node, String where) {
            if (node instanceof SequenceNode) {
                List<String> parts = new ArrayList<>();
                for (Node part : sequence(node, where + ": command")) {
                    parts.add(scalar(part, "an item of " + where + ": command"));
                }
                return parts;
            }
            String text = scalar(node, where + ": command");
            try {
                return ShellWords.split(text);
            } catch (IllegalArgumentException e) {
                throw error(node, where + ": command: " + e.getMessage());
            }
        }

        /** {@code KEY: value} mappings and {@code KEY=value} lists. */
        private Map<String, String> keyValues(@Nullable NodeTuple tuple, String what, boolean environment) {
            Map<String, String> result = new LinkedHashMap<>();
            if (tuple == null) {
                return result;
            }
            Node node = tuple.getValueNode();
            if (node instanceof SequenceNode) {
                for (Node item : sequence(node, what)) {
                    String text = scalar(item, "an item of " + what);
                    int eq = text.indexOf('=');
                    String key = eq < 0 ? text : text.substring(0, eq);
                    if (key.isBlank()) {
                        throw error(item, what + ": \"" + text + "\" has no name before '='");
                    }
                    if (eq < 0) {
                        if (environment) {
                            // Compose takes a bare name from the shell; Berth resolves host values later.
                            throw error(
                                    item,
                                    what + ": \"" + text + "\" has no value; write " + text
                                            + "=<value> (values from the deployer's host are not supported yet)");
                        }
                        result.put(key, "");
                    } else {
                        result.put(key, text.substring(eq + 1));
                    }
                }
                return result;
            }
            for (Map.Entry<String, NodeTuple> entry : mapping(node, what).entrySet()) {
                Node value = entry.getValue().getValueNode();
                String text = scalar(value, what + ": " + entry.getKey());
                if (environment
                        && value instanceof ScalarNode s
                        && s.getTag().getValue().endsWith(":null")) {
                    throw error(
                            value,
                            what + ": " + entry.getKey() + " has no value; give one"
                                    + " (values from the deployer's host are not supported yet)");
                }
                result.put(entry.getKey(), text);
            }
            return result;
        }

        private List<PortMapping> ports(@Nullable NodeTuple tuple, String where) {
            List<PortMapping> result = new ArrayList<>();
            if (tuple == null) {
                return result;
            }
            for (Node item : sequence(tuple.getValueNode(), where + ": ports")) {
                result.add(item instanceof MappingNode ? longPort(item, where) : shortPort(item, where));
            }
            return result;
        }

        private PortMapping shortPort(Node node, String where) {
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
            return new PortMapping(hostIp, hostPort, container, protocol);
        }

        private PortMapping longPort(Node node, String where) {
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
            String hostIp =
                    keys.containsKey("host_ip") ? scalar(keys.get("host_ip").getValueNode(), "host_ip") : "";
            String protocol = keys.containsKey("protocol")
                    ? scalar(keys.get("protocol").getValueNode(), "protocol").toLowerCase(Locale.ROOT)
                    : "tcp";
            if (!Set.of("tcp", "udp", "sctp").contains(protocol)) {
                throw error(keys.get("protocol").getValueNode(), where + ": protocol must be tcp, udp or sctp");
            }
            return new PortMapping(hostIp, published, container, protocol);
        }

        private int port(Node at, String text, String where) {
            try {
                int port = Integer.parseInt(text.strip());
                if (port >= 1 && port <= 65535) {
                    return port;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw error(at, where + ": \"" + text + "\" is not a port number (1 to 65535)");
        }

        private HealthCheck healthcheck(Node node, String where) {
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

        /** Compose durations: {@code 1m30s}, {@code 10s}, {@code 500ms}. */
        private @Nullable Duration duration(@Nullable NodeTuple tuple, String what) {
            if (tuple == null) {
                return null;
            }
            String key = scalar(tuple.getKeyNode(), "key");
            String text = scalar(tuple.getValueNode(), what + ": " + key).strip();
            Matcher m = DURATION_PART.matcher(text);
            Duration total = Duration.ZERO;
            int end = 0;
            while (m.find() && m.start() == end) {
                double amount = Double.parseDouble(m.group(1));
                long nanos = switch (m.group(2)) {
                    case "h" -> (long) (amount * 3_600_000_000_000L);
                    case "m" -> (long) (amount * 60_000_000_000L);
                    case "s" -> (long) (amount * 1_000_000_000L);
                    case "ms" -> (long) (amount * 1_000_000L);
                    case "us", "µs" -> (long) (amount * 1_000L);
                    default -> (long) amount;
                };
                total = total.plusNanos(nanos);
                end = m.end();
            }
            if (text.isEmpty() || end != text.length()) {
                throw error(
                        tuple.getValueNode(),
                        what + ": " + key + " \"" + text + "\" is not a duration; write it like 10s, 1m30s or 500ms");
            }
            return total;
        }

        private static String describe(Node node) {
            if (node instanceof ScalarNode s) {
                return s.getValue().isEmpty() ? "nothing" : "the value \"" + s.getValue() + "\"";
            }
            return node instanceof SequenceNode ? "a list" : "a mapping";
        }
    }
}
