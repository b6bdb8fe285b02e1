package dev.berth.notifier;

import java.time.Instant;
import java.util.Objects;

/**
 * A message a channel did not take: the value of a {@code berth.notifications.dlq} record (JSON,
 * keyed by channel name). {@code berth notifications replay} sends it again.
 *
 * @param channel the channel's name
 * @param reason the last answer ({@code HTTP 503}, {@code circuit open}, {@code interrupted})
 * @param attempts attempts made before giving up (0 when none was allowed)
 * @param time when it was given up
 * @param message what would have been sent, already redacted
 */
public record DeadLetter(String channel, String reason, int attempts, Instant time, Message message) {
    public DeadLetter {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(message, "message");
    }
}
