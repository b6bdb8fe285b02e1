package dev.berth.deployer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.KafkaTransactions;
import dev.berth.common.kafka.KafkaTransactions.Write;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Stack histories in the compacted {@code berth.state} topic, as JSON written with the event mapper:
 * the history under {@code stack/<env>/<stack>}, each kept revision's desired state under
 * {@code stack/<env>/<stack>/desired/<sha>}. Reads come from the store's view of the topic, loaded at
 * start and again by {@link #refresh()}. A deployer's store writes every value in a Kafka transaction
 * of the stack's {@code berth.changes} partition ({@link KafkaTransactions}), so a deployer that lost
 * the stack cannot write any more, and a terminal event goes with its history in one transaction.
 * Thread-safe; closes the state store and the transactions it is given.
 */
public final class KafkaStackHistoryStore implements StackHistoryStore {
    private static final String PREFIX = "stack/";
    private static final String DESIRED = "/desired/";

    private final KafkaStateStore state;
    private final @Nullable KafkaTransactions transactions;
    private final EventCodec codec;
    private final ObjectMapper json;

    /**
     * A store for reading (the CLI) or tests: it writes without transactions and cannot {@link #commit}.
     *
     * @param state loaded or not: the first {@link #refresh()} loads it
     */
    public KafkaStackHistoryStore(KafkaStateStore state, EventCodec codec) {
        this(state, codec, null);
    }

    /**
     * A deployer's store.
     *
     * @param transactions the deployer group's transactions on {@code berth.changes}; null for a store that
     *     only reads
     */
    public KafkaStackHistoryStore(KafkaStateStore state, EventCodec codec, @Nullable KafkaTransactions transactions) {
        this.state = Objects.requireNonNull(state, "state");
        this.transactions = transactions;
        this.codec = Objects.requireNonNull(codec, "codec");
        this.json = codec.json();
    }

    /** The key of a stack's history in {@code berth.state}. */
    public static String historyKey(StackRef stack) {
        return PREFIX + stack.key();
    }

    /** Every stack's history this store sees, ordered by stack. */
    public List<StackHistory> histories() {
        return state.keys(PREFIX).stream()
                .filter(key -> !key.contains(DESIRED))
                .sorted()
                .map(key -> read(state.get(key).orElseThrow(), StackHistory.class, key))
                .toList();
    }

    static String desiredKey(StackRef stack, String sha) {
        return historyKey(stack) + DESIRED + sha;
    }

    @Override
    public StackHistory history(StackRef stack) {
        return state.get(historyKey(stack))
                .map(value -> read(value, StackHistory.class, historyKey(stack)))
                .orElseGet(() -> StackHistory.empty(stack));
    }

    @Override
    public void put(StackHistory history) {
        write(history.stack(), historyKey(history.stack()), write(history), null);
    }

    @Override
    public void commit(StackHistory history, Envelope terminal) {
        if (transactions == null) {
            throw new IllegalStateException(
                    "this history store was built without transactions: it cannot write a terminal event");
        }
        write(history.stack(), historyKey(history.stack()), write(history), terminal);
    }

    /** Writes one state value (null deletes it), with an event in the same transaction when given. */
    private void write(StackRef stack, String key, @Nullable String value, @Nullable Envelope event) {
        if (transactions == null) {
            if (value == null) {
                state.remove(key);
            } else {
                state.put(key, value);
            }
            return;
        }
        List<Write> writes = event == null
                ? List.of(Write.state(key, value))
                : List.of(Write.state(key, value), Write.event(event, codec));
        transactions.write(stack.key(), writes);
        state.remember(key, value);
    }

    @Override
    public Optional<StackChanged> desired(StackRef stack, String sha) {
        String key = desiredKey(stack, sha);
        return state.get(key).map(value -> read(value, StackChanged.class, key));
    }

    @Override
    public void putDesired(StackChanged change) {
        write(change.stack(), desiredKey(change.stack(), change.commit().sha()), write(change), null);
    }

    @Override
    public void removeDesired(StackRef stack, String sha) {
        write(stack, desiredKey(stack, sha), null, null);
    }

    @Override
    public void refresh() {
        state.load();
    }

    @Override
    public void takeOver(Set<Integer> partitions) {
        if (transactions != null) {
            partitions.forEach(transactions::acquire);
        }
        refresh();
    }

    @Override
    public void giveUp(Set<Integer> partitions) {
        if (transactions != null) {
            transactions.release(partitions);
        }
    }

    @Override
    public Set<StackRef> stacks(Set<Integer> partitions) {
        return state.keys(PREFIX).stream()
                .filter(key -> !key.contains(DESIRED))
                .map(key -> key.substring(PREFIX.length()))
                .flatMap(key -> {
                    try {
                        return Stream.of(StackRef.parse(key));
                    } catch (BerthException e) {
                        return Stream.empty();
                    }
                })
                .filter(stack -> partitions.contains(partitionOf(stack)))
                .collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public int partitionOf(StackRef stack) {
        if (transactions == null) {
            throw new IllegalStateException(
                    "this history store was built without transactions: it knows no" + " partitions");
        }
        return transactions.partitionOf(stack.key());
    }

    @Override
    public void close() {
        state.close();
        if (transactions != null) {
            transactions.close();
        }
    }

    private <T> T read(String value, Class<T> type, String key) {
        try {
            return json.readValue(value, type);
        } catch (JsonProcessingException e) {
            throw new BerthException("the value of " + key + " in berth.state is not a " + type.getSimpleName()
                    + " this Berth can read: " + e.getOriginalMessage());
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new BerthException(
                    "could not write " + value.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage());
        }
    }
}
