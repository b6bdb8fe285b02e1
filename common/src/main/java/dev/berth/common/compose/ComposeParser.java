package dev.berth.common.compose;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
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
    static final Set<String> SERVICE_KEYS = Set.of(
            "image",
            "entrypoint",
            "command",
            "environment",
            "ports",
            "expose",
            "healthcheck",
            "labels",
            "container_name",
            "restart",
            "user",
            "working_dir",
            "hostname",
            "cap_add",
            "cap_drop",
            "read_only",
            "init",
            "extra_hosts",
            "dns",
            "stop_signal",
            "stop_grace_period",
            "tmpfs",
            "depends_on",
            "deploy",
            "logging",
            "ulimits");

    /** Every service key of the Compose specification, to tell "not supported yet" from a typo. */
    private static final Set<String> COMPOSE_SERVICE_KEYS = Set.of(
            "annotations",
            "attach",
            "blkio_config",
            "build",
            "cgroup",
            "cgroup_parent",
            "command",
            "configs",
            "container_name",
            "cpu_count",
            "cpu_percent",
            "cpu_period",
            "cpu_quota",
            "cpu_rt_period",
            "cpu_rt_runtime",
            "cpu_shares",
            "cpus",
            "cpuset",
            "cap_add",
            "cap_drop",
            "credential_spec",
            "depends_on",
            "deploy",
            "develop",
            "device_cgroup_rules",
            "devices",
            "dns",
            "dns_opt",
            "dns_search",
            "domainname",
            "driver_opts",
            "entrypoint",
            "env_file",
            "environment",
            "expose",
            "extends",
            "external_links",
            "extra_hosts",
            "gpus",
            "group_add",
            "healthcheck",
            "hostname",
            "image",
            "init",
            "ipc",
            "isolation",
            "label_file",
            "labels",
            "links",
            "logging",
            "mac_address",
            "mem_limit",
            "mem_reservation",
            "mem_swappiness",
            "memswap_limit",
            "models",
            "network_mode",
            "networks",
            "oom_kill_disable",
            "oom_score_adj",
            "pid",
            "pids_limit",
            "platform",
            "ports",
            "post_start",
            "pre_stop",
            "privileged",
            "profiles",
            "provider",
            "pull_policy",
            "read_only",
            "restart",
            "runtime",
            "scale",
            "secrets",
            "security_opt",
            "shm_size",
            "stdin_open",
            "stop_grace_period",
            "stop_signal",
            "storage_opt",
            "sysctls",
            "tmpfs",
            "tty",
            "ulimits",
            "use_api_socket",
            "user",
            "userns_mode",
            "uts",
            "volumes",
            "volumes_from",
            "working_dir");

    private static final Pattern RESTART = Pattern.compile("no|always|unless-stopped|on-failure(:\\d+)?");
    private static final Pattern CAPABILITY = Pattern.compile("(CAP_)?([A-Z_]+)");
    private static final Pattern SIGNAL = Pattern.compile("SIG[A-Z0-9+-]+|\\d+");
    private static final Pattern MEMORY =
            Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([bkmg]?)b?", Pattern.CASE_INSENSITIVE);
    private static final Pattern EXPOSE = Pattern.compile("(\\d+)(?:/(tcp|udp|sctp))?");

    private static final Set<String> TOP_LEVEL_KEYS = Set.of("services", "name", "version");
    private static final Pattern SERVICE_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]*");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
    private static final Pattern SHORT_PORT = Pattern.compile(
            "(?:(?:\\[([0-9a-fA-F:.]+)]|(\\d{1,3}(?:\\.\\d{1,3}){3})):)?(?:(\\d+)?:)?(\\d+)(?:/(tcp|udp|sctp))?");
    private static final int MAX_DOCUMENT_CHARS = 1024 * 1024;

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
        if (content.length() > MAX_DOCUMENT_CHARS) {
            throw new ComposeException(file, 0, 0, "file is larger than 1 MiB; split the stack");
        }
        var reader = new Reader(file);
        Node root = reader.interpolate(
                compose(file, content),
                new Interpolation(name -> Optional.ofNullable(variables.get(name))),
                new IdentityHashMap<>());
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
        Map<String, ServiceSpec> specs = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> entry : serviceNodes.entrySet()) {
            specs.put(entry.getKey(), reader.service(entry.getKey(), entry.getValue()));
        }
        return new ComposeStack(
                top.containsKey("name") ? reader.scalar(top.get("name").getValueNode(), "name") : null,
                reader.dependencyOrder(specs, serviceNodes),
                Map.of("default", ComposeStack.NetworkSpec.byDefault()),
                Map.of(),
                Map.of(),
                Map.of(),
                Set.of(),
                Set.of());
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

        /**
         * The tree with every value interpolated (keys stay as written). A node reached twice through
         * an alias is interpolated once.
         */
        Node interpolate(Node node, Interpolation interpolation, Map<Node, Node> done) {
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
                    throw error(node, e.getMessage());
                }
            } else if (node instanceof MappingNode mapping) {
                List<NodeTuple> tuples = new ArrayList<>();
                for (NodeTuple tuple : mapping.getValue()) {
                    tuples.add(
                            new NodeTuple(tuple.getKeyNode(), interpolate(tuple.getValueNode(), interpolation, done)));
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
                    keys.containsKey("command")
                            ? command(keys.get("command").getValueNode(), where + ": command")
                            : null,
                    keyValues(keys.get("environment"), where + ": environment", true),
                    ports(keys.get("ports"), where),
                    expose(keys.get("expose"), where),
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
                    options(keys, where));
        }

        /** {@code depends_on} as a list (service_started) or a mapping with conditions. */
        private Map<String, ServiceSpec.Dependency> dependsOn(@Nullable NodeTuple tuple, String where) {
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

        /**
         * The services in an order where each comes after what it depends on, otherwise in file order;
         * a dependency on an unknown service, or a cycle, is an error at its {@code depends_on}.
         */
        List<ServiceSpec> dependencyOrder(Map<String, ServiceSpec> specs, Map<String, NodeTuple> nodes) {
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

        private void visit(
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

        /** Why a service key is refused: a typo (with the likely key) or a key Berth does not apply yet. */
        private String unknownKey(String key) {
            if (COMPOSE_SERVICE_KEYS.contains(key)) {
                return "key \"" + key + "\" is not supported by this version of Berth, which applies only "
                        + SERVICE_KEYS.stream().sorted().toList()
                        + "; remove it or deploy this stack another way until it is supported";
            }
            String nearest = null;
            int best = Integer.MAX_VALUE;
            for (String known : COMPOSE_SERVICE_KEYS) {
                int distance = editDistance(key, known);
                if (distance < best) {
                    best = distance;
                    nearest = known;
                }
            }
            return "unknown key \"" + key + "\""
                    + (best <= 2 ? ": did you mean \"" + nearest + "\"?" : ": it is not a Compose service key");
        }

        private ContainerOptions options(Map<String, NodeTuple> keys, String where) {
            Map<String, String> tmpfs = new LinkedHashMap<>();
            for (String entry : stringOrList(keys.get("tmpfs"), where + ": tmpfs")) {
                int colon = entry.indexOf(':');
                String path = colon < 0 ? entry : entry.substring(0, colon);
                if (!path.startsWith("/")) {
                    throw error(
                            keys.get("tmpfs").getValueNode(),
                            where + ": tmpfs \"" + entry
                                    + "\" must be an absolute path in the container, like /run or /tmp:size=64m");
                }
                tmpfs.put(path, colon < 0 ? "" : entry.substring(colon + 1));
            }
            return new ContainerOptions(
                    matching(
                            keys.get("restart"),
                            RESTART,
                            where + ": restart",
                            "no, always, unless-stopped or on-failure[:N]"),
                    text(keys.get("user"), where + ": user"),
                    text(keys.get("working_dir"), where + ": working_dir"),
                    text(keys.get("hostname"), where + ": hostname"),
                    capabilities(keys.get("cap_add"), where + ": cap_add"),
                    capabilities(keys.get("cap_drop"), where + ": cap_drop"),
                    flag(keys.get("read_only"), where + ": read_only"),
                    flag(keys.get("init"), where + ": init"),
                    extraHosts(keys.get("extra_hosts"), where + ": extra_hosts"),
                    stringOrList(keys.get("dns"), where + ": dns"),
                    matching(
                            keys.get("stop_signal"),
                            SIGNAL,
                            where + ": stop_signal",
                            "a signal like SIGTERM or SIGINT"),
                    duration(keys.get("stop_grace_period"), where),
                    tmpfs,
                    resources(keys.get("deploy"), where),
                    logging(keys.get("logging"), where + ": logging"),
                    ulimits(keys.get("ulimits"), where + ": ulimits"),
                    false,
                    null,
                    null);
        }

        /** {@code deploy}: only {@code resources} is applied yet; other keys are refused by name. */
        private ContainerOptions.Resources resources(@Nullable NodeTuple deploy, String where) {
            if (deploy == null) {
                return ContainerOptions.Resources.NONE;
            }
            String what = where + ": deploy";
            Map<String, NodeTuple> keys = mapping(deploy.getValueNode(), what);
            for (Map.Entry<String, NodeTuple> entry : keys.entrySet()) {
                if (!entry.getKey().equals("resources")) {
                    throw error(
                            entry.getValue().getKeyNode(),
                            what + ": \"" + entry.getKey()
                                    + "\" is not supported by this version of Berth, which applies only deploy.resources");
                }
            }
            if (!keys.containsKey("resources")) {
                return ContainerOptions.Resources.NONE;
            }
            Map<String, NodeTuple> resources = mapping(keys.get("resources").getValueNode(), what + ".resources");
            Long memory = null;
            Long cpus = null;
            Long pids = null;
            Long reservation = null;
            for (Map.Entry<String, NodeTuple> entry : resources.entrySet()) {
                String part = what + ".resources." + entry.getKey();
                Map<String, NodeTuple> values = mapping(entry.getValue().getValueNode(), part);
                for (Map.Entry<String, NodeTuple> value : values.entrySet()) {
                    String key = entry.getKey() + "." + value.getKey();
                    Node node = value.getValue().getValueNode();
                    switch (key) {
                        case "limits.memory" -> memory = memory(node, part + ".memory");
                        case "limits.cpus" -> cpus = cpus(node, part + ".cpus");
                        case "limits.pids" -> pids = whole(node, part + ".pids");
                        case "reservations.memory" -> reservation = memory(node, part + ".memory");
                        default ->
                            throw error(
                                    value.getValue().getKeyNode(),
                                    what + ".resources." + key
                                            + " is not supported by this version of Berth; it applies limits.memory,"
                                            + " limits.cpus, limits.pids and reservations.memory");
                    }
                }
            }
            return new ContainerOptions.Resources(memory, cpus, pids, reservation);
        }

        /** Compose's byte sizes: {@code 512m}, {@code 1g}, {@code 1.5gb}, {@code 4096}. */
        private long memory(Node node, String what) {
            String text = scalar(node, what).strip();
            Matcher m = MEMORY.matcher(text);
            if (!m.matches()) {
                throw error(node, what + " \"" + text + "\" is not a size; write it like 512m or 1g");
            }
            double amount = Double.parseDouble(m.group(1));
            long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "k" -> 1L << 10;
                case "m" -> 1L << 20;
                case "g" -> 1L << 30;
                default -> 1L;
            };
            return (long) (amount * unit);
        }

        private long cpus(Node node, String what) {
            String text = scalar(node, what).strip();
            try {
                double cpus = Double.parseDouble(text);
                if (cpus > 0) {
                    return (long) (cpus * 1_000_000_000L);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw error(node, what + " \"" + text + "\" is not a positive number of CPUs, like 0.5 or 2");
        }

        private long whole(Node node, String what) {
            String text = scalar(node, what).strip();
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw error(node, what + " \"" + text + "\" is not a whole number");
            }
        }

        private ContainerOptions.@Nullable Logging logging(@Nullable NodeTuple tuple, String what) {
            if (tuple == null) {
                return null;
            }
            Map<String, NodeTuple> keys = mapping(tuple.getValueNode(), what);
            for (Map.Entry<String, NodeTuple> entry : keys.entrySet()) {
                if (!entry.getKey().equals("driver") && !entry.getKey().equals("options")) {
                    throw error(
                            entry.getValue().getKeyNode(),
                            what + ": key \"" + entry.getKey() + "\" is not known; use driver and options");
                }
            }
            String driver = keys.containsKey("driver")
                    ? scalar(keys.get("driver").getValueNode(), what + ": driver")
                    : "json-file";
            return new ContainerOptions.Logging(driver, keyValues(keys.get("options"), what + ": options", false));
        }

        /** {@code nofile: 1024} or {@code nofile: {soft: 1024, hard: 2048}}, as {@code [soft, hard]}. */
        private Map<String, List<Long>> ulimits(@Nullable NodeTuple tuple, String what) {
            Map<String, List<Long>> result = new LinkedHashMap<>();
            if (tuple == null) {
                return result;
            }
            for (Map.Entry<String, NodeTuple> entry :
                    mapping(tuple.getValueNode(), what).entrySet()) {
                Node value = entry.getValue().getValueNode();
                String part = what + ": " + entry.getKey();
                if (value instanceof MappingNode) {
                    Map<String, NodeTuple> limits = mapping(value, part);
                    if (!limits.containsKey("soft") || !limits.containsKey("hard") || limits.size() != 2) {
                        throw error(value, part + " needs exactly soft and hard");
                    }
                    long soft = whole(limits.get("soft").getValueNode(), part + ".soft");
                    long hard = whole(limits.get("hard").getValueNode(), part + ".hard");
                    if (soft > hard) {
                        throw error(value, part + ": soft " + soft + " is above hard " + hard);
                    }
                    result.put(entry.getKey(), List.of(soft, hard));
                } else {
                    long both = whole(value, part);
                    result.put(entry.getKey(), List.of(both, both));
                }
            }
            return result;
        }

        private @Nullable String text(@Nullable NodeTuple tuple, String what) {
            return tuple == null ? null : scalar(tuple.getValueNode(), what);
        }

        private @Nullable String matching(@Nullable NodeTuple tuple, Pattern pattern, String what, String expected) {
            String value = text(tuple, what);
            if (value != null && !pattern.matcher(value).matches()) {
                throw error(tuple.getValueNode(), what + " \"" + value + "\" is not valid: use " + expected);
            }
            return value;
        }

        private boolean flag(@Nullable NodeTuple tuple, String what) {
            String value = text(tuple, what);
            if (value == null) {
                return false;
            }
            if (!value.equals("true") && !value.equals("false")) {
                throw error(tuple.getValueNode(), what + " must be true or false, found \"" + value + "\"");
            }
            return Boolean.parseBoolean(value);
        }

        /** A single value or a list of values. */
        private List<String> stringOrList(@Nullable NodeTuple tuple, String what) {
            if (tuple == null) {
                return List.of();
            }
            Node node = tuple.getValueNode();
            if (node instanceof ScalarNode) {
                return List.of(scalar(node, what));
            }
            List<String> values = new ArrayList<>();
            for (Node item : sequence(node, what)) {
                values.add(scalar(item, "an item of " + what));
            }
            return values;
        }

        private List<String> capabilities(@Nullable NodeTuple tuple, String what) {
            List<String> result = new ArrayList<>();
            for (String cap : stringOrList(tuple, what)) {
                Matcher m = CAPABILITY.matcher(cap.strip().toUpperCase(Locale.ROOT));
                if (!m.matches()) {
                    throw error(
                            tuple.getValueNode(), what + ": \"" + cap + "\" is not a capability name like NET_ADMIN");
                }
                result.add(m.group(2));
            }
            return result;
        }

        /** {@code host:ip} and {@code host=ip} lists, or a {@code host: ip} mapping, as {@code host:ip}. */
        private List<String> extraHosts(@Nullable NodeTuple tuple, String what) {
            List<String> result = new ArrayList<>();
            if (tuple == null) {
                return result;
            }
            if (tuple.getValueNode() instanceof MappingNode) {
                keyValues(tuple, what, false).forEach((host, ip) -> result.add(host + ":" + ip));
                return result;
            }
            for (String entry : stringOrList(tuple, what)) {
                int eq = entry.indexOf('=');
                int sep = eq >= 0 ? eq : entry.indexOf(':');
                if (sep <= 0 || sep == entry.length() - 1) {
                    throw error(tuple.getValueNode(), what + ": \"" + entry + "\" is not host:address or host=address");
                }
                result.add(entry.substring(0, sep) + ":" + entry.substring(sep + 1));
            }
            return result;
        }

        private List<String> expose(@Nullable NodeTuple tuple, String where) {
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

        /** A command or entrypoint: a list, or a string split as a shell would. */
        private List<String> command(Node node, String what) {
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
            return new PortMapping(hostIp, hostPort, null, container, protocol);
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
            return new PortMapping(hostIp, published, null, container, protocol);
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

        /** Levenshtein distance, for suggesting the key a typo meant. */
        private static int editDistance(String a, String b) {
            int[] previous = new int[b.length() + 1];
            int[] current = new int[b.length() + 1];
            for (int j = 0; j <= b.length(); j++) {
                previous[j] = j;
            }
            for (int i = 1; i <= a.length(); i++) {
                current[0] = i;
                for (int j = 1; j <= b.length(); j++) {
                    int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                    current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
                }
                int[] swap = previous;
                previous = current;
                current = swap;
            }
            return previous[b.length()];
        }

        private static String describe(Node node) {
            if (node instanceof ScalarNode s) {
                return s.getValue().isEmpty() ? "nothing" : "the value \"" + s.getValue() + "\"";
            }
            return node instanceof SequenceNode ? "a list" : "a mapping";
        }
    }
}
