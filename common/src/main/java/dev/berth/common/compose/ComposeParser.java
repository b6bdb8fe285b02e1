package dev.berth.common.compose;

import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Reads a compose document as Compose does (YAML 1.2, anchors and {@code <<} merge keys,
 * interpolation, {@code extends}, {@code env_file}, profiles) into a {@link ComposeStack}, or fails
 * with a {@link ComposeException} that names the file, line, column and key. A key Berth does not
 * support yet is an error, never silently ignored: ignoring it would deploy something other than
 * what the file says. What the environment's {@link ComposePolicy} does not allow is an error that
 * says how to allow it; what Compose itself ignores on one engine (outside Swarm or development) is
 * accepted with a warning. Stateless and thread-safe when its warnings sink is.
 */
public final class ComposeParser {
    private final ComposePolicy policy;
    private final UpdatePolicy updateDefaults;
    private final Consumer<String> warnings;

    /** A parser with {@link ComposePolicy#DEFAULT}: nothing beyond an ordinary container. */
    public ComposeParser() {
        this(ComposePolicy.DEFAULT);
    }

    public ComposeParser(ComposePolicy policy) {
        this(policy, UpdatePolicy.DEFAULT);
    }

    /**
     * A parser whose services take {@code updateDefaults} for every {@code deploy.update_config} key
     * their compose file does not set (an environment's update defaults).
     */
    public ComposeParser(ComposePolicy policy, UpdatePolicy updateDefaults) {
        this(policy, updateDefaults, warning -> {});
    }

    /**
     * A parser that also reports, to {@code warnings}, each key it accepts without applying it (what
     * Compose ignores outside Swarm or development, such as {@code version} or {@code deploy.placement}),
     * as {@code file:line:column: detail}; {@code berth validate} prints them.
     */
    public ComposeParser(ComposePolicy policy, UpdatePolicy updateDefaults, Consumer<String> warnings) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.updateDefaults = Objects.requireNonNull(updateDefaults, "updateDefaults");
        this.warnings = Objects.requireNonNull(warnings, "warnings");
    }

    /**
     * Parses one compose document with no variables set and no other file: {@code ${VAR:-default}}
     * takes its default and {@code $VAR} becomes empty, as in Compose with an empty environment.
     *
     * @param file the file's repository path, used in error messages and to resolve relative paths
     */
    public ComposeStack parse(String file, String content) {
        return parse(file, content, Map.of());
    }

    /**
     * Parses one compose document, interpolating {@code variables} into its values as Compose does; a
     * variable they do not set is empty, and {@code ${VAR:?message}} fails for it. The document may use
     * no other file of the repository ({@link StackFiles#EMPTY}).
     *
     * @param file the file's repository path, used in error messages and to resolve relative paths
     */
    public ComposeStack parse(String file, String content, Map<String, String> variables) {
        return parse(file, content, variables, StackFiles.EMPTY, HostVariables.NONE);
    }

    /**
     * Parses one compose document of a repository.
     *
     * @param composeFile the file's repository path, such as {@code stacks/web/compose.yaml}; relative
     *     paths in it resolve against its directory
     * @param variables the environment's variables and the stack's {@code .env}
     * @param files the repository at the commit: {@code env_file} and {@code extends} files are read
     *     from it, bind sources, build contexts, secret and config files must exist in it
     * @param host null in the watcher: a variable {@code variables} does not set is recorded in
     *     {@link ComposeStack#hostVariables()} and is empty for now ({@code ${VAR:?msg}} does not fail
     *     for it); in the deployer, the host's variables, which such a variable is taken from
     *     ({@code ${VAR:?msg}} fails with {@code msg} when the host does not set it either). Error
     *     messages never show a host variable's value.
     */
    public ComposeStack parse(
            String composeFile,
            String content,
            Map<String, String> variables,
            RepoFiles files,
            @Nullable HostVariables host) {
        Objects.requireNonNull(composeFile, "composeFile");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(variables, "variables");
        Objects.requireNonNull(files, "files");
        StackContext context = new StackContext(composeFile, policy, updateDefaults, files, variables, host, warnings);
        try {
            return new StackReader(context).read(content);
        } catch (ComposeException e) {
            if (host == null || host.size() == 0) {
                throw e;
            }
            String redacted = host.redact(e.detail());
            if (redacted.equals(e.detail())) {
                throw e;
            }
            throw new ComposeException(e.file(), e.line(), e.column(), redacted);
        }
    }
}
