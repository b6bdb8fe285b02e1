package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.util.List;
import java.util.Objects;

/**
 * A stack's desired state at a commit: its whole compose document, already validated by the
 * watcher.
 *
 * @param composeFile the compose file's path in the repository, such as {@code stacks/web/compose.yaml}
 * @param compose the compose document's text
 * @param changedPaths the repository paths under the stack that changed since the last published commit
 */
public record StackChanged(StackRef stack, Commit commit, String composeFile, String compose, List<String> changedPaths)
        implements BerthEvent {
    public StackChanged {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(composeFile, "composeFile");
        Objects.requireNonNull(compose, "compose");
        changedPaths = List.copyOf(changedPaths);
    }
}
