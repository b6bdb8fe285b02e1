package dev.berth.deployer;

import dev.berth.common.StackRef;
import dev.berth.common.event.StackChanged;
import java.util.Optional;

/**
 * Where a deployer keeps each stack's {@link StackHistory} and the desired state of each revision in it
 * (the whole {@code stack.changed}, files included, so a rollback or retry needs nothing else). Each
 * stack has one writer: the deployer that owns it. Implementations are thread-safe.
 */
public interface StackHistoryStore extends AutoCloseable {
    /** The stack's history; empty when it has none. */
    StackHistory history(StackRef stack);

    /** Stores the history, waiting until it is durable. */
    void put(StackHistory history);

    /** The desired state of one revision of the stack, when it is still kept. */
    Optional<StackChanged> desired(StackRef stack, String sha);

    /** Keeps the desired state of a revision, waiting until it is durable. */
    void putDesired(StackChanged change);

    /** Forgets the desired state of a revision that left the history. */
    void removeDesired(StackRef stack, String sha);

    /**
     * Reads the latest values again: called when this deployer is given stacks another deployer owned
     * (after a rebalance or a restart), so it continues from what that one wrote.
     */
    void refresh();

    @Override
    void close();
}
