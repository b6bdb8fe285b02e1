package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.duration;
import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.keys;
import static dev.berth.common.compose.Nodes.mapping;
import static dev.berth.common.compose.Nodes.scalar;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * A service's {@code deploy.update_config} and {@code x-berth} extension: how it is rolled out. Stateless.
 * {@link #update} is public: an environment file's {@code deploy.update_config} (its defaults for every
 * service) is read by the same rule, with the same messages.
 */
public final class PolicyReader {
    private static final Set<String> UPDATE_KEYS =
            Set.of("parallelism", "delay", "failure_action", "monitor", "max_failure_ratio", "order");
    private static final Set<String> BERTH_KEYS = Set.of("gate");
    private static final Set<String> GATE_KEYS = Set.of("timeout", "probe");
    private static final Set<String> PROBE_KEYS = Set.of("http", "tcp", "interval");
    private static final Set<String> HTTP_KEYS = Set.of("port", "path", "status");
    private static final Set<String> TCP_KEYS = Set.of("port");

    private PolicyReader() {}

    /**
     * {@code deploy.update_config}, with Compose's meaning for each key: each key it does not set, or
     * all of them when it is absent, from {@code defaults} (the environment's update defaults, else
     * {@link UpdatePolicy#DEFAULT}).
     *
     * @param what where it is, for messages: {@code service "web": deploy.update_config}
     * @throws ComposeException at the offending node: an unknown key or a value that is not valid,
     *     with what to write instead
     */
    public static UpdatePolicy update(@Nullable NodeTuple tuple, String what, UpdatePolicy defaults) {
        if (tuple == null) {
            return defaults;
        }
        Map<String, NodeTuple> keys = strictKeys(tuple.getValueNode(), what, UPDATE_KEYS);
        UpdatePolicy d = defaults;
        UpdatePolicy.Order order = d.order();
        if (keys.containsKey("order")) {
            Node node = keys.get("order").getValueNode();
            order = switch (scalar(node, what + ".order").strip()) {
                case "stop-first" -> UpdatePolicy.Order.STOP_FIRST;
                case "start-first" -> UpdatePolicy.Order.START_FIRST;
                default ->
                    throw error(
                            node,
                            what + ".order \"" + scalar(node, what) + "\" is not valid: use stop-first or start-first");
            };
        }
        int parallelism = d.parallelism();
        if (keys.containsKey("parallelism")) {
            Node node = keys.get("parallelism").getValueNode();
            String text = scalar(node, what + ".parallelism").strip();
            try {
                parallelism = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                parallelism = -1;
            }
            if (parallelism < 0) {
                throw error(
                        node,
                        what + ".parallelism \"" + text + "\" is not valid: write how many replicas are replaced at"
                                + " once, 1 or more (0 replaces them all at once)");
            }
        }
        UpdatePolicy.FailureAction action = d.failureAction();
        if (keys.containsKey("failure_action")) {
            Node node = keys.get("failure_action").getValueNode();
            String text = scalar(node, what + ".failure_action").strip();
            action = switch (text) {
                case "rollback" -> UpdatePolicy.FailureAction.ROLLBACK;
                case "pause" -> UpdatePolicy.FailureAction.PAUSE;
                case "continue" -> UpdatePolicy.FailureAction.CONTINUE;
                default ->
                    throw error(
                            node,
                            what + ".failure_action \"" + text
                                    + "\" is not valid: use rollback (Berth's default), pause or continue");
            };
        }
        double ratio = d.maxFailureRatio();
        if (keys.containsKey("max_failure_ratio")) {
            Node node = keys.get("max_failure_ratio").getValueNode();
            String text = scalar(node, what + ".max_failure_ratio").strip();
            try {
                ratio = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                ratio = -1;
            }
            if (!(ratio >= 0 && ratio <= 1)) {
                throw error(
                        node,
                        what + ".max_failure_ratio \"" + text + "\" is not valid: write the share of replicas that"
                                + " may fail, from 0 to 1, like 0.25");
            }
        }
        Duration delay = duration(keys.get("delay"), what);
        Duration monitor = duration(keys.get("monitor"), what);
        return new UpdatePolicy(
                order,
                parallelism,
                delay == null ? d.delay() : delay,
                monitor == null ? d.monitor() : monitor,
                action,
                ratio);
    }

    /**
     * The service's {@code x-berth} extension, or {@link GateSpec#NONE} when it is absent.
     *
     * @param healthcheck the service's own health check: a gate timeout shorter than its start period
     *     could never let a slow container pass
     */
    static GateSpec gate(@Nullable NodeTuple tuple, String where, @Nullable HealthCheck healthcheck) {
        if (tuple == null || Nodes.isNull(tuple.getValueNode())) {
            return GateSpec.NONE;
        }
        String what = where + ": x-berth";
        Map<String, NodeTuple> berth = strictKeys(tuple.getValueNode(), what, BERTH_KEYS);
        NodeTuple gateTuple = berth.get("gate");
        if (gateTuple == null) {
            return GateSpec.NONE;
        }
        String gateWhat = what + ".gate";
        Map<String, NodeTuple> gate = strictKeys(gateTuple.getValueNode(), gateWhat, GATE_KEYS);
        Duration timeout = duration(gate.get("timeout"), gateWhat);
        if (timeout != null) {
            Node at = gate.get("timeout").getValueNode();
            if (timeout.isZero()) {
                throw error(at, gateWhat + ".timeout must be longer than 0s, like 2m");
            }
            Duration startPeriod = healthcheck == null ? null : healthcheck.startPeriod();
            if (startPeriod != null && timeout.compareTo(startPeriod) < 0) {
                throw error(
                        at,
                        gateWhat + ".timeout " + scalar(at, gateWhat) + " is shorter than the healthcheck's"
                                + " start_period (" + startPeriod.toSeconds() + "s): a container that needs its"
                                + " start period would always fail the gate; make the timeout longer than the"
                                + " start period");
            }
        }
        GateSpec.Probe probe = gate.containsKey("probe") ? probe(gate.get("probe"), gateWhat + ".probe") : null;
        return new GateSpec(timeout, probe);
    }

    private static GateSpec.Probe probe(NodeTuple tuple, String what) {
        Map<String, NodeTuple> keys = strictKeys(tuple.getValueNode(), what, PROBE_KEYS);
        if (keys.containsKey("http") == keys.containsKey("tcp")) {
            throw error(
                    tuple.getKeyNode(),
                    what + " needs exactly one of http (port, path, status) or tcp (port), like"
                            + " \"http: {port: 8080, path: /health}\"");
        }
        Duration interval = duration(keys.get("interval"), what);
        if (interval != null && interval.isZero()) {
            throw error(keys.get("interval").getValueNode(), what + ".interval must be longer than 0s, like 1s");
        }
        interval = interval == null ? GateSpec.Probe.DEFAULT_INTERVAL : interval;
        if (keys.containsKey("tcp")) {
            NodeTuple tcp = keys.get("tcp");
            Map<String, NodeTuple> options = strictKeys(tcp.getValueNode(), what + ".tcp", TCP_KEYS);
            return new GateSpec.Probe(GateSpec.Probe.Kind.TCP, port(tcp, options, what + ".tcp"), "", 0, interval);
        }
        NodeTuple http = keys.get("http");
        String httpWhat = what + ".http";
        Map<String, NodeTuple> options = strictKeys(http.getValueNode(), httpWhat, HTTP_KEYS);
        String path = "/";
        if (options.containsKey("path")) {
            Node node = options.get("path").getValueNode();
            path = scalar(node, httpWhat + ".path").strip();
            if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ')) {
                throw error(
                        node, httpWhat + ".path \"" + path + "\" must start with / and hold no spaces, like /health");
            }
        }
        int status = 200;
        if (options.containsKey("status")) {
            Node node = options.get("status").getValueNode();
            String text = scalar(node, httpWhat + ".status").strip();
            try {
                status = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                status = 0;
            }
            if (status < 100 || status > 599) {
                throw error(node, httpWhat + ".status \"" + text + "\" is not an HTTP status (100 to 599), like 200");
            }
        }
        return new GateSpec.Probe(GateSpec.Probe.Kind.HTTP, port(http, options, httpWhat), path, status, interval);
    }

    private static int port(NodeTuple parent, Map<String, NodeTuple> options, String what) {
        NodeTuple port = options.get("port");
        if (port == null) {
            throw error(parent.getKeyNode(), what + " needs port: the container port to probe, like 8080");
        }
        Node node = port.getValueNode();
        return Nodes.port(node, scalar(node, what + ".port"), what + ".port");
    }

    /** A mapping whose keys must all be {@code known}: Berth's own keys have no {@code x-} escape hatch. */
    private static Map<String, NodeTuple> strictKeys(Node node, String what, Set<String> known) {
        Map<String, NodeTuple> result = mapping(node, what);
        for (Map.Entry<String, NodeTuple> entry : result.entrySet()) {
            if (!known.contains(entry.getKey())) {
                throw error(
                        entry.getValue().getKeyNode(),
                        what + ": unknown key \"" + entry.getKey() + "\""
                                + Nodes.suggestion(entry.getKey(), known)
                                        .map(n -> ": did you mean \"" + n + "\"?")
                                        .orElse("; use "
                                                + String.join(
                                                        ", ",
                                                        known.stream().sorted().toList())));
            }
        }
        return result;
    }
}
