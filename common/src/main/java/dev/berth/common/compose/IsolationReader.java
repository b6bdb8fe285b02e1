package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.mapping;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * The service keys that loosen a container's isolation from the host or from other stacks, each read
 * through the environment's {@link ComposePolicy}: {@code cap_add}, the namespace modes ({@code pid},
 * {@code ipc}, {@code uts}, {@code userns_mode}, {@code cgroup}), {@code security_opt},
 * {@code sysctls}, {@code devices}, {@code device_cgroup_rules} and {@code runtime}. Every refusal
 * names the key, the service and the allowance to give. Used by one parse.
 */
final class IsolationReader {
    /** What these keys ask for, normalised; empty or null for Docker's default. */
    record Isolation(
            @Nullable String pid,
            @Nullable String ipc,
            @Nullable String uts,
            @Nullable String usernsMode,
            @Nullable String cgroup,
            List<String> securityOpt,
            Map<String, String> sysctls,
            List<String> devices,
            List<String> deviceCgroupRules,
            @Nullable String runtime) {}

    private static final String REFUSED =
            "; the environment's policy refuses it: allow it for the environment with" + " --allow ";
    private static final Pattern CAPABILITY = Pattern.compile("[A-Z][A-Z0-9_]*");
    private static final Pattern SYSCTL = Pattern.compile("[a-z0-9_]+(\\.[a-zA-Z0-9_*-]+)+");
    private static final Pattern DEVICE_RULE = Pattern.compile("[abc] (\\d+|\\*):(\\d+|\\*) [rwm]{1,3}");

    private final ComposePolicy policy;

    IsolationReader(ComposePolicy policy) {
        this.policy = policy;
    }

    Isolation read(Map<String, NodeTuple> keys, String where, @Nullable String networkMode) {
        capabilities(keys.get("cap_add"), where);
        String ipc = namespace(keys.get("ipc"), where, "ipc", Set.of("none", "private", "shareable"));
        return new Isolation(
                namespace(keys.get("pid"), where, "pid", Set.of()),
                ipc,
                namespace(keys.get("uts"), where, "uts", Set.of()),
                namespace(keys.get("userns_mode"), where, "userns_mode", Set.of()),
                namespace(keys.get("cgroup"), where, "cgroup", Set.of("private")),
                securityOpt(keys.get("security_opt"), where),
                sysctls(keys.get("sysctls"), where, networkMode, ipc),
                devices(keys.get("devices"), where),
                deviceCgroupRules(keys.get("device_cgroup_rules"), where),
                runtime(keys.get("runtime"), where));
    }

    /** {@code cap_add}: Docker's default set is free, others need {@code cap:<NAME>}, ALL needs privileged. */
    private void capabilities(@Nullable NodeTuple tuple, String where) {
        for (Item item : items(tuple, where + ": cap_add")) {
            String name = item.text().strip().toUpperCase(Locale.ROOT);
            name = name.startsWith("CAP_") ? name.substring("CAP_".length()) : name;
            if (!CAPABILITY.matcher(name).matches()) {
                throw error(
                        item.node(),
                        where + ": cap_add: \"" + item.text() + "\" is not a capability name like NET_ADMIN");
            }
            if (name.equals("ALL")) {
                if (!policy.privileged()) {
                    throw error(
                            item.node(),
                            where + ": cap_add ALL gives the container every capability, as much as privileged"
                                    + REFUSED + ComposePolicy.PRIVILEGED);
                }
            } else if (!policy.allowsCapability(name)) {
                throw error(
                        item.node(),
                        where + ": cap_add " + name + " is beyond Docker's default capabilities and weakens the"
                                + " container's isolation from the host" + REFUSED + ComposePolicy.CAP_PREFIX
                                + name);
            }
        }
    }

    /**
     * A namespace mode: {@code host} needs {@code host-<kind>}, {@code container:<name>} (for pid and
     * ipc) needs {@code join-container}; {@code free} values pass.
     */
    private @Nullable String namespace(@Nullable NodeTuple tuple, String where, String key, Set<String> free) {
        if (tuple == null) {
            return null;
        }
        Node node = tuple.getValueNode();
        String mode = scalar(node, where + ": " + key).strip();
        if (free.contains(mode)) {
            return mode;
        }
        boolean joins = (key.equals("pid") || key.equals("ipc")) && mode.startsWith("container:") && mode.length() > 10;
        if (!mode.equals("host") && !joins) {
            List<String> valid = new ArrayList<>(free.stream().sorted().toList());
            valid.add("host");
            if (key.equals("pid") || key.equals("ipc")) {
                valid.add("container:<name>");
            }
            throw error(
                    node,
                    where + ": " + key + " \"" + mode + "\" is not supported by this version of Berth; use "
                            + String.join(", ", valid) + ", or leave it out for the container's own namespace");
        }
        if (joins) {
            if (!policy.allows(ComposePolicy.JOIN_CONTAINER)) {
                throw error(
                        node,
                        where + ": " + key + " " + mode + " joins a container outside the stack" + REFUSED
                                + ComposePolicy.JOIN_CONTAINER);
            }
            return mode;
        }
        String allowance = "host-"
                + switch (key) {
                    case "userns_mode" -> "userns";
                    default -> key;
                };
        boolean allowed = switch (key) {
            case "pid" -> policy.hostPid();
            default -> policy.allows(allowance);
        };
        if (!allowed) {
            throw error(node, where + ": " + key + " host " + why(key) + REFUSED + allowance);
        }
        return mode;
    }

    private static String why(String key) {
        return switch (key) {
            case "pid" -> "lets the container see and signal every process of the host";
            case "ipc" -> "shares the host's shared memory, semaphores and message queues with the container";
            case "uts" -> "lets the container change the host's hostname";
            case "userns_mode" -> "turns off the engine's user namespace remapping for the container";
            default -> "gives the container the host's cgroup namespace";
        };
    }

    /**
     * {@code security_opt}: what turns off seccomp, AppArmor, SELinux labels, masked paths or
     * {@code no-new-privileges} needs {@code security-opt:<kind>}; SELinux user, role and level are free.
     */
    private List<String> securityOpt(@Nullable NodeTuple tuple, String where) {
        List<String> result = new ArrayList<>();
        String what = where + ": security_opt";
        for (Item item : items(tuple, what)) {
            String option = item.text().strip();
            int sep = firstSeparator(option);
            String kind = (sep < 0 ? option : option.substring(0, sep)).toLowerCase(Locale.ROOT);
            String value = sep < 0 ? "" : option.substring(sep + 1).strip();
            String lower = value.toLowerCase(Locale.ROOT);
            boolean free = switch (kind) {
                case "seccomp" -> {
                    if (!lower.equals("unconfined")) {
                        throw error(
                                item.node(),
                                what + " \"" + option + "\": a seccomp profile file is not supported by"
                                        + " this version of Berth; leave it out for Docker's default"
                                        + " profile");
                    }
                    yield false;
                }
                case "apparmor" -> false;
                case "label" -> {
                    if (lower.startsWith("user:") || lower.startsWith("role:") || lower.startsWith("level:")) {
                        yield true;
                    }
                    if (lower.equals("disable") || lower.startsWith("type:")) {
                        yield false;
                    }
                    throw error(
                            item.node(),
                            what + " \"" + option + "\" is not an SELinux label option: use label=user:,"
                                    + " role:, type:, level: or disable");
                }
                case "no-new-privileges" -> {
                    if (value.isEmpty() || lower.equals("true")) {
                        yield true;
                    }
                    if (lower.equals("false")) {
                        yield false;
                    }
                    throw error(item.node(), what + " \"" + option + "\": no-new-privileges is true or false");
                }
                case "systempaths" -> {
                    if (!lower.equals("unconfined")) {
                        throw error(item.node(), what + " \"" + option + "\": systempaths takes unconfined");
                    }
                    yield false;
                }
                case "writable-cgroups" -> {
                    if (lower.equals("false")) {
                        yield true;
                    }
                    if (lower.equals("true")) {
                        yield false;
                    }
                    throw error(item.node(), what + " \"" + option + "\": writable-cgroups is true or false");
                }
                default ->
                    throw error(
                            item.node(),
                            what + " \"" + option + "\" is not a security option Berth knows; use seccomp,"
                                    + " apparmor, label, no-new-privileges, systempaths or writable-cgroups");
            };
            if (!free && !policy.allows(ComposePolicy.SECURITY_OPT_PREFIX, kind)) {
                throw error(
                        item.node(),
                        what + " \"" + option + "\" weakens the container's confinement (" + kind + ")" + REFUSED
                                + ComposePolicy.SECURITY_OPT_PREFIX + kind);
            }
            result.add(option);
        }
        return result;
    }

    private static int firstSeparator(String option) {
        int eq = option.indexOf('=');
        int colon = option.indexOf(':');
        return eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
    }

    /**
     * {@code sysctls}: the ones of the container's own network and IPC namespaces are free; others
     * (and those when the namespace is the host's) need {@code sysctl:<name>}.
     */
    private Map<String, String> sysctls(
            @Nullable NodeTuple tuple, String where, @Nullable String networkMode, @Nullable String ipc) {
        Map<String, String> result = new LinkedHashMap<>();
        if (tuple == null) {
            return result;
        }
        String what = where + ": sysctls";
        Node node = tuple.getValueNode();
        Map<String, Item> entries = new LinkedHashMap<>();
        if (node instanceof SequenceNode) {
            for (Node item : sequence(node, what)) {
                String text = scalar(item, "an item of " + what);
                int eq = text.indexOf('=');
                if (eq <= 0) {
                    throw error(item, what + ": \"" + text + "\" is not name=value, like net.core.somaxconn=1024");
                }
                entries.put(
                        text.substring(0, eq).strip(),
                        new Item(item, text.substring(eq + 1).strip()));
            }
        } else {
            for (Map.Entry<String, NodeTuple> entry : mapping(node, what).entrySet()) {
                Node value = entry.getValue().getValueNode();
                entries.put(entry.getKey().strip(), new Item(value, scalar(value, what + ": " + entry.getKey())));
            }
        }
        for (Map.Entry<String, Item> entry : entries.entrySet()) {
            String name = entry.getKey().replace('/', '.');
            Node at = entry.getValue().node();
            if (!SYSCTL.matcher(name).matches()) {
                throw error(at, what + ": \"" + entry.getKey() + "\" is not a sysctl name like net.core.somaxconn");
            }
            boolean net = name.startsWith("net.");
            // Free only in the container's own namespace (or one of its stack's): not the host's, not a
            // foreign container's.
            boolean ownNetwork =
                    networkMode == null || networkMode.equals("none") || networkMode.startsWith("service:");
            boolean ownIpc =
                    ipc == null || Set.of("private", "shareable", "none").contains(ipc);
            boolean namespaced = (net && ownNetwork) || (ipcSysctl(name) && ownIpc);
            if (!namespaced && !policy.allows(ComposePolicy.SYSCTL_PREFIX, name)) {
                throw error(
                        at,
                        what + ": " + name
                                + (net || ipcSysctl(name)
                                        ? " is not the container's own here (its namespace is the host's or another"
                                                + " container's)"
                                        : " is not namespaced: setting it changes the host's kernel")
                                + REFUSED + ComposePolicy.SYSCTL_PREFIX
                                + name);
            }
            result.put(name, entry.getValue().text());
        }
        return result;
    }

    private static boolean ipcSysctl(String name) {
        return name.startsWith("kernel.shm")
                || name.startsWith("kernel.msg")
                || name.equals("kernel.sem")
                || name.startsWith("fs.mqueue.");
    }

    /** {@code devices}: {@code host[:container[:permissions]]}, each needing {@code device:<host path>}. */
    private List<String> devices(@Nullable NodeTuple tuple, String where) {
        List<String> result = new ArrayList<>();
        String what = where + ": devices";
        for (Item item : items(tuple, what)) {
            String text = item.text().strip();
            String[] parts = text.split(":", -1);
            if (!parts[0].startsWith("/") || parts.length > 3 || (parts.length > 1 && !parts[1].startsWith("/"))) {
                throw error(
                        item.node(),
                        what + " \"" + text + "\" is not /host/device[:/container/device[:rwm]]; Berth does not"
                                + " support CDI device names");
            }
            if (parts.length == 3 && !parts[2].matches("[rwm]{1,3}")) {
                throw error(item.node(), what + " \"" + text + "\": permissions are r, w and m, like rw");
            }
            String path = StackContext.normaliseAbsolute(parts[0]);
            if (!policy.allowsDevice(path)) {
                throw error(
                        item.node(),
                        what + " \"" + text + "\" gives the container the host's device " + path + REFUSED
                                + ComposePolicy.DEVICE_PREFIX + path);
            }
            result.add(path + ":" + (parts.length > 1 ? parts[1] : path) + ":" + (parts.length > 2 ? parts[2] : "rwm"));
        }
        return result;
    }

    private List<String> deviceCgroupRules(@Nullable NodeTuple tuple, String where) {
        List<String> result = new ArrayList<>();
        String what = where + ": device_cgroup_rules";
        for (Item item : items(tuple, what)) {
            String rule = item.text().strip();
            if (!DEVICE_RULE.matcher(rule).matches()) {
                throw error(item.node(), what + " \"" + rule + "\" is not a rule like \"c 1:3 mr\"");
            }
            if (!policy.allows(ComposePolicy.DEVICE_CGROUP_RULES)) {
                throw error(
                        item.node(),
                        what + " \"" + rule + "\" lets the container use host devices" + REFUSED
                                + ComposePolicy.DEVICE_CGROUP_RULES);
            }
            result.add(rule);
        }
        return result;
    }

    private @Nullable String runtime(@Nullable NodeTuple tuple, String where) {
        if (tuple == null) {
            return null;
        }
        Node node = tuple.getValueNode();
        String runtime = scalar(node, where + ": runtime").strip();
        if (runtime.isEmpty() || runtime.chars().anyMatch(c -> c <= ' ')) {
            throw error(node, where + ": runtime \"" + runtime + "\" is not a runtime name, like runc");
        }
        if (!runtime.equals("runc") && !policy.allows(ComposePolicy.RUNTIME_PREFIX, runtime)) {
            throw error(
                    node,
                    where + ": runtime " + runtime + " runs the container outside Docker's default runtime" + REFUSED
                            + ComposePolicy.RUNTIME_PREFIX + runtime);
        }
        return runtime;
    }

    private record Item(Node node, String text) {}

    /** A single value or a list, each with its node. */
    private static List<Item> items(@Nullable NodeTuple tuple, String what) {
        List<Item> result = new ArrayList<>();
        if (tuple == null) {
            return result;
        }
        Node node = tuple.getValueNode();
        if (node instanceof ScalarNode) {
            if (!Nodes.isNull(node)) {
                result.add(new Item(node, scalar(node, what)));
            }
            return result;
        }
        for (Node item : sequence(node, what)) {
            result.add(new Item(item, scalar(item, "an item of " + what)));
        }
        return result;
    }
}
