package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.scalar;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * {@code container_name}, as Compose reads it: the exact name of the service's one container,
 * interpolated, checked against Docker's rule for container names, refused with more than one replica
 * and refused when two services of the stack ask for the same name. Stateless.
 */
public final class ContainerNames {
    /** Docker's rule for a container name (the engine refuses any other). */
    public static final Pattern DOCKER_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");

    private ContainerNames() {}

    /**
     * The service's {@code container_name}, or null when it sets none.
     *
     * @param replicas the replicas {@code deploy.replicas} or {@code scale} ask for
     * @param deferred true when the name may hold a variable only the deployer's host sets (the watcher,
     *     whose value is empty for now): a name that does not hold is then left to the deployer
     */
    static @Nullable String read(Map<String, NodeTuple> keys, String where, int replicas, boolean deferred) {
        NodeTuple tuple = keys.get("container_name");
        if (tuple == null) {
            return null;
        }
        String name = scalar(tuple.getValueNode(), where + ": container_name").strip();
        if (replicas > 1) {
            NodeTuple count = keys.containsKey("scale") ? keys.get("scale") : replicasKey(keys);
            String key = keys.containsKey("scale") ? "scale" : "deploy.replicas";
            throw error(
                    tuple.getKeyNode(),
                    where + ": container_name \"" + name + "\" and " + key + " " + replicas
                            + (count == null ? "" : " (line " + line(count) + ")")
                            + " exclude each other: Docker gives one container that name, so Compose refuses more"
                            + " than one replica of it; remove container_name, or set " + key + " to 1");
        }
        if (!DOCKER_NAME.matcher(name).matches()) {
            if (deferred) {
                return name;
            }
            throw error(
                    tuple.getValueNode(),
                    where + ": container_name \"" + name + "\" is not a valid container name: Docker's rule is"
                            + " [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two characters or more, letters, digits, '_', '.' and '-',"
                            + " starting with a letter or digit); rename it");
        }
        return name;
    }

    private static @Nullable NodeTuple replicasKey(Map<String, NodeTuple> keys) {
        NodeTuple deploy = keys.get("deploy");
        if (deploy == null) {
            return null;
        }
        return Nodes.mapping(deploy.getValueNode(), "deploy").get("replicas");
    }

    private static int line(NodeTuple tuple) {
        return tuple.getKeyNode().getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }

    /** Refuses two services of one stack that ask for the same {@code container_name}. */
    static void checkDistinct(Collection<ServiceReader.Read> services) {
        Map<String, ServiceReader.Read> byName = new HashMap<>();
        for (ServiceReader.Read read : services) {
            String name = read.spec().containerName();
            if (name == null || read.spec().replicas() == 0) {
                continue;
            }
            ServiceReader.Read first = byName.putIfAbsent(name, read);
            if (first != null) {
                NodeTuple at = read.keys().get("container_name");
                throw error(
                        at.getValueNode(),
                        "service \"" + read.spec().name() + "\": container_name \"" + name + "\" is already the"
                                + " container_name of service \"" + first.spec().name() + "\" (line "
                                + line(first.keys().get("container_name")) + "); Docker names one container so:"
                                + " give each service its own name");
            }
        }
    }
}
