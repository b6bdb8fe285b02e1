package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.flag;
import static dev.berth.common.compose.Nodes.keyValues;
import static dev.berth.common.compose.Nodes.keys;
import static dev.berth.common.compose.Nodes.mapping;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;
import static dev.berth.common.compose.Nodes.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** The top-level {@code networks}, {@code volumes}, {@code secrets} and {@code configs}. Used by one parse. */
final class TopLevel {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    private final StackContext context;

    TopLevel(StackContext context) {
        this.context = context;
    }

    private static Map<String, NodeTuple> entries(@Nullable NodeTuple tuple, String what) {
        if (tuple == null) {
            return Map.of();
        }
        Node node = tuple.getValueNode();
        if (node instanceof ScalarNode s && Nodes.isNull(s)) {
            return Map.of();
        }
        Map<String, NodeTuple> result = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> entry : mapping(node, what).entrySet()) {
            if (!entry.getKey().startsWith("x-")) {
                result.put(entry.getKey(), entry.getValue());
            }
        }
        return result;
    }

    private static boolean empty(Node node) {
        return node instanceof ScalarNode s && (Nodes.isNull(s) || s.getValue().isEmpty());
    }

    Map<String, ComposeStack.NetworkSpec> networks(@Nullable NodeTuple tuple) {
        Map<String, ComposeStack.NetworkSpec> result = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> entry : entries(tuple, "networks").entrySet()) {
            String key = entry.getKey();
            String what = "network \"" + key + "\"";
            Node node = entry.getValue().getValueNode();
            if (empty(node)) {
                result.put(key, new ComposeStack.NetworkSpec(key, null, false, null, Map.of(), Map.of(), false));
                continue;
            }
            Map<String, NodeTuple> keys = keys(
                    node,
                    what,
                    Set.of(
                            "driver",
                            "driver_opts",
                            "labels",
                            "internal",
                            "external",
                            "name",
                            "ipam",
                            "enable_ipv6",
                            "attachable"),
                    Set.of("enable_ipv4"),
                    "it applies driver, driver_opts, labels, internal, external, name, ipam, enable_ipv6 and"
                            + " attachable (enable_ipv4 needs Docker API 1.47)");
            Name external = external(keys.get("external"), what);
            String name = text(keys.get("name"), what + ": name");
            if (external.external()) {
                refuseWithExternal(
                        keys,
                        what,
                        List.of("driver", "driver_opts", "labels", "internal", "ipam", "enable_ipv6", "attachable"));
                name = name != null ? name : external.name() != null ? external.name() : key;
            }
            String driver = text(keys.get("driver"), what + ": driver");
            if (driver != null
                    && !driver.strip().equals("bridge")
                    && !context.policy.allows(ComposePolicy.NETWORK_DRIVER_PREFIX, driver.strip())) {
                throw error(
                        keys.get("driver").getValueNode(),
                        what + ": driver " + driver.strip() + " is not Docker's bridge: the containers may reach the"
                                + " host's own network (macvlan, ipvlan) or a plugin's; the environment's policy"
                                + " refuses it: allow it for the environment with --allow "
                                + ComposePolicy.NETWORK_DRIVER_PREFIX + driver.strip());
            }
            result.put(
                    key,
                    new ComposeStack.NetworkSpec(
                            key,
                            name,
                            external.external(),
                            text(keys.get("driver"), what + ": driver"),
                            keyValues(keys.get("driver_opts"), what + ": driver_opts"),
                            keyValues(keys.get("labels"), what + ": labels"),
                            flag(keys.get("internal"), what + ": internal"),
                            keys.containsKey("ipam") ? ipam(keys.get("ipam").getValueNode(), what + ": ipam") : null,
                            flag(keys.get("enable_ipv6"), what + ": enable_ipv6"),
                            !keys.containsKey("attachable") || flag(keys.get("attachable"), what + ": attachable")));
        }
        return result;
    }

    /** {@code ipam}: a driver and pools whose subnet, ip_range and gateway are CIDR literals that fit together. */
    private static ComposeStack.Ipam ipam(Node node, String what) {
        Map<String, NodeTuple> keys = keys(
                node,
                what,
                Set.of("driver", "config"),
                Set.of("options"),
                "it applies driver and config (subnet, ip_range, gateway); docker-java cannot pass IPAM options");
        List<ComposeStack.IpamPool> pools = new ArrayList<>();
        List<Cidr> subnets = new ArrayList<>();
        if (keys.containsKey("config")) {
            for (Node item : sequence(keys.get("config").getValueNode(), what + ": config")) {
                String where = what + ": config";
                Map<String, NodeTuple> pool = keys(
                        item,
                        where,
                        Set.of("subnet", "ip_range", "gateway"),
                        Set.of("aux_addresses"),
                        "it applies subnet, ip_range and gateway");
                if (!pool.containsKey("subnet")) {
                    throw error(item, where + ": each pool needs \"subnet\", like 172.28.0.0/16");
                }
                Cidr subnet = cidr(pool.get("subnet"), where + ": subnet", true);
                for (Cidr other : subnets) {
                    if (other.overlaps(subnet)) {
                        throw error(
                                pool.get("subnet").getValueNode(),
                                where + ": subnet " + subnet.text() + " overlaps " + other.text()
                                        + " of the same network; give each pool its own range");
                    }
                }
                subnets.add(subnet);
                String ipRange = null;
                if (pool.containsKey("ip_range")) {
                    Cidr range = cidr(pool.get("ip_range"), where + ": ip_range", true);
                    inside(pool.get("ip_range"), range, subnet, where + ": ip_range");
                    ipRange = range.text();
                }
                String gateway = null;
                if (pool.containsKey("gateway")) {
                    Cidr address = cidr(pool.get("gateway"), where + ": gateway", false);
                    inside(pool.get("gateway"), address, subnet, where + ": gateway");
                    gateway = address.text();
                }
                pools.add(new ComposeStack.IpamPool(subnet.text(), ipRange, gateway));
            }
        }
        return new ComposeStack.Ipam(text(keys.get("driver"), what + ": driver"), pools);
    }

    private static Cidr cidr(NodeTuple tuple, String what, boolean network) {
        String value = scalar(tuple.getValueNode(), what).strip();
        return Cidr.parse(value)
                .filter(c -> network ? value.contains("/") : !value.contains("/"))
                .orElseThrow(() -> error(
                        tuple.getValueNode(),
                        what + " \"" + value + "\" is not "
                                + (network
                                        ? "a network in CIDR notation, like 172.28.0.0/16 or fd00:28::/64"
                                        : "an IP address, like 172.28.0.1")));
    }

    private static void inside(NodeTuple tuple, Cidr inner, Cidr subnet, String what) {
        if (!subnet.contains(inner)) {
            throw error(tuple.getValueNode(), what + " " + inner.text() + " is not inside subnet " + subnet.text());
        }
    }

    Map<String, ComposeStack.VolumeSpec> volumes(@Nullable NodeTuple tuple) {
        Map<String, ComposeStack.VolumeSpec> result = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> entry : entries(tuple, "volumes").entrySet()) {
            String key = entry.getKey();
            String what = "volume \"" + key + "\"";
            if (!NAME.matcher(key).matches()) {
                throw error(
                        entry.getValue().getKeyNode(),
                        what + " is not a valid volume name: use letters, digits, '.', '_' and '-'");
            }
            Node node = entry.getValue().getValueNode();
            if (empty(node)) {
                result.put(key, new ComposeStack.VolumeSpec(key, null, false, null, Map.of(), Map.of()));
                continue;
            }
            Map<String, NodeTuple> keys = keys(
                    node,
                    what,
                    Set.of("driver", "driver_opts", "labels", "external", "name"),
                    Set.of(),
                    "it applies driver, driver_opts, labels, external and name");
            Name external = external(keys.get("external"), what);
            String name = text(keys.get("name"), what + ": name");
            if (external.external()) {
                refuseWithExternal(keys, what, List.of("driver", "driver_opts", "labels"));
                name = name != null ? name : external.name() != null ? external.name() : key;
            }
            String driver = text(keys.get("driver"), what + ": driver");
            Map<String, String> driverOpts = keyValues(keys.get("driver_opts"), what + ": driver_opts");
            checkVolume(what, keys, driver == null ? null : driver.strip(), driverOpts);
            result.put(
                    key,
                    new ComposeStack.VolumeSpec(
                            key,
                            name,
                            external.external(),
                            driver,
                            driverOpts,
                            keyValues(keys.get("labels"), what + ": labels")));
        }
        return result;
    }

    /**
     * A named volume is a mount of whatever its driver mounts: a driver other than {@code local} needs
     * {@code volume-driver:<name>}; the local driver's {@code driver_opts} that bind a host path
     * ({@code o} holding {@code bind}, or {@code type: none}) need the {@code bind:} allowance of a bind
     * of {@code device}; those that mount a filesystem (nfs, cifs, a block device, overlay...) need
     * {@code volume-device}, and a {@code device} that is a host path its {@code bind:} allowance as
     * well. A tmpfs ({@code type: tmpfs}) is free.
     */
    private void checkVolume(
            String what, Map<String, NodeTuple> keys, @Nullable String driver, Map<String, String> driverOpts) {
        Optional<String> refusal = volumeRefusal(context.policy, what, driver, driverOpts);
        if (refusal.isEmpty()) {
            return;
        }
        Node at = driver != null && !driver.equals("local")
                ? keys.get("driver").getValueNode()
                : keys.get("driver_opts").getValueNode();
        if (at instanceof MappingNode) {
            for (Map.Entry<String, NodeTuple> entry : mapping(at, what).entrySet()) {
                String name = entry.getKey().strip().toLowerCase(Locale.ROOT);
                if (name.equals("device") || (!driverOpts.containsKey("device") && name.equals("type"))) {
                    at = entry.getValue().getValueNode();
                }
            }
        }
        throw error(at, refusal.get());
    }

    /**
     * Why the policy refuses a volume of {@code driver} with {@code driverOpts}, or empty when it allows
     * it: see {@link #checkVolume}. Also what the deployer asks of a volume that already exists.
     *
     * @param what the volume, for messages: {@code volume "data"}
     */
    static Optional<String> volumeRefusal(
            ComposePolicy policy, String what, @Nullable String driver, Map<String, String> driverOpts) {
        if (policy.unrestricted()) {
            return Optional.empty();
        }
        String refused = "; the environment's policy refuses it: allow it for the environment with --allow ";
        if (driver != null && !driver.strip().equals("local")) {
            String name = driver.strip();
            return policy.allows(ComposePolicy.VOLUME_DRIVER_PREFIX, name)
                    ? Optional.empty()
                    : Optional.of(what + ": driver " + name + " is a volume plugin, which mounts whatever it reaches"
                            + " for the container" + refused + ComposePolicy.VOLUME_DRIVER_PREFIX + name);
        }
        Map<String, String> lower = new LinkedHashMap<>();
        driverOpts.forEach((k, v) -> lower.put(k.strip().toLowerCase(Locale.ROOT), v.strip()));
        String type = lower.get("type");
        String options = lower.getOrDefault("o", "").toLowerCase(Locale.ROOT);
        String device = lower.get("device");
        if (type == null && device == null && !lower.containsKey("o")) {
            return Optional.empty();
        }
        // The local driver reads o as mount(8) options, comma-separated: bind and rbind bind the device.
        boolean bind = "none".equalsIgnoreCase(type)
                || Arrays.stream(options.split(",")).map(String::strip).anyMatch(o -> o.endsWith("bind"));
        if (!bind && "tmpfs".equalsIgnoreCase(type)) {
            return Optional.empty();
        }
        String deviceWhat = what + ": driver_opts device \"" + device + "\"";
        if (bind && device != null && !device.startsWith("/")) {
            return Optional.of(deviceWhat + " binds a path of the deployer's host that is not absolute (the engine"
                    + " would read it from its own working directory): write the absolute path");
        }
        if (!bind && !policy.allows(ComposePolicy.VOLUME_DEVICE)) {
            return Optional.of(what + ": driver_opts " + new TreeMap<>(driverOpts) + " mount "
                    + (device == null ? "a filesystem" : "\"" + device + "\"")
                    + " for the container, outside Docker's own volumes" + refused + ComposePolicy.VOLUME_DEVICE);
        }
        // A bound device is a host path whatever it looks like (//etc is /etc); a mounted one is when it
        // names a local path (a block device), not a share (//server/share, host:/export).
        boolean hostPath = device != null && device.startsWith("/") && (bind || !device.startsWith("//"));
        return hostPath
                ? Mounts.hostPathRefusal(policy, deviceWhat, StackContext.normaliseAbsolute(device))
                : Optional.empty();
    }

    private record Name(boolean external, @Nullable String name) {}

    /** {@code external: true}, or the legacy {@code external: {name: x}}. */
    private static Name external(@Nullable NodeTuple tuple, String what) {
        if (tuple == null) {
            return new Name(false, null);
        }
        if (tuple.getValueNode() instanceof MappingNode) {
            Map<String, NodeTuple> keys = keys(tuple.getValueNode(), what + ": external", Set.of("name"), Set.of(), "");
            return new Name(true, text(keys.get("name"), what + ": external.name"));
        }
        return new Name(flag(tuple, what + ": external"), null);
    }

    private static void refuseWithExternal(Map<String, NodeTuple> keys, String what, List<String> refused) {
        for (String key : refused) {
            if (keys.containsKey(key)) {
                throw error(
                        keys.get(key).getKeyNode(),
                        what + " is external (created outside the stack), so it cannot set \"" + key + "\"; remove \""
                                + key + "\" or \"external\"");
            }
        }
    }

    /** The top-level secrets or configs, by key, unread: only those services use are read. */
    static Map<String, NodeTuple> fileSources(@Nullable NodeTuple tuple, String what) {
        return entries(tuple, what);
    }

    /**
     * A top-level secret or config.
     *
     * @param checkFiles whether to check that its file exists (only for what a service uses)
     */
    ComposeStack.FileSource fileSource(String key, NodeTuple tuple, boolean secret, boolean checkFiles) {
        String kind = secret ? "secret" : "config";
        String what = kind + " \"" + key + "\"";
        Node node = tuple.getValueNode();
        Set<String> known = secret ? Set.of("file", "environment") : Set.of("file", "content", "environment");
        Map<String, NodeTuple> keys = keys(
                node,
                what,
                known,
                Set.of("external", "name", "driver", "driver_opts", "template_driver", "labels"),
                "Berth mounts " + kind + "s from a file of the repository"
                        + (secret
                                ? " or a variable (file, environment)"
                                : ", a variable or literal content" + " (file, environment, content)"));
        List<String> sources = keys.keySet().stream().filter(known::contains).toList();
        if (sources.size() != 1) {
            throw error(
                    sources.isEmpty()
                            ? tuple.getKeyNode()
                            : keys.get(sources.get(1)).getKeyNode(),
                    what + " needs exactly one of "
                            + String.join(", ", known.stream().sorted().toList())
                            + (sources.isEmpty() ? "" : ", not " + String.join(" and ", sources)));
        }
        String source = sources.get(0);
        Node value = keys.get(source).getValueNode();
        String text = scalar(value, what + ": " + source);
        return switch (source) {
            case "file" -> new ComposeStack.FileSource(key, file(value, text, what, checkFiles), null, null);
            case "content" -> new ComposeStack.FileSource(key, null, text, null);
            default -> {
                if (!Pattern.matches("[A-Za-z_][A-Za-z0-9_]*", text)) {
                    throw error(value, what + ": environment \"" + text + "\" is not a variable name");
                }
                if (checkFiles && context.variable(text).isEmpty() && !context.watcher()) {
                    throw error(
                            value,
                            what + ": variable " + text + " is not set: set it in the environment, the stack's"
                                    + " .env or on the deployer's host");
                }
                yield new ComposeStack.FileSource(key, null, null, text);
            }
        };
    }

    private String file(Node at, String written, String what, boolean check) {
        if (written.startsWith("/") || written.startsWith("~")) {
            throw error(
                    at,
                    what + ": file \"" + written + "\" is outside the repository; name a file of the repository,"
                            + " relative to the compose file");
        }
        String path = context.repoPath(at, written, what + ": file");
        if (check) {
            if (!context.files.isFile(path)) {
                throw error(
                        at,
                        what + ": file \"" + written + "\" (" + path + ") does not exist in the repository;"
                                + " commit it or fix the path");
            }
            context.use(path);
        }
        return path;
    }
}
