package dev.berth.notifier;

import java.time.Instant;
import java.util.Map;

/**
 * How one provider wants a {@link Message}: Slack, Teams, Discord, Mattermost or a generic webhook.
 * A channel only formats; the notifier sends, retries, breaks the circuit and records deliveries
 * the same way for all of them. Every implementation passes the shared contract test
 * ({@code NotificationChannelContract}) against a server that behaves like its provider.
 *
 * <p>Implementations are immutable and thread-safe and own no resource.
 */
public interface NotificationChannel {
    /** The channel's configuration. Its {@code toString()} never shows the URL's path or secrets. */
    ChannelConfig config();

    /** The channel's name, for logs, metrics and the dead-letter topic. */
    default String name() {
        return config().name();
    }

    /**
     * The request body for {@code message}, within the provider's documented limits: long texts are
     * cut at a character boundary and marked {@code … (truncated)}, code blocks stay closed.
     */
    Payload format(Message message);

    /**
     * Headers that authenticate one request sent at {@code now}, computed just before sending (a
     * signature over the body and a timestamp); none by default.
     */
    default Map<String, String> signatureHeaders(Payload payload, Instant now) {
        return Map.of();
    }

    /** The channel for a configuration. */
    static NotificationChannel of(ChannelConfig config) {
        return switch (config.type()) {
            case SLACK -> new SlackChannel(config);
            case MATTERMOST -> new MattermostChannel(config);
            case TEAMS -> new TeamsChannel(config);
            case DISCORD -> new DiscordChannel(config);
            case WEBHOOK -> new WebhookChannel(config);
        };
    }
}
