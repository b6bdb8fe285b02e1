package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.mapping;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;
import static dev.berth.common.compose.Nodes.size;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * A service's {@link ContainerOptions.Resources}: {@code deploy.resources} and the service keys that
 * set the same limits ({@code mem_limit}, {@code cpus}, {@code pids_limit}, {@code mem_reservation}).
 * When both set one, they must agree, as the Compose specification requires. Stateless.
 */
final class ResourcesReader {
    private ResourcesReader() {}

    /** One limit as the service key and as {@code deploy.resources} set it, with where each is. */
    private record Both(
            @Nullable Long service,
            @Nullable NodeTuple serviceTuple,
            @Nullable Long deploy) {}

    static ContainerOptions.Resources resources(
            StackContext context, Map<String, NodeTuple> keys, @Nullable NodeTuple deploy, String where) {
        String what = where + ": deploy.resources";
        Long memory = null;
        Long cpus = null;
        Long pids = null;
        Long reservation = null;
        List<ContainerOptions.DeviceRequest> devices = new ArrayList<>();
        NodeTuple gpus = keys.get("gpus");
        if (gpus != null) {
            devices.addAll(devices(context, gpus.getValueNode(), where + ": gpus", true));
        }
        if (deploy != null) {
            for (Map.Entry<String, NodeTuple> entry :
                    mapping(deploy.getValueNode(), what).entrySet()) {
                String part = what + "." + entry.getKey();
                Map<String, NodeTuple> values = mapping(entry.getValue().getValueNode(), part);
                for (Map.Entry<String, NodeTuple> value : values.entrySet()) {
                    String key = entry.getKey() + "." + value.getKey();
                    Node node = value.getValue().getValueNode();
                    switch (key) {
                        case "limits.memory" -> memory = size(node, part + ".memory");
                        case "limits.cpus" -> cpus = cpus(node, part + ".cpus");
                        case "limits.pids" -> pids = pids(node, part + ".pids");
                        case "reservations.memory" -> reservation = size(node, part + ".memory");
                        case "reservations.cpus" -> {
                            cpus(node, part + ".cpus");
                            context.warn(
                                    value.getValue().getKeyNode(),
                                    what + ".reservations.cpus is ignored: only Swarm reserves CPUs (Compose does not"
                                            + " apply it on one engine); use limits.cpus or cpu_shares");
                        }
                        case "reservations.devices" -> devices.addAll(devices(context, node, part + ".devices", false));
                        default ->
                            throw error(
                                    value.getValue().getKeyNode(),
                                    what + "." + key
                                            + " is not supported by this version of Berth; it applies limits.memory,"
                                            + " limits.cpus, limits.pids, reservations.memory, reservations.devices"
                                            + " and reservations.cpus (ignored, as Compose does)");
                    }
                }
            }
        }
        return new ContainerOptions.Resources(
                agree(keys, "mem_limit", "limits.memory", memory, where, ResourcesReader::bytes),
                agree(keys, "cpus", "limits.cpus", cpus, where, ResourcesReader::cpus),
                agree(keys, "pids_limit", "limits.pids", pids, where, ResourcesReader::pids),
                agree(keys, "mem_reservation", "reservations.memory", reservation, where, ResourcesReader::bytes),
                devices);
    }

    /**
     * {@code gpus} ({@code all}, or a list of requests whose capability is {@code gpu}) or
     * {@code reservations.devices} (a list of requests naming their capabilities); each needs the
     * {@code gpu} allowance: a device driver gives the container the host's hardware.
     */
    private static List<ContainerOptions.DeviceRequest> devices(
            StackContext context, Node node, String what, boolean gpus) {
        List<ContainerOptions.DeviceRequest> result = new ArrayList<>();
        if (gpus && node instanceof ScalarNode) {
            String value = scalar(node, what).strip();
            if (!value.equals("all")) {
                throw error(
                        node,
                        what + " \"" + value + "\" is not valid: use all, or a list of requests with driver,"
                                + " count, device_ids and options");
            }
            result.add(new ContainerOptions.DeviceRequest(null, -1, List.of(), List.of("gpu"), Map.of()));
        } else {
            for (Node item : sequence(node, what)) {
                result.add(device(item, what, gpus));
            }
        }
        if (!result.isEmpty() && !context.policy.allows(ComposePolicy.GPU)) {
            throw error(
                    node,
                    what + " gives the container the host's devices (GPUs) through a device driver; the"
                            + " environment's policy refuses it: allow it for the environment with --allow "
                            + ComposePolicy.GPU);
        }
        return result;
    }

    private static ContainerOptions.DeviceRequest device(Node item, String what, boolean gpus) {
        Map<String, NodeTuple> keys = Nodes.keys(
                item,
                "an item of " + what,
                Set.of("capabilities", "driver", "count", "device_ids", "options"),
                Set.of(),
                "");
        List<String> capabilities =
                new ArrayList<>(Nodes.stringOrList(keys.get("capabilities"), what + ".capabilities"));
        if (gpus && !capabilities.contains("gpu")) {
            capabilities.add(0, "gpu");
        }
        if (capabilities.isEmpty()) {
            throw error(item, "an item of " + what + " needs capabilities, like [gpu]");
        }
        List<String> ids = Nodes.stringOrList(keys.get("device_ids"), what + ".device_ids");
        int count = ids.isEmpty() ? -1 : 0;
        if (keys.containsKey("count")) {
            Node countNode = keys.get("count").getValueNode();
            if (!ids.isEmpty()) {
                throw error(countNode, what + ": count and device_ids exclude each other; keep one of them");
            }
            count = scalar(countNode, what + ".count").strip().equals("all")
                    ? -1
                    : (int) LimitsReader.range(countNode, what + ".count", 1, 1_024);
        }
        String driver = Nodes.text(keys.get("driver"), what + ".driver");
        return new ContainerOptions.DeviceRequest(
                driver == null || driver.isBlank() ? null : driver.strip(),
                count,
                ids,
                capabilities,
                Nodes.keyValues(keys.get("options"), what + ".options"));
    }

    private interface Reader {
        @Nullable
        Long read(Node node, String what);
    }

    /** The value of a service key or of its {@code deploy.resources} twin; both set must be equal. */
    private static @Nullable Long agree(
            Map<String, NodeTuple> keys,
            String key,
            String deployKey,
            @Nullable Long fromDeploy,
            String where,
            Reader reader) {
        NodeTuple tuple = keys.get(key);
        if (tuple == null) {
            return fromDeploy;
        }
        Long own = reader.read(tuple.getValueNode(), where + ": " + key);
        if (fromDeploy != null && !Objects.equals(own, fromDeploy)) {
            throw error(
                    tuple.getKeyNode(),
                    where + ": " + key + " and deploy.resources." + deployKey + " disagree (" + own + " and "
                            + fromDeploy + "); Compose requires them to be equal: keep one of them");
        }
        return own;
    }

    /** A size; 0 is no limit. */
    private static @Nullable Long bytes(Node node, String what) {
        long bytes = size(node, what);
        return bytes == 0 ? null : bytes;
    }

    /** CPUs as billionths, as Docker counts them; {@code 0} is no limit, as Compose reads it. */
    static @Nullable Long cpus(Node node, String what) {
        String text = scalar(node, what).strip();
        try {
            double cpus = Double.parseDouble(text);
            if (cpus == 0) {
                return null;
            }
            if (cpus > 0 && !Double.isInfinite(cpus)) {
                return (long) (cpus * 1_000_000_000L);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error(node, what + " \"" + text + "\" is not a number of CPUs, like 0.5 or 2 (0 for no limit)");
    }

    /** A PIDs limit: -1 (or 0) for none, as the engine reads it. */
    private static @Nullable Long pids(Node node, String what) {
        long pids = LimitsReader.range(node, what, -1, Long.MAX_VALUE);
        return pids == 0 ? null : pids;
    }
}
