package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.keys;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;
import static dev.berth.common.compose.Nodes.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/** A service's {@code secrets} and {@code configs}, short and long syntax. Stateless. */
final class FileMounts {
    private FileMounts() {}

    /** Where a secret or config lands: secrets under {@code /run/secrets/}, configs under {@code /}. */
    static String target(boolean secret, String target) {
        if (target.startsWith("/")) {
            return target;
        }
        return (secret ? "/run/secrets/" : "/") + target;
    }

    /**
     * @param declared the top-level secrets or configs, by key
     * @param used collects the keys the service uses
     */
    static List<ServiceSpec.FileMount> read(
            @Nullable NodeTuple tuple,
            boolean secret,
            String where,
            Map<String, NodeTuple> declared,
            Set<String> used) {
        List<ServiceSpec.FileMount> result = new ArrayList<>();
        if (tuple == null) {
            return result;
        }
        String kind = secret ? "secret" : "config";
        String what = where + ": " + kind + "s";
        for (Node item : sequence(tuple.getValueNode(), what)) {
            ServiceSpec.FileMount mount;
            Node sourceNode;
            if (item instanceof MappingNode) {
                Map<String, NodeTuple> keys = keys(
                        item,
                        "a " + kind + " of " + where,
                        Set.of("source", "target", "uid", "gid", "mode"),
                        Set.of(),
                        "");
                if (!keys.containsKey("source")) {
                    throw error(item, what + ": a " + kind + " in long syntax needs \"source\"");
                }
                sourceNode = keys.get("source").getValueNode();
                String source = scalar(sourceNode, what + ": source");
                String target = text(keys.get("target"), what + ": target");
                Integer mode = null;
                if (keys.containsKey("mode")) {
                    Node modeNode = keys.get("mode").getValueNode();
                    mode = mode(modeNode, scalar(modeNode, what + ": mode"), what + ": mode");
                }
                mount = new ServiceSpec.FileMount(
                        source,
                        target(secret, target == null ? source : target),
                        text(keys.get("uid"), what + ": uid"),
                        text(keys.get("gid"), what + ": gid"),
                        mode);
            } else {
                sourceNode = item;
                String source = scalar(item, "an item of " + what);
                mount = new ServiceSpec.FileMount(source, target(secret, source), null, null, null);
            }
            if (!declared.containsKey(mount.source())) {
                throw error(
                        sourceNode,
                        where + " uses " + kind + " \"" + mount.source() + "\", which is not declared under the"
                                + " top-level " + kind + "s: declare it there with its file"
                                + Nodes.suggestion(mount.source(), declared.keySet())
                                        .map(n -> " (or did you mean \"" + n + "\"?)")
                                        .orElse(""));
            }
            used.add(mount.source());
            result.add(mount);
        }
        return result;
    }

    /** A file mode as Compose reads it: {@code 0440} and {@code 0o440} octal, {@code 0x..} hex, else decimal. */
    static int mode(Node at, String text, String what) {
        String t = text.strip();
        try {
            int value;
            if (t.startsWith("0o") || t.startsWith("0O")) {
                value = Integer.parseInt(t.substring(2), 8);
            } else if (t.startsWith("0x") || t.startsWith("0X")) {
                value = Integer.parseInt(t.substring(2), 16);
            } else if (t.length() > 1 && t.startsWith("0")) {
                value = Integer.parseInt(t.substring(1), 8);
            } else {
                value = Integer.parseInt(t);
            }
            if (value >= 0 && value <= 07777) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error(at, what + " \"" + text + "\" is not a file mode; write it in octal, like 0440");
    }
}
