package dev.berth.deployer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.kafka.KafkaStateStore;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Stack histories in the compacted {@code berth.state} topic, as JSON written with the event mapper:
 * the history under {@code stack/<env>/<stack>}, each kept revision's desired state under
 * {@code stack/<env>/<stack>/desired/<sha>}. Reads come from the store's view of the topic, loaded at
 * start and again by {@link #refresh()}. Thread-safe; closes the state store it is given.
 */
public final class KafkaStackHistoryStore implements StackHistoryStore {
    private static final String HISTORY_PREFIX = "stack/";
    private static final String DESIRED = "/desired/";

    private final KafkaStateStore state;
    private final ObjectMapper json;

    /** @param state loaded or not: the first {@link #refresh()} loads it */
    public KafkaStackHistoryStore(KafkaStateStore state, EventCodec codec) {
        this.state = Objects.requireNonNull(state, "state");
        this.json = codec.json();
    }

    /** The key of a stack's history in {@code berth.state}. */
    public static String historyKey(StackRef stack) {
        return HISTORY_PREFIX + stack.key();
    }

    /** Every stack's history this store sees, ordered by stack. */
    public List<StackHistory> histories() {
        return state.keys(HISTORY_PREFIX).stream()
                .filter(key -> !key.contains(DESIRED))
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
        state.put(historyKey(history.stack()), write(history));
    }

    @Override
    public Optional<StackChanged> desired(StackRef stack, String sha) {
        String key = desiredKey(stack, sha);
        return state.get(key).map(value -> read(value, StackChanged.class, key));
    }

    @Override
    public void putDesired(StackChanged change) {
        state.put(desiredKey(change.stack(), change.commit().sha()), write(change));
    }

    @Override
    public void removeDesired(StackRef stack, String sha) {
        state.remove(desiredKey(stack, sha));
    }

    @Override
    public void refresh() {
        state.load();
    }

    @Override
    public void close() {
        state.close();
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
