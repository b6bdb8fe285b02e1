package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.util.Objects;

/**
 * An operator asked to clear a stack's quarantine and apply its quarantined revision again
 * ({@code berth retry}). Published to {@code berth.changes} with the stack's key.
 *
 * @param commit the command itself: its author is the actor, its sha the quarantined revision as the
 *     operator saw it (the deployer retries whatever is quarantined when the command arrives)
 * @param actor who asked
 */
public record StackRetryRequested(StackRef stack, Commit commit, String actor) implements BerthEvent {
    public StackRetryRequested {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(actor, "actor");
    }
}
