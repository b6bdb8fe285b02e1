package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.duration;
import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.flag;
import static dev.berth.common.compose.Nodes.keyValues;
import static dev.berth.common.compose.Nodes.mapping;
import static dev.berth.common.compose.Nodes.matching;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.size;
import static dev.berth.common.compose.Nodes.stringOrList;
import static dev.berth.common.compose.Nodes.text;
import static dev.berth.common.compose.Nodes.whole;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/** A service's {@link ContainerOptions}: how its container runs. Stateless. */
final class OptionsReader {
    private static final Pattern RESTART = Pattern.compile("no|always|unless-stopped|on-failure(:\\d+)?");
    private static final Pattern CAPABILITY = Pattern.compile("(CAP_)?([A-Z_]+)");
    private static final Pattern SIGNAL = Pattern.compile("SIG[A-Z0-9+-]+|\\d+");

    private OptionsReader() {}

    static ContainerOptions options(
            Map<String, NodeTuple> keys,
            String where,
            @Nullable NodeTuple resources,
            boolean privileged,
            @Nullable String networkMode,
            IsolationReader.Isolation isolation) {
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
                matching(keys.get("stop_signal"), SIGNAL, where + ": stop_signal", "a signal like SIGTERM or SIGINT"),
                duration(keys.get("stop_grace_period"), where),
                tmpfs(keys.get("tmpfs"), where),
                resources(resources, where + ": deploy.resources"),
                logging(keys.get("logging"), where + ": logging"),
                ulimits(keys.get("ulimits"), where + ": ulimits"),
                privileged,
                networkMode,
                isolation.pid(),
                isolation.ipc(),
                isolation.uts(),
                isolation.usernsMode(),
                isolation.cgroup(),
                isolation.securityOpt(),
                isolation.sysctls(),
                isolation.devices(),
                isolation.deviceCgroupRules(),
                isolation.runtime());
    }

    private static Map<String, String> tmpfs(@Nullable NodeTuple tuple, String where) {
        Map<String, String> tmpfs = new LinkedHashMap<>();
        for (String entry : stringOrList(tuple, where + ": tmpfs")) {
            int colon = entry.indexOf(':');
            String path = colon < 0 ? entry : entry.substring(0, colon);
            if (!path.startsWith("/")) {
                throw error(
                        tuple.getValueNode(),
                        where + ": tmpfs \"" + entry
                                + "\" must be an absolute path in the container, like /run or /tmp:size=64m");
            }
            tmpfs.put(path, colon < 0 ? "" : entry.substring(colon + 1));
        }
        return tmpfs;
    }

    /** {@code deploy.resources}: limits and reservations of memory, CPUs and PIDs. */
    private static ContainerOptions.Resources resources(@Nullable NodeTuple tuple, String what) {
        if (tuple == null) {
            return ContainerOptions.Resources.NONE;
        }
        Map<String, NodeTuple> resources = mapping(tuple.getValueNode(), what);
        Long memory = null;
        Long cpus = null;
        Long pids = null;
        Long reservation = null;
        for (Map.Entry<String, NodeTuple> entry : resources.entrySet()) {
            String part = what + "." + entry.getKey();
            Map<String, NodeTuple> values = mapping(entry.getValue().getValueNode(), part);
            for (Map.Entry<String, NodeTuple> value : values.entrySet()) {
                String key = entry.getKey() + "." + value.getKey();
                Node node = value.getValue().getValueNode();
                switch (key) {
                    case "limits.memory" -> memory = size(node, part + ".memory");
                    case "limits.cpus" -> cpus = cpus(node, part + ".cpus");
                    case "limits.pids" -> pids = whole(node, part + ".pids");
                    case "reservations.memory" -> reservation = size(node, part + ".memory");
                    default ->
                        throw error(
                                value.getValue().getKeyNode(),
                                what + "." + key
                                        + " is not supported by this version of Berth; it applies limits.memory,"
                                        + " limits.cpus, limits.pids and reservations.memory");
                }
            }
        }
        return new ContainerOptions.Resources(memory, cpus, pids, reservation);
    }

    private static long cpus(Node node, String what) {
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

    private static ContainerOptions.@Nullable Logging logging(@Nullable NodeTuple tuple, String what) {
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
        String driver =
                keys.containsKey("driver") ? scalar(keys.get("driver").getValueNode(), what + ": driver") : "json-file";
        return new ContainerOptions.Logging(driver, keyValues(keys.get("options"), what + ": options"));
    }

    /** {@code nofile: 1024} or {@code nofile: {soft: 1024, hard: 2048}}, as {@code [soft, hard]}. */
    private static Map<String, List<Long>> ulimits(@Nullable NodeTuple tuple, String what) {
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

    private static List<String> capabilities(@Nullable NodeTuple tuple, String what) {
        List<String> result = new ArrayList<>();
        for (String cap : stringOrList(tuple, what)) {
            Matcher m = CAPABILITY.matcher(cap.strip().toUpperCase(Locale.ROOT));
            if (!m.matches()) {
                throw error(tuple.getValueNode(), what + ": \"" + cap + "\" is not a capability name like NET_ADMIN");
            }
            result.add(m.group(2));
        }
        return result;
    }

    /** {@code host:ip} and {@code host=ip} lists, or a {@code host: ip} mapping, as {@code host:ip}. */
    static List<String> extraHosts(@Nullable NodeTuple tuple, String what) {
        List<String> result = new ArrayList<>();
        if (tuple == null) {
            return result;
        }
        if (tuple.getValueNode() instanceof MappingNode) {
            keyValues(tuple, what).forEach((host, ip) -> result.add(host + ":" + ip));
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
}
