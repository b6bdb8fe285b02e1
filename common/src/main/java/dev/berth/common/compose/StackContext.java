package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * What one parse knows beyond the document: the policy, the repository's files, the variables, the
 * host (deployer mode) or its absence (watcher mode), and what the parse collects on the way: the
 * host variables the document needs and the repository paths it uses. Used by one thread, for one
 * parse.
 */
final class StackContext {
    final String composeFile;
    final ComposePolicy policy;
    final UpdatePolicy updateDefaults;
    final RepoFiles files;
    final Map<String, String> variables;
    final @Nullable HostVariables host;
    final Set<String> hostVariables = new TreeSet<>();
    final Set<String> usedPaths = new TreeSet<>();
    final Interpolation interpolation;
    private final Map<String, Node> documents = new HashMap<>();
    private final Consumer<String> warnings;

    StackContext(
            String composeFile,
            ComposePolicy policy,
            UpdatePolicy updateDefaults,
            RepoFiles files,
            Map<String, String> variables,
            @Nullable HostVariables host,
            Consumer<String> warnings) {
        this.warnings = warnings;
        this.composeFile = composeFile;
        this.policy = policy;
        this.updateDefaults = updateDefaults;
        this.files = files;
        this.variables = variables;
        this.host = host;
        this.interpolation = new Interpolation(this::variable, this::deferred);
    }

    /**
     * Reports what Berth accepts but does not apply, as Compose does outside Swarm or development
     * ({@code file:line:column: detail}).
     */
    void warn(Node at, String detail) {
        warnings.accept(Nodes.location(at) + ": " + detail);
    }

    /** True in the watcher, which leaves host variables to the deployer. */
    boolean watcher() {
        return host == null;
    }

    /**
     * A variable's value: from the environment's variables and the stack's {@code .env}, else from the
     * deployer's host; in the watcher, a variable neither sets is recorded as a host variable and is
     * unset for now.
     */
    Optional<String> variable(String name) {
        String value = variables.get(name);
        if (value != null) {
            return Optional.of(value);
        }
        if (host != null) {
            return host.get(name);
        }
        hostVariables.add(name);
        return Optional.empty();
    }

    private boolean deferred(String name) {
        return host == null && !variables.containsKey(name);
    }

    /** The main document, interpolated. */
    Node mainDocument(String content) {
        Node root = Yaml.interpolate(Yaml.load(composeFile, content), interpolation);
        documents.put(composeFile, root);
        return root;
    }

    /** Another compose file of the repository ({@code extends}), interpolated, or empty if it is missing. */
    Optional<Node> document(String path) {
        Node known = documents.get(path);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<String> text = files.text(path);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Node root = Yaml.interpolate(Yaml.load(path, text.get()), interpolation);
        documents.put(path, root);
        return Optional.of(root);
    }

    /** The directory of a repository file, {@code ""} for the root. */
    static String directoryOf(String file) {
        int slash = file.lastIndexOf('/');
        return slash < 0 ? "" : file.substring(0, slash);
    }

    /**
     * {@code path} relative to {@code directory}, normalised ({@code .} and {@code ..} resolved), or
     * null when it leaves the repository.
     */
    static @Nullable String normalise(String directory, String path) {
        List<String> parts = new ArrayList<>();
        String joined = directory.isEmpty() ? path : directory + "/" + path;
        for (String part : joined.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    return null;
                }
                parts.remove(parts.size() - 1);
            } else {
                parts.add(part);
            }
        }
        return String.join("/", parts);
    }

    /** An absolute host path, normalised. */
    static String normaliseAbsolute(String path) {
        String normalised = normalise("", path);
        return "/" + (normalised == null ? "" : normalised);
    }

    /**
     * The repository path a relative path written at {@code at} names: relative to the directory of
     * the file it is written in, never leaving the repository nor passing through a symbolic link.
     *
     * @param what how the error names the path, such as {@code service "web": env_file}
     */
    String repoPath(Node at, String path, String what) {
        String resolved = normalise(directoryOf(Nodes.file(at)), path);
        if (resolved == null) {
            throw error(
                    at,
                    what + " \"" + path + "\" leaves the repository (through \"..\"): Berth deploys only what the"
                            + " repository holds; move the file into the repository");
        }
        if (resolved.isEmpty()) {
            throw error(at, what + " \"" + path + "\" is the whole repository: name a directory or file in it");
        }
        if (files.isSymlink(resolved)) {
            throw error(
                    at,
                    what + " \"" + path + "\" (" + resolved + ") is or goes through a symbolic link, which Berth"
                            + " never follows: commit the file or directory itself");
        }
        return resolved;
    }

    /** Records a repository path the stack uses, for the watcher to ship with the change. */
    void use(String path) {
        usedPaths.add(path);
    }
}
