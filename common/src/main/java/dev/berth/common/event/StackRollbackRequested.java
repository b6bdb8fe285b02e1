package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An operator asked to put a stack back on an earlier revision ({@code berth rollback}). Published to
 * {@code berth.changes} with the stack's key, so the deployer that owns the stack acts on it in order
 * with its changes.
 *
 * @param commit the command itself: its author is the actor, its sha the target revision (empty when
 *     none was resolved)
 * @param targetRevision the revision (a commit sha, or a unique prefix of one) to go back to; null for
 *     the last good revision before the current one
 * @param actor who asked
 */
public record StackRollbackRequested(
        StackRef stack, Commit commit, @Nullable String targetRevision, String actor) implements BerthEvent {
    public StackRollbackRequested {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(actor, "actor");
    }
}
