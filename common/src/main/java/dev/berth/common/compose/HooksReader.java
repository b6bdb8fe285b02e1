package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.flag;
import static dev.berth.common.compose.Nodes.keyValues;
import static dev.berth.common.compose.Nodes.keys;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * {@code post_start} and {@code pre_stop}: lists of hooks, each a command with the user, privilege,
 * working directory and environment it runs with in the container. Pure.
 */
final class HooksReader {
    /** More hooks than this on one service is refused: each runs one after the other on every start or stop. */
    static final int MAX_HOOKS = 32;

    private static final Set<String> HOOK_KEYS = Set.of("command", "user", "privileged", "working_dir", "environment");

    private final ComposePolicy policy;

    HooksReader(ComposePolicy policy) {
        this.policy = policy;
    }

    /** The hooks under {@code key} ({@code post_start} or {@code pre_stop}); empty when it is absent. */
    List<ServiceSpec.Hook> read(Map<String, NodeTuple> keys, String key, String where) {
        NodeTuple tuple = keys.get(key);
        List<ServiceSpec.Hook> hooks = new ArrayList<>();
        if (tuple == null || Nodes.isNull(tuple.getValueNode())) {
            return hooks;
        }
        String what = where + ": " + key;
        List<Node> items = sequence(tuple.getValueNode(), what);
        if (items.size() > MAX_HOOKS) {
            throw error(
                    tuple.getValueNode(),
                    what + " has " + items.size() + " hooks; at most " + MAX_HOOKS + " are run: join some into one"
                            + " script");
        }
        for (int i = 0; i < items.size(); i++) {
            hooks.add(hook(items.get(i), what + "[" + i + "]"));
        }
        return hooks;
    }

    private ServiceSpec.Hook hook(Node node, String what) {
        Map<String, NodeTuple> keys = keys(node, what, HOOK_KEYS, Set.of(), "");
        NodeTuple commandTuple = keys.get("command");
        if (commandTuple == null || Nodes.isNull(commandTuple.getValueNode())) {
            throw error(
                    node,
                    what + " has no command: add \"command: <command>\" (a string, split as a shell would, or a"
                            + " list)");
        }
        List<String> command = ServiceReader.command(commandTuple.getValueNode(), what + ": command");
        if (command.isEmpty() || command.get(0).isBlank()) {
            throw error(commandTuple.getValueNode(), what + ": command is empty: name the program to run");
        }
        boolean privileged = flag(keys.get("privileged"), what + ": privileged");
        if (privileged && !policy.privileged()) {
            throw error(
                    keys.get("privileged").getValueNode(),
                    what + ": privileged runs the hook with full control of the host; the environment's policy"
                            + " refuses it: allow it for the environment with --allow " + ComposePolicy.PRIVILEGED
                            + ", or drop privileged from the hook");
        }
        return new ServiceSpec.Hook(
                command,
                optional(keys.get("user"), what + ": user"),
                privileged,
                workingDir(keys.get("working_dir"), what + ": working_dir"),
                keyValues(keys.get("environment"), what + ": environment"));
    }

    private static @Nullable String optional(@Nullable NodeTuple tuple, String what) {
        if (tuple == null || Nodes.isNull(tuple.getValueNode())) {
            return null;
        }
        String value = scalar(tuple.getValueNode(), what).strip();
        if (value.isEmpty()) {
            throw error(tuple.getValueNode(), what + " is empty: name one, or leave the key out");
        }
        return value;
    }

    private static @Nullable String workingDir(@Nullable NodeTuple tuple, String what) {
        String dir = optional(tuple, what);
        if (dir != null && !dir.startsWith("/")) {
            throw error(
                    Objects.requireNonNull(tuple).getValueNode(),
                    what + " \"" + dir + "\" is not an absolute path in the container: start it with /");
        }
        return dir;
    }
}
