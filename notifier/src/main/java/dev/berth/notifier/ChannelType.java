package dev.berth.notifier;

import dev.berth.common.BerthException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The kind of service a {@link ChannelConfig} posts to. Each type has its own payload shape and its
 * provider's limits; in environment files it is written in lower case ({@code type: slack}).
 */
public enum ChannelType {
    /** Slack incoming webhook: Block Kit message (50 blocks, 3,000 characters per section text). */
    SLACK,
    /** Microsoft Teams workflow ("Post to a channel when a webhook request is received"): an Adaptive Card (28 KB). */
    TEAMS,
    /** Discord webhook: one embed (4,096-character description, 25 fields, 6,000 characters in all). */
    DISCORD,
    /** Mattermost incoming webhook: the Slack-compatible {@code text} + {@code attachments} (16,383 characters). */
    MATTERMOST,
    /**
     * Generic webhook: the event's CloudEvents 1.0 structured JSON, signed with HMAC-SHA256 when the
     * channel has a {@link ChannelConfig#signingSecret() signing secret}.
     */
    WEBHOOK;

    /** The lower-case name used in environment files. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads a type from its file name ({@code slack}, {@code teams}, {@code discord}, {@code mattermost},
     * {@code webhook}), ignoring case.
     *
     * @param where what to name in the error, such as {@code notifications.channels.ops.type}
     * @throws BerthException naming {@code where}, the bad value and the valid ones
     */
    public static ChannelType parse(String where, String value) {
        for (ChannelType t : values()) {
            if (t.key().equalsIgnoreCase(value.strip())) {
                return t;
            }
        }
        throw new BerthException(where + ": unknown channel type \"" + value + "\"; use one of "
                + Arrays.stream(values()).map(ChannelType::key).collect(Collectors.joining(", ")));
    }
}
