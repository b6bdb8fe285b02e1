package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * A service's {@code links}, {@code external_links} and {@code volumes_from}. A service they name is a
 * dependency (started), as Compose orders them; a container outside the stack is reached only where
 * the environment's policy allows joining one ({@code join-container}) for {@code volumes_from}, which
 * mounts its data. Used by one parse.
 */
final class LinksReader {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    private final ComposePolicy policy;

    LinksReader(ComposePolicy policy) {
        this.policy = policy;
    }

    /** {@code links} ({@code service[:alias]}) then {@code external_links} ({@code container[:alias]}). */
    List<ServiceSpec.Link> links(Map<String, NodeTuple> keys, String where) {
        List<ServiceSpec.Link> result = new ArrayList<>();
        for (Item item : items(keys.get("links"), where + ": links")) {
            String[] parts = split(item, where + ": links", "service[:alias]");
            result.add(new ServiceSpec.Link(parts[0], null, parts[1]));
        }
        for (Item item : items(keys.get("external_links"), where + ": external_links")) {
            String[] parts = split(item, where + ": external_links", "container[:alias]");
            result.add(new ServiceSpec.Link(null, parts[0], parts[1]));
        }
        return result;
    }

    /** {@code volumes_from}: {@code service[:ro|rw]} or {@code container:name[:ro|rw]}. */
    List<ServiceSpec.VolumesFrom> volumesFrom(@Nullable NodeTuple tuple, String where) {
        List<ServiceSpec.VolumesFrom> result = new ArrayList<>();
        String what = where + ": volumes_from";
        for (Item item : items(tuple, what)) {
            String text = item.text().strip();
            boolean container = text.startsWith("container:");
            String rest = container ? text.substring("container:".length()) : text;
            String[] parts = rest.split(":", -1);
            boolean readOnly = false;
            if (parts.length == 2 && (parts[1].equals("ro") || parts[1].equals("rw"))) {
                readOnly = parts[1].equals("ro");
            } else if (parts.length != 1) {
                throw error(item.node(), what + " \"" + text + "\" is not service[:ro|rw] or container:name[:ro|rw]");
            }
            if (!NAME.matcher(parts[0]).matches()) {
                throw error(
                        item.node(),
                        what + " \"" + text + "\": \"" + parts[0] + "\" is not a service or" + " container name");
            }
            if (container && !policy.allows(ComposePolicy.JOIN_CONTAINER)) {
                throw error(
                        item.node(),
                        what + " " + text + " mounts the volumes of a container outside the stack; the"
                                + " environment's policy refuses it: allow it for the environment with --allow "
                                + ComposePolicy.JOIN_CONTAINER + ", or name a service of this stack");
            }
            result.add(new ServiceSpec.VolumesFrom(container ? null : parts[0], container ? parts[0] : null, readOnly));
        }
        return result;
    }

    private static String[] split(Item item, String what, String form) {
        String text = item.text().strip();
        String[] parts = text.split(":", -1);
        if (parts.length > 2
                || !NAME.matcher(parts[0]).matches()
                || (parts.length == 2 && !NAME.matcher(parts[1]).matches())) {
            throw error(item.node(), what + " \"" + text + "\" is not " + form);
        }
        return new String[] {parts[0], parts.length == 2 ? parts[1] : parts[0]};
    }

    private record Item(Node node, String text) {}

    private static List<Item> items(@Nullable NodeTuple tuple, String what) {
        List<Item> result = new ArrayList<>();
        if (tuple == null) {
            return result;
        }
        for (Node item : sequence(tuple.getValueNode(), what)) {
            result.add(new Item(item, scalar(item, "an item of " + what)));
        }
        return result;
    }
}
