package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.flag;
import static dev.berth.common.compose.Nodes.keys;
import static dev.berth.common.compose.Nodes.mapping;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * A service's container environment: its {@code env_file}s in order, then {@code environment} over
 * them. A name without a value takes the variable's value as Compose takes it from the shell: from
 * the environment's variables and the stack's {@code .env}, else from the deployer's host; unset, it
 * is left out of the container's environment. Used by one parse.
 */
final class Environments {
    private final StackContext context;

    Environments(StackContext context) {
        this.context = context;
    }

    Map<String, String> environment(Map<String, NodeTuple> keys, String where) {
        Map<String, String> result = new LinkedHashMap<>();
        NodeTuple envFile = keys.get("env_file");
        if (envFile != null) {
            readEnvFiles(envFile, where, result);
        }
        resolve(keys.get("environment"), where + ": environment", true, result);
        return result;
    }

    /**
     * {@code KEY: value} mappings and {@code KEY=value} lists into {@code result}; a name without a value
     * is resolved from the variables (and removed from {@code result} when unset).
     */
    void resolve(@Nullable NodeTuple tuple, String what, boolean nullIsVariable, Map<String, String> result) {
        if (tuple == null) {
            return;
        }
        Node node = tuple.getValueNode();
        if (node instanceof SequenceNode) {
            for (Node item : sequence(node, what)) {
                String text = scalar(item, "an item of " + what);
                int eq = text.indexOf('=');
                String key = eq < 0 ? text : text.substring(0, eq);
                if (key.isBlank()) {
                    throw error(item, what + ": \"" + text + "\" has no name before '='");
                }
                if (eq < 0) {
                    fromVariables(key, result);
                } else {
                    result.put(key, text.substring(eq + 1));
                }
            }
            return;
        }
        for (Map.Entry<String, NodeTuple> entry : mapping(node, what).entrySet()) {
            Node value = entry.getValue().getValueNode();
            String text = scalar(value, what + ": " + entry.getKey());
            if (nullIsVariable && Nodes.isNull(value)) {
                fromVariables(entry.getKey(), result);
            } else {
                result.put(entry.getKey(), text);
            }
        }
    }

    private void fromVariables(String name, Map<String, String> result) {
        Optional<String> value = context.variable(name);
        if (value.isPresent()) {
            result.put(name, value.get());
        } else {
            result.remove(name);
        }
    }

    private void readEnvFiles(NodeTuple tuple, String where, Map<String, String> result) {
        String what = where + ": env_file";
        Node node = tuple.getValueNode();
        List<Node> items = node instanceof ScalarNode ? List.of(node) : sequence(node, what);
        for (Node item : items) {
            Node pathNode = item;
            boolean required = true;
            boolean raw = false;
            if (item instanceof MappingNode) {
                Map<String, NodeTuple> options =
                        keys(item, "an item of " + what, Set.of("path", "required", "format"), Set.of(), "");
                if (!options.containsKey("path")) {
                    throw error(item, what + ": an entry in long syntax needs \"path\"");
                }
                pathNode = options.get("path").getValueNode();
                if (options.containsKey("required")) {
                    required = flag(options.get("required"), what + ": required");
                }
                if (options.containsKey("format")) {
                    Node format = options.get("format").getValueNode();
                    String value = scalar(format, what + ": format");
                    if (!value.equals("raw")) {
                        throw error(format, what + ": format \"" + value + "\" is not known; use raw, or leave it out");
                    }
                    raw = true;
                }
            }
            String written = scalar(pathNode, "an item of " + what).strip();
            if (written.startsWith("/") || written.startsWith("~")) {
                throw error(
                        pathNode,
                        what + " \"" + written + "\" is outside the repository; name a file of the repository,"
                                + " relative to the compose file");
            }
            String path = context.repoPath(pathNode, written, what);
            Optional<String> content = context.files.isFile(path) ? context.files.text(path) : Optional.empty();
            if (content.isEmpty()) {
                if (required) {
                    throw error(
                            pathNode,
                            what + " \"" + written + "\" (" + path + ") does not exist in the repository: commit it,"
                                    + " fix the path, or mark it optional with {path: " + written
                                    + ", required: false}");
                }
                // Used all the same: a commit that adds it changes the stack.
                context.use(path);
                continue;
            }
            context.use(path);
            if (content.get().length() > YamlLimits.MAX_DOCUMENT_CHARS) {
                throw new ComposeException(path, 0, 0, "file is larger than 1 MiB");
            }
            List<DotEnv.Entry> entries =
                    raw ? DotEnv.rawEntries(path, content.get()) : DotEnv.entries(path, content.get(), true);
            Map<String, String> own = new LinkedHashMap<>();
            for (DotEnv.Entry entry : entries) {
                if (entry.value() == null) {
                    fromVariables(entry.key(), own);
                } else if (entry.literal()) {
                    own.put(entry.key(), entry.value());
                } else {
                    // Values may use the file's earlier variables, then the stack's.
                    Interpolation interpolation = new Interpolation(
                            name -> own.containsKey(name) ? Optional.of(own.get(name)) : context.variable(name),
                            name -> !own.containsKey(name)
                                    && context.watcher()
                                    && !context.variables.containsKey(name));
                    try {
                        own.put(entry.key(), interpolation.apply(entry.value()));
                    } catch (Interpolation.Failure e) {
                        throw new ComposeException(path, entry.line(), 1, e.getMessage());
                    }
                }
            }
            result.putAll(own);
            // A later file's bare name that is unset removes an earlier file's value too.
            for (DotEnv.Entry entry : entries) {
                if (!own.containsKey(entry.key())) {
                    result.remove(entry.key());
                }
            }
        }
    }

    /** {@code build.args}: names without a value take the variable's, and are left out when unset. */
    Map<String, String> buildArgs(@Nullable NodeTuple tuple, String what) {
        Map<String, String> result = new LinkedHashMap<>();
        resolve(tuple, what, true, result);
        return result;
    }
}
