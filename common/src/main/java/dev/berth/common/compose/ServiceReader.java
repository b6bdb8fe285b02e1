package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.duration;
import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.flag;
import static dev.berth.common.compose.Nodes.keyValues;
import static dev.berth.common.compose.Nodes.keys;
import static dev.berth.common.compose.Nodes.mapping;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;
import static dev.berth.common.compose.Nodes.text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Reads one service's keys (after {@code extends}) into a {@link ServiceSpec}. Used by one parse. */
final class ServiceReader {
    static final Pattern SERVICE_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]*");

    /** The top-level declarations services refer to. */
    record Declarations(
            Map<String, ComposeStack.NetworkSpec> networks,
            Map<String, ComposeStack.VolumeSpec> volumes,
            Map<String, NodeTuple> secrets,
            Map<String, NodeTuple> configs) {}

    /** A service read, with what the stack-wide checks need besides its spec. */
    record Read(
            ServiceSpec spec,
            NodeTuple tuple,
            Map<String, NodeTuple> keys,
            List<Ports.Published> ports,
            Set<String> volumes,
            Set<String> secrets,
            Set<String> configs) {}

    private static final Set<String> DEPLOY_KEYS = Set.of(
            "resources",
            "replicas",
            "mode",
            "update_config",
            "restart_policy",
            "labels",
            "endpoint_mode",
            "placement",
            "rollback_config");

    private final StackContext context;
    private final Declarations declarations;
    private final Mounts mounts;
    private final Environments environments;

    ServiceReader(StackContext context, Declarations declarations) {
        this.context = context;
        this.declarations = declarations;
        this.mounts = new Mounts(context);
        this.environments = new Environments(context);
    }

    /** Checks a service's name and that each of its keys is one Berth applies. */
    static void checkKeys(String name, NodeTuple tuple, Map<String, NodeTuple> keys) {
        String where = "service \"" + name + "\"";
        if (!SERVICE_NAME.matcher(name).matches()) {
            throw error(
                    tuple.getKeyNode(),
                    "service name \"" + name
                            + "\" is not valid: use letters, digits, '.', '_' and '-', starting with a letter or digit");
        }
        for (Map.Entry<String, NodeTuple> entry : keys.entrySet()) {
            String key = entry.getKey();
            if (!ServiceKeys.SUPPORTED.contains(key) && !key.startsWith("x-")) {
                throw error(entry.getValue().getKeyNode(), where + ": " + unknownKey(key));
            }
        }
    }

    /** The profiles a service is in; empty when it is always active. */
    static List<String> profiles(String name, Map<String, NodeTuple> keys) {
        NodeTuple tuple = keys.get("profiles");
        List<String> result = new ArrayList<>();
        if (tuple == null) {
            return result;
        }
        String what = "service \"" + name + "\": profiles";
        for (Node item : sequence(tuple.getValueNode(), what)) {
            String profile = scalar(item, "an item of " + what);
            if (!SERVICE_NAME.matcher(profile).matches()) {
                throw error(
                        item, what + ": \"" + profile + "\" is not a profile name (letters, digits, '.', '_', '-')");
            }
            result.add(profile);
        }
        return result;
    }

    Read read(String name, NodeTuple tuple, Map<String, NodeTuple> keys) {
        String where = "service \"" + name + "\"";
        checkKeys(name, tuple, keys);
        ServiceSpec.@Nullable BuildSpec build = keys.containsKey("build") ? build(keys.get("build"), where) : null;
        String image = null;
        NodeTuple imageTuple = keys.get("image");
        if (imageTuple != null) {
            image = scalar(imageTuple.getValueNode(), where + ": image").strip();
            if (image.isEmpty()) {
                throw error(imageTuple.getValueNode(), where + ": image is empty");
            }
        } else if (build == null) {
            throw error(
                    tuple.getKeyNode(),
                    where + " has no image: add \"image: <name>:<tag>\", or \"build: <directory>\" to build one");
        }
        String networkMode = networkMode(keys, where);
        boolean privileged = privileged(keys.get("privileged"), where);
        IsolationReader.Isolation isolation = new IsolationReader(context.policy).read(keys, where, networkMode);
        Map<String, ServiceSpec.Dependency> dependsOn = dependsOn(keys.get("depends_on"), where);
        if (networkMode != null && networkMode.startsWith("service:")) {
            dependsOn.putIfAbsent(networkMode.substring("service:".length()), ServiceSpec.Dependency.started());
        }
        LinksReader linksReader = new LinksReader(context.policy);
        HooksReader hooks = new HooksReader(context.policy);
        List<ServiceSpec.Link> links = linksReader.links(keys, where);
        List<ServiceSpec.VolumesFrom> volumesFrom = linksReader.volumesFrom(keys.get("volumes_from"), where);
        // Compose starts a service after the services it links to or takes volumes from.
        links.stream()
                .filter(l -> l.service() != null)
                .forEach(l -> dependsOn.putIfAbsent(l.service(), ServiceSpec.Dependency.started()));
        volumesFrom.stream()
                .filter(v -> v.service() != null)
                .forEach(v -> dependsOn.putIfAbsent(v.service(), ServiceSpec.Dependency.started()));
        Map<String, NodeTuple> deploy = deploy(keys.get("deploy"), where);
        ignored(keys, where);
        List<Ports.Published> ports = Ports.ports(keys.get("ports"), where);
        if (networkMode != null && !ports.isEmpty()) {
            throw error(
                    keys.get("ports").getKeyNode(),
                    where + ": ports cannot be published with network_mode " + networkMode
                            + switch (networkMode) {
                                case "host" -> " (the container uses the host's ports directly); remove ports";
                                case "none" -> " (the container has no network); remove ports";
                                default -> " (the container shares another's network); publish them there";
                            });
        }
        HealthCheck healthcheck = keys.containsKey("healthcheck")
                ? healthcheck(keys.get("healthcheck").getValueNode(), where)
                : null;
        UpdatePolicy update = PolicyReader.update(
                deploy.get("update_config"), where + ": deploy.update_config", context.updateDefaults);
        GateSpec gate = PolicyReader.gate(keys.get("x-berth"), where, healthcheck);
        int replicas = replicas(keys.get("scale"), deploy.get("replicas"), where);
        Set<String> volumes = new TreeSet<>();
        Set<String> secrets = new TreeSet<>();
        Set<String> configs = new TreeSet<>();
        ServiceSpec spec = new ServiceSpec(
                name,
                image,
                build,
                keys.containsKey("entrypoint")
                        ? command(keys.get("entrypoint").getValueNode(), where + ": entrypoint")
                        : null,
                keys.containsKey("command") ? command(keys.get("command").getValueNode(), where + ": command") : null,
                environments.environment(keys, where),
                ports.stream().map(Ports.Published::mapping).toList(),
                Ports.expose(keys.get("expose"), where),
                healthcheck,
                keyValues(keys.get("labels"), where + ": labels"),
                dependsOn,
                networkMode == null ? networks(keys.get("networks"), where) : Map.of(),
                mounts.read(keys.get("volumes"), where, declarations.volumes(), volumes),
                FileMounts.read(keys.get("secrets"), true, where, declarations.secrets(), secrets),
                FileMounts.read(keys.get("configs"), false, where, declarations.configs(), configs),
                replicas,
                OptionsReader.options(context, keys, where, deploy, privileged, networkMode, isolation),
                update,
                gate,
                ImageReader.platform(keys.get("platform"), where),
                ImageReader.pull(context, keys, where),
                keyValues(keys.get("annotations"), where + ": annotations"),
                links,
                volumesFrom,
                ContainerNames.read(keys, where, replicas, context.watcher() && !context.hostVariables.isEmpty()),
                hooks.read(keys, "post_start", where),
                hooks.read(keys, "pre_stop", where));
        agreeingMacAddress(spec, keys, where);
        macAddressesOnTheFirstNetwork(spec, keys, where);
        return new Read(spec, tuple, keys, ports, volumes, secrets, configs);
    }

    /**
     * The keys Compose itself does not apply when it deploys: {@code attach} (which only chooses the
     * logs {@code compose up} follows) is checked and accepted; {@code develop} (for {@code compose
     * watch}) is accepted with a warning.
     */
    private void ignored(Map<String, NodeTuple> keys, String where) {
        flag(keys.get("attach"), where + ": attach");
        NodeTuple develop = keys.get("develop");
        if (develop != null) {
            mapping(develop.getValueNode(), where + ": develop");
            context.warn(
                    develop.getKeyNode(),
                    where + ": develop is ignored: it configures compose watch for development, not a deployment");
        }
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

    private ServiceSpec.BuildSpec build(NodeTuple tuple, String where) {
        String what = where + ": build";
        Node node = tuple.getValueNode();
        Node contextNode = node;
        String contextText = ".";
        Map<String, NodeTuple> keys = Map.of();
        if (node instanceof ScalarNode) {
            contextText = scalar(node, what);
        } else {
            keys = keys(
                    node,
                    what,
                    Set.of(
                            "context",
                            "dockerfile",
                            "args",
                            "target",
                            "labels",
                            "cache_from",
                            "extra_hosts",
                            "network",
                            "no_cache",
                            "pull",
                            "shm_size"),
                    Set.of(
                            "additional_contexts",
                            "cache_to",
                            "dockerfile_inline",
                            "entitlements",
                            "isolation",
                            "platforms",
                            "privileged",
                            "provenance",
                            "sbom",
                            "secrets",
                            "ssh",
                            "tags",
                            "ulimits"),
                    "it builds with the engine's classic builder (context, dockerfile, args, target, labels,"
                            + " cache_from, extra_hosts, network, no_cache, pull, shm_size); BuildKit's keys (ssh,"
                            + " secrets, cache_to, additional_contexts, platforms...) need BuildKit, and tags would"
                            + " retag images other stacks on the engine run (Berth tags each build"
                            + " <repository>:berth-<content hash>)");
            if (keys.containsKey("context")) {
                contextNode = keys.get("context").getValueNode();
                contextText = scalar(contextNode, what + ": context");
            }
        }
        contextText = contextText.strip();
        if (contextText.contains("://") || contextText.startsWith("git@") || contextText.startsWith("github.com/")) {
            throw error(
                    contextNode,
                    what + ": context \"" + contextText + "\" is a remote repository; Berth builds only from a"
                            + " directory of this repository");
        }
        if (contextText.startsWith("/") || contextText.startsWith("~")) {
            throw error(
                    contextNode,
                    what + ": context \"" + contextText + "\" is outside the repository; name a directory of the"
                            + " repository, relative to the compose file");
        }
        String contextPath = context.repoPath(contextNode, contextText, what + " context");
        if (!context.files.isDirectory(contextPath)) {
            throw error(
                    contextNode,
                    what + " context \"" + contextText + "\" (" + contextPath + ") is not a directory of the"
                            + " repository: commit it with its Dockerfile, or fix the path");
        }
        context.use(contextPath);
        String dockerfile = "Dockerfile";
        Node dockerfileNode = contextNode;
        if (keys.containsKey("dockerfile")) {
            dockerfileNode = keys.get("dockerfile").getValueNode();
            dockerfile = scalar(dockerfileNode, what + ": dockerfile").strip();
        }
        if (dockerfile.startsWith("/")) {
            throw error(dockerfileNode, what + ": dockerfile \"" + dockerfile + "\" must be relative to the context");
        }
        String dockerfilePath = StackContext.normalise(contextPath, dockerfile);
        if (dockerfilePath == null || dockerfilePath.isEmpty()) {
            throw error(dockerfileNode, what + ": dockerfile \"" + dockerfile + "\" leaves the repository");
        }
        if (context.files.isSymlink(dockerfilePath)) {
            throw error(
                    dockerfileNode,
                    what + ": dockerfile \"" + dockerfile + "\" is a symbolic link, which Berth never follows; commit"
                            + " the file itself");
        }
        if (!context.files.isFile(dockerfilePath)) {
            throw error(
                    dockerfileNode,
                    what + ": dockerfile " + dockerfilePath + " does not exist in the repository; commit it or set"
                            + " build.dockerfile");
        }
        if (!dockerfilePath.startsWith(contextPath + "/")) {
            context.use(dockerfilePath);
        }
        String target = text(keys.get("target"), what + ": target");
        return new ServiceSpec.BuildSpec(
                contextPath,
                StackContext.normalise("", dockerfile),
                environments.buildArgs(keys.get("args"), what + ": args"),
                target,
                keyValues(keys.get("labels"), what + ": labels"),
                keys.containsKey("cache_from")
                        ? Nodes.stringOrList(keys.get("cache_from"), what + ": cache_from")
                        : List.of(),
                buildNetwork(keys.get("network"), what + ": network"),
                keys.containsKey("shm_size")
                        ? Nodes.size(keys.get("shm_size").getValueNode(), what + ": shm_size")
                        : null,
                OptionsReader.extraHosts(keys.get("extra_hosts"), what + ": extra_hosts"),
                flag(keys.get("no_cache"), what + ": no_cache"),
                flag(keys.get("pull"), what + ": pull"));
    }

    /** {@code build.network}: the network of RUN steps; {@code host} needs the host-network allowance. */
    private @Nullable String buildNetwork(@Nullable NodeTuple tuple, String what) {
        if (tuple == null) {
            return null;
        }
        Node node = tuple.getValueNode();
        String network = scalar(node, what).strip();
        if (network.equals("host") && !context.policy.hostNetwork()) {
            throw error(
                    node,
                    what + ": host gives the build's RUN steps the host's network; the environment's policy refuses"
                            + " it: allow it for the environment with --allow " + ComposePolicy.HOST_NETWORK);
        }
        if (!network.equals("host") && !network.equals("none") && !network.equals("default")) {
            throw error(
                    node,
                    what + ": \"" + network + "\" is not a network a build can use here; use default, none or host"
                            + " (a stack's own networks exist only once it is deployed)");
        }
        return network;
    }

    private @Nullable String networkMode(Map<String, NodeTuple> keys, String where) {
        NodeTuple tuple = keys.get("network_mode");
        if (tuple == null) {
            return null;
        }
        Node node = tuple.getValueNode();
        String mode = scalar(node, where + ": network_mode").strip();
        if (keys.containsKey("networks")) {
            throw error(
                    keys.get("networks").getKeyNode(),
                    where + " sets both network_mode and networks; Compose refuses that: keep one");
        }
        if (mode.equals("none")) {
            return mode;
        }
        if (mode.equals("host")) {
            if (!context.policy.hostNetwork()) {
                throw error(
                        node,
                        where + ": network_mode host gives the container the host's network; the environment's"
                                + " policy refuses it: allow it for the environment with --allow "
                                + ComposePolicy.HOST_NETWORK);
            }
            return mode;
        }
        if (mode.startsWith("service:") && mode.length() > "service:".length()) {
            return mode;
        }
        if (mode.startsWith("container:") && mode.length() > "container:".length()) {
            if (!context.policy.allows(ComposePolicy.JOIN_CONTAINER)) {
                throw error(
                        node,
                        where + ": network_mode " + mode + " joins the network of a container outside the stack"
                                + " (another stack's, another environment's or a foreign one); the environment's"
                                + " policy refuses it: allow it for the environment with --allow "
                                + ComposePolicy.JOIN_CONTAINER + ", or use service:<name> for a service of this"
                                + " stack");
            }
            return mode;
        }
        throw error(
                node,
                where + ": network_mode \"" + mode + "\" is not supported; use none, host, service:<name> or"
                        + " container:<name>, or leave it out to join the stack's networks");
    }

    private boolean privileged(@Nullable NodeTuple tuple, String where) {
        boolean privileged = flag(tuple, where + ": privileged");
        if (privileged && !context.policy.privileged()) {
            throw error(
                    tuple.getValueNode(),
                    where + ": privileged gives the container full control of the host; the environment's policy"
                            + " refuses it: allow it for the environment with --allow " + ComposePolicy.PRIVILEGED);
        }
        return privileged;
    }

    /**
     * {@code deploy}: {@code resources}, {@code replicas}, {@code update_config} and
     * {@code restart_policy} apply; what Compose ignores on one engine (Swarm's {@code labels},
     * {@code endpoint_mode}, {@code placement}, {@code rollback_config}, {@code mode: global}) is
     * accepted with a warning; other keys are refused by name.
     */
    private Map<String, NodeTuple> deploy(@Nullable NodeTuple tuple, String where) {
        if (tuple == null) {
            return Map.of();
        }
        String what = where + ": deploy";
        Map<String, NodeTuple> keys = mapping(tuple.getValueNode(), what);
        for (Map.Entry<String, NodeTuple> entry : keys.entrySet()) {
            String key = entry.getKey();
            Node at = entry.getValue().getKeyNode();
            switch (key) {
                case "resources", "replicas", "update_config", "restart_policy" -> {
                    // read by the caller
                }
                case "mode" -> {
                    Node value = entry.getValue().getValueNode();
                    String mode = scalar(value, what + ".mode").strip();
                    if (mode.equals("global")) {
                        context.warn(
                                value,
                                what
                                        + ".mode global is ignored: it runs one container per Swarm node; on one engine Berth runs"
                                        + " deploy.replicas (1 by default), as Compose does");
                    } else if (!mode.equals("replicated")) {
                        throw error(
                                value,
                                what + ".mode \"" + mode + "\" is not valid: use replicated (or global, which runs as"
                                        + " replicated on one engine)");
                    }
                }
                case "labels" -> {
                    keyValues(entry.getValue(), what + ".labels");
                    context.warn(
                            at,
                            what + ".labels is ignored: Compose puts these labels on the Swarm service, not on"
                                    + " containers; use the service's labels for the containers");
                }
                case "endpoint_mode", "placement" ->
                    context.warn(
                            at,
                            what + "." + key + " is ignored: only Swarm applies it (Compose ignores it on"
                                    + " one engine)");
                case "rollback_config" ->
                    context.warn(
                            at,
                            what + ".rollback_config is ignored: a failed update puts the previous containers back"
                                    + " as they were (restarted, not re-created), so there is nothing to configure");
                default -> {
                    if (key.startsWith("x-")) {
                        continue;
                    }
                    throw error(
                            at,
                            what + ": \"" + key + "\" is not supported by this version of Berth, which applies "
                                    + DEPLOY_KEYS.stream().sorted().toList() + " of deploy");
                }
            }
        }
        return keys;
    }

    private static int replicas(@Nullable NodeTuple scale, @Nullable NodeTuple replicas, String where) {
        Integer fromScale = scale == null ? null : count(scale.getValueNode(), where + ": scale");
        Integer fromReplicas = replicas == null ? null : count(replicas.getValueNode(), where + ": deploy.replicas");
        if (fromScale != null && fromReplicas != null && !fromScale.equals(fromReplicas)) {
            throw error(
                    scale.getKeyNode(),
                    where + ": scale " + fromScale + " and deploy.replicas " + fromReplicas
                            + " disagree; keep one of them");
        }
        return fromReplicas != null ? fromReplicas : fromScale != null ? fromScale : 1;
    }

    private static int count(Node node, String what) {
        String text = scalar(node, what).strip();
        try {
            int value = Integer.parseInt(text);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error(node, what + " \"" + text + "\" is not a number of containers: write a whole number, 0 or more");
    }

    private Map<String, ServiceSpec.ServiceNetwork> networks(@Nullable NodeTuple tuple, String where) {
        Map<String, ServiceSpec.ServiceNetwork> result = new LinkedHashMap<>();
        if (tuple == null) {
            result.put("default", ServiceSpec.ServiceNetwork.PLAIN);
            return result;
        }
        String what = where + ": networks";
        Node node = tuple.getValueNode();
        if (node instanceof SequenceNode) {
            for (Node item : sequence(node, what)) {
                String network = scalar(item, "an item of " + what);
                declaredNetwork(item, network, where);
                result.put(network, ServiceSpec.ServiceNetwork.PLAIN);
            }
        } else {
            for (Map.Entry<String, NodeTuple> entry : mapping(node, what).entrySet()) {
                String network = entry.getKey();
                declaredNetwork(entry.getValue().getKeyNode(), network, where);
                Node value = entry.getValue().getValueNode();
                if (value instanceof ScalarNode s
                        && (Nodes.isNull(s) || s.getValue().isEmpty())) {
                    result.put(network, ServiceSpec.ServiceNetwork.PLAIN);
                    continue;
                }
                Map<String, NodeTuple> options = keys(
                        value,
                        what + ": " + network,
                        Set.of(
                                "aliases",
                                "ipv4_address",
                                "ipv6_address",
                                "priority",
                                "mac_address",
                                "link_local_ips",
                                "driver_opts",
                                "gw_priority",
                                "interface_name"),
                        Set.of(),
                        "");
                List<String> aliases = new ArrayList<>();
                if (options.containsKey("aliases")) {
                    for (Node alias : sequence(options.get("aliases").getValueNode(), what + ": aliases")) {
                        aliases.add(scalar(alias, "an alias of " + what));
                    }
                }
                String at = what + ": " + network;
                result.put(
                        network,
                        new ServiceSpec.ServiceNetwork(
                                aliases,
                                fixedAddress(options.get("ipv4_address"), network, false, at + ": ipv4_address"),
                                fixedAddress(options.get("ipv6_address"), network, true, at + ": ipv6_address"),
                                options.containsKey("priority")
                                        ? priority(options.get("priority").getValueNode(), at + ": priority")
                                        : 0,
                                EndpointReader.macAddress(options.get("mac_address"), at + ": mac_address"),
                                EndpointReader.linkLocalIps(options.get("link_local_ips"), at + ": link_local_ips"),
                                EndpointReader.driverOpts(options.get("driver_opts"), at + ": driver_opts"),
                                options.containsKey("gw_priority")
                                        ? priority(options.get("gw_priority").getValueNode(), at + ": gw_priority")
                                        : null,
                                interfaceName(options, at)));
            }
        }
        if (result.isEmpty()) {
            result.put("default", ServiceSpec.ServiceNetwork.PLAIN);
        }
        return result;
    }

    /**
     * {@code interface_name}, which Compose passes as the driver option {@value EndpointReader#IFNAME_OPTION}:
     * both set to different names is refused, as the file says two things.
     */
    private static @Nullable String interfaceName(Map<String, NodeTuple> options, String at) {
        String name = EndpointReader.interfaceName(options.get("interface_name"), at + ": interface_name");
        if (name != null && options.containsKey("driver_opts")) {
            String option =
                    keyValues(options.get("driver_opts"), at + ": driver_opts").get(EndpointReader.IFNAME_OPTION);
            if (option != null && !option.equals(name)) {
                throw error(
                        options.get("interface_name").getValueNode(),
                        at + ": interface_name \"" + name + "\" and driver_opts " + EndpointReader.IFNAME_OPTION + " \""
                                + option + "\" name the interface twice: keep interface_name");
            }
        }
        return name;
    }

    /**
     * Compose requires the service's {@code mac_address} to agree with that of the network it joins first
     * (the highest priority), which the engine would otherwise give two addresses for one interface.
     */
    private static void agreeingMacAddress(ServiceSpec spec, Map<String, NodeTuple> keys, String where) {
        String service = spec.options().macAddress();
        if (service == null || spec.networks().isEmpty()) {
            return;
        }
        Map.Entry<String, ServiceSpec.ServiceNetwork> first =
                spec.networkOrder().get(0);
        String endpoint = first.getValue().macAddress();
        if (endpoint != null && !endpoint.equalsIgnoreCase(service)) {
            throw error(
                    keys.get("mac_address").getValueNode(),
                    where + ": mac_address " + service + " differs from mac_address " + endpoint + " of network \""
                            + first.getKey() + "\", the one it joins first: Compose requires them to be equal; keep"
                            + " one of them");
        }
    }

    /**
     * A network's {@code mac_address} only where Berth can give it: the engine takes a MAC address for the
     * network it creates a container on and ignores one given when the container joins another (checked on
     * Docker 26.1). Berth creates a container on its first network (by priority) and joins the others, and
     * joins the first again when it has link-local addresses, driver options, a gateway priority or an
     * interface name, which drops the address. Compose v2 creates it on all its networks at once (API
     * 1.44 and later), which docker-java, Berth's client, cannot ask for.
     */
    private static void macAddressesOnTheFirstNetwork(ServiceSpec spec, Map<String, NodeTuple> keys, String where) {
        List<Map.Entry<String, ServiceSpec.ServiceNetwork>> order = spec.networkOrder();
        String first = order.get(0).getKey();
        for (Map.Entry<String, ServiceSpec.ServiceNetwork> e : order) {
            ServiceSpec.ServiceNetwork n = e.getValue();
            if (n.macAddress() == null) {
                continue;
            }
            String reason;
            if (!e.getKey().equals(first)) {
                reason = "cannot be applied: Berth gives a MAC address only on the network a container is"
                        + " created on, its first by"
                        + " priority (\"" + first + "\"): set it there, or give \"" + e.getKey()
                        + "\" the highest priority";
            } else if (!n.linkLocalIps().isEmpty()
                    || !n.driverOpts().isEmpty()
                    || n.gwPriority() != null
                    || n.interfaceName() != null) {
                reason = "cannot go with link_local_ips, driver_opts, gw_priority or interface_name on the same"
                        + " network: Berth passes those by joining the network again, which drops the address";
            } else {
                continue;
            }
            throw error(
                    macAddressNode(keys, e.getKey(), where),
                    where + ": networks." + e.getKey() + ".mac_address " + reason);
        }
    }

    /** Where a network's {@code mac_address} is written in this service, else its {@code networks} key. */
    private static Node macAddressNode(Map<String, NodeTuple> keys, String network, String where) {
        NodeTuple networks = keys.get("networks");
        if (networks == null) {
            return keys.values().iterator().next().getKeyNode(); // inherited through extends
        }
        NodeTuple joined = networks.getValueNode() instanceof MappingNode
                ? Nodes.mapping(networks.getValueNode(), where + ": networks").get(network)
                : null;
        if (joined == null || !(joined.getValueNode() instanceof MappingNode)) {
            return networks.getKeyNode();
        }
        NodeTuple mac = Nodes.mapping(joined.getValueNode(), where + ": networks." + network)
                .get("mac_address");
        return mac == null ? joined.getKeyNode() : mac.getValueNode();
    }

    private static int priority(Node node, String what) {
        String value = scalar(node, what).strip();
        if (!value.matches("-?\\d{1,9}")) {
            throw error(node, what + " \"" + value + "\" is not a whole number; networks are joined highest first");
        }
        return Integer.parseInt(value);
    }

    /**
     * A fixed address on a stack network: a literal of the family, inside one of the subnets the
     * network's {@code ipam} declares (the engine assigns fixed addresses only there).
     */
    private @Nullable String fixedAddress(@Nullable NodeTuple tuple, String network, boolean ipv6, String what) {
        if (tuple == null) {
            return null;
        }
        Node node = tuple.getValueNode();
        String value = scalar(node, what).strip();
        Cidr address = Cidr.parse(value)
                .filter(c -> c.ipv6() == ipv6 && !value.contains("/"))
                .orElseThrow(() ->
                        error(node, what + " \"" + value + "\" is not an " + (ipv6 ? "IPv6" : "IPv4") + " address"));
        ComposeStack.NetworkSpec spec = declarations.networks().get(network);
        List<ComposeStack.IpamPool> pools =
                spec == null || spec.ipam() == null ? List.of() : spec.ipam().config();
        boolean inside = pools.stream()
                .map(pool -> Cidr.parse(pool.subnet()).orElseThrow())
                .anyMatch(subnet -> subnet.contains(address));
        if (!inside && !(spec != null && spec.external())) {
            throw error(
                    node,
                    what + " " + value + " is not inside a subnet of network \"" + network + "\": the engine assigns"
                            + " a fixed address only from a subnet the network declares; add it under the network's"
                            + " ipam.config (subnet), or drop the fixed address");
        }
        return value;
    }

    private void declaredNetwork(Node at, String network, String where) {
        if (!network.equals("default") && !declarations.networks().containsKey(network)) {
            throw error(
                    at,
                    where + " joins network \"" + network + "\", which is not declared under the top-level networks:"
                            + " declare it there"
                            + Nodes.suggestion(network, declarations.networks().keySet())
                                    .map(n -> " (or did you mean \"" + n + "\"?)")
                                    .orElse(""));
        }
    }

    /** A command or entrypoint: a list, or a string split as a shell would. */
    static List<String> command(Node node, String what) {
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
                            .contains(key)
                    && !key.startsWith("x-")) {
                throw error(
                        keys.get(key).getKeyNode(),
                        what + ": key \"" + key + "\" is not known; use test,"
                                + " interval, timeout, start_period, start_interval, retries or disable");
            }
        }
        boolean disable = flag(keys.get("disable"), what + ": disable");
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
            // Compose keeps the image's test and overrides only the timings given; the engine merges an
            // empty test with the image's HEALTHCHECK (and an image without one runs no check).
            test = List.of();
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
                retries,
                duration(keys.get("start_interval"), what));
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
            Node value = entry.getValue().getValueNode();
            if (value instanceof ScalarNode s && Nodes.isNull(s)) {
                result.put(entry.getKey(), ServiceSpec.Dependency.started());
                continue;
            }
            Map<String, NodeTuple> options =
                    keys(value, what + ": " + entry.getKey(), Set.of("condition", "required", "restart"), Set.of(), "");
            String condition = ServiceSpec.Dependency.STARTED;
            if (options.containsKey("condition")) {
                Node conditionNode = options.get("condition").getValueNode();
                condition = scalar(conditionNode, what + ": condition");
                if (!Set.of(
                                ServiceSpec.Dependency.STARTED,
                                ServiceSpec.Dependency.HEALTHY,
                                ServiceSpec.Dependency.COMPLETED)
                        .contains(condition)) {
                    throw error(
                            conditionNode,
                            what + ": condition \"" + condition + "\" is not valid: use service_started,"
                                    + " service_healthy or service_completed_successfully");
                }
            }
            boolean required = !options.containsKey("required") || flag(options.get("required"), what + ": required");
            boolean restart = flag(options.get("restart"), what + ": restart");
            result.put(entry.getKey(), new ServiceSpec.Dependency(condition, required, restart));
        }
        return result;
    }
}
