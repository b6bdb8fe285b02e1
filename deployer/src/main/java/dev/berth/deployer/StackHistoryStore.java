package dev.berth.deployer;

import dev.berth.common.StackRef;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.StackChanged;
import java.util.Optional;
import java.util.Set;

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

    /**
     * Stores the history and writes a deployment's terminal event ({@code deployment.succeeded} or
     * {@code deployment.failed}) atomically, waiting until both are durable: a reader sees both or
     * neither, so a deployer killed in between leaves no terminal event without its marker (and no
     * marker without its event).
     *
     * @throws dev.berth.common.BerthException when another deployer owns the stack now (this one was fenced)
     */
    void commit(StackHistory history, Envelope terminal);

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

    /**
     * This deployer was given the stacks of these partitions of {@code berth.changes}: fences their
     * previous owner (its later writes fail), waits for what it left open to end, then reads the latest
     * values ({@link #refresh()}).
     */
    void takeOver(Set<Integer> partitions);

    /** The stacks of these partitions of {@code berth.changes} went to another deployer. */
    void giveUp(Set<Integer> partitions);

    /** The stacks whose history this store knows, among those of these partitions of {@code berth.changes}. */
    Set<StackRef> stacks(Set<Integer> partitions);

    /** The partition of {@code berth.changes} a stack's records go to. */
    int partitionOf(StackRef stack);

    @Override
    void close();
}
