package dev.berth.common.event;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * An event with its CloudEvents attributes.
 *
 * @param id unique per event; a redelivered record keeps its id
 * @param source the emitting component, such as {@code /berth/watcher/dev}
 * @param chainId shared by every event of one rollout, from the change to its outcome
 */
public record Envelope(String id, URI source, Instant time, String chainId, BerthEvent event) {
    public Envelope {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(chainId, "chainId");
        Objects.requireNonNull(event, "event");
    }

    /** A new event with a fresh id, starting a new chain. */
    public static Envelope newChain(URI source, Clock clock, BerthEvent event) {
        String id = UUID.randomUUID().toString();
        return new Envelope(id, source, clock.instant(), id, event);
    }

    /** A new event in the same chain as this one. */
    public Envelope follow(URI source, Clock clock, BerthEvent next) {
        return new Envelope(UUID.randomUUID().toString(), source, clock.instant(), chainId, next);
    }

    public EventType type() {
        return event.type();
    }

    /** The CloudEvents subject: the stack key. */
    public String subject() {
        return event.stack().key();
    }
}
