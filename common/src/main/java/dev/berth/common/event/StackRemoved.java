package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.util.Objects;

/** A stack whose directory was deleted at {@code commit}: its containers and network are to go. */
public record StackRemoved(StackRef stack, Commit commit) implements BerthEvent {
    public StackRemoved {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(commit, "commit");
    }
}
