package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.duration;
import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.flag;
import static dev.berth.common.compose.Nodes.keyValues;
import static dev.berth.common.compose.Nodes.mapping;
import static dev.berth.common.compose.Nodes.matching;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.stringOrList;
import static dev.berth.common.compose.Nodes.text;
import static dev.berth.common.compose.Nodes.whole;

import java.util.ArrayList;
import java.util.LinkedHashMap;
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

/** A service's {@link ContainerOptions}: how its container runs. Stateless. */
final class OptionsReader {
    private static final Pattern RESTART = Pattern.compile("no|always|unless-stopped|on-failure(:\\d+)?");
    private static final Pattern CAPABILITY = Pattern.compile("(CAP_)?([A-Z_]+)");
    private static final Pattern SIGNAL = Pattern.compile("SIG[A-Z0-9+-]+|\\d+");
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    static final Pattern MAC_ADDRESS = Pattern.compile("[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\\1[0-9A-Fa-f]{2}){4}");

    private OptionsReader() {}

    static ContainerOptions options(
            StackContext context,
            Map<String, NodeTuple> keys,
            String where,
            Map<String, NodeTuple> deploy,
            boolean privileged,
            @Nullable String networkMode,
            IsolationReader.Isolation isolation) {
        ContainerOptions.Resources resources = ResourcesReader.resources(context, keys, deploy.get("resources"), where);
        ContainerOptions.Limits limits = new LimitsReader(context.policy).read(keys, where);
        if (resources.nanoCpus() != null && (limits.cpuQuota() != null || limits.cpuPeriod() != null)) {
            String key = keys.containsKey("cpu_quota") ? "cpu_quota" : "cpu_period";
            throw error(
                    keys.get(key).getKeyNode(),
                    where + ": cpus (or deploy.resources.limits.cpus) and " + key
                            + " exclude each other, as the engine refuses both: keep cpus, or cpu_quota with"
                            + " cpu_period");
        }
        return new ContainerOptions(
                restart(context, keys.get("restart"), deploy.get("restart_policy"), where),
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
                resources,
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
                isolation.runtime(),
                flag(keys.get("stdin_open"), where + ": stdin_open"),
                flag(keys.get("tty"), where + ": tty"),
                groups(keys.get("group_add"), where + ": group_add"),
                names(keys.get("dns_search"), where + ": dns_search", "a domain, like example.com"),
                names(keys.get("dns_opt"), where + ": dns_opt", "a resolver option, like ndots:2"),
                text(keys.get("domainname"), where + ": domainname"),
                matching(
                        keys.get("mac_address"),
                        MAC_ADDRESS,
                        where + ": mac_address",
                        "six pairs of hexadecimal digits, like 02:42:ac:11:00:02"),
                limits);
    }

    /**
     * {@code restart}, or {@code deploy.restart_policy} mapped as Compose maps it to the engine's
     * policy (none to no, on-failure[:max_attempts], any to always; the engine's own no, always and
     * unless-stopped as they are, as Compose v2 passes them), which then wins over
     * {@code restart}; its {@code delay} and {@code window} are Swarm's and only warned about.
     */
    private static @Nullable String restart(
            StackContext context, @Nullable NodeTuple restart, @Nullable NodeTuple policy, String where) {
        String plain = matching(restart, RESTART, where + ": restart", "no, always, unless-stopped or on-failure[:N]");
        if (policy == null) {
            return plain;
        }
        String what = where + ": deploy.restart_policy";
        Map<String, NodeTuple> keys = Nodes.keys(
                policy.getValueNode(), what, Set.of("condition", "delay", "max_attempts", "window"), Set.of(), "");
        String condition = keys.containsKey("condition")
                ? scalar(keys.get("condition").getValueNode(), what + ".condition")
                        .strip()
                : "any";
        Long attempts = keys.containsKey("max_attempts")
                ? LimitsReader.range(
                        keys.get("max_attempts").getValueNode(), what + ".max_attempts", 0, Integer.MAX_VALUE)
                : null;
        // Compose v2 also passes the engine's own names through (no, always, unless-stopped): files use them.
        String mapped = switch (condition) {
            case "none", "no" -> "no";
            case "any", "always" -> "always";
            case "unless-stopped" -> "unless-stopped";
            case "on-failure" -> "on-failure" + (attempts == null || attempts == 0 ? "" : ":" + attempts);
            default ->
                throw error(
                        keys.get("condition").getValueNode(),
                        what + ".condition \"" + condition + "\" is not valid: use none, on-failure or any (or the"
                                + " engine's no, always, unless-stopped)");
        };
        if (attempts != null && attempts != 0 && !condition.equals("on-failure")) {
            throw error(
                    keys.get("max_attempts").getValueNode(),
                    what + ".max_attempts applies only to condition on-failure: the engine refuses a retry count"
                            + " with " + mapped);
        }
        for (String swarmOnly : List.of("delay", "window")) {
            if (keys.containsKey(swarmOnly)) {
                duration(keys.get(swarmOnly), what);
                context.warn(
                        keys.get(swarmOnly).getKeyNode(),
                        what + "." + swarmOnly + " is ignored: only Swarm applies it; the engine restarts with its own"
                                + " back-off");
            }
        }
        if (plain != null && !plain.equals(mapped)) {
            context.warn(
                    restart.getValueNode(),
                    where + ": restart " + plain + " is overridden by deploy.restart_policy (" + mapped
                            + "), as Compose does; keep one of them");
        }
        return mapped;
    }

    /** {@code group_add}: group names or numbers. */
    private static List<String> groups(@Nullable NodeTuple tuple, String what) {
        List<String> result = new ArrayList<>();
        for (String group : stringOrList(tuple, what)) {
            String name = group.strip();
            if (!GROUP.matcher(name).matches()) {
                throw error(tuple.getValueNode(), what + ": \"" + group + "\" is not a group name or number");
            }
            result.add(name);
        }
        return result;
    }

    /** A single value or a list of values without blanks. */
    private static List<String> names(@Nullable NodeTuple tuple, String what, String expected) {
        List<String> result = new ArrayList<>();
        for (String value : stringOrList(tuple, what)) {
            String name = value.strip();
            if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ')) {
                throw error(tuple.getValueNode(), what + ": \"" + value + "\" is not valid: write " + expected);
            }
            result.add(name);
        }
        return result;
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
