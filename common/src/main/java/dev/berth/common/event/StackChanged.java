package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.compose.StackFiles;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A stack's desired state at a commit: its whole compose document, already validated by the
 * watcher.
 *
 * @param composeFile the compose file's path in the repository, such as {@code stacks/web/compose.yaml}
 * @param compose the compose document's text
 * @param changedPaths the repository paths under the stack that changed since the last published commit
 * @param variables the stack's non-secret variables (its {@code .env}), interpolated into the document
 *     by whoever parses it, so the watcher validates and the deployer applies the same thing
 * @param files the repository files the stack uses at this commit (its directory, and what its compose
 *     file names outside it), so the deployer needs no access to the repository
 */
public record StackChanged(
        StackRef stack,
        Commit commit,
        String composeFile,
        String compose,
        List<String> changedPaths,
        Map<String, String> variables,
        StackFiles files)
        implements BerthEvent {
    /** A change without variables or files beside its compose file. */
    public StackChanged(StackRef stack, Commit commit, String composeFile, String compose, List<String> changedPaths) {
        this(stack, commit, composeFile, compose, changedPaths, Map.of(), StackFiles.EMPTY);
    }

    public StackChanged {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(composeFile, "composeFile");
        Objects.requireNonNull(compose, "compose");
        changedPaths = List.copyOf(changedPaths);
        variables = Map.copyOf(variables);
        Objects.requireNonNull(files, "files");
    }
}
