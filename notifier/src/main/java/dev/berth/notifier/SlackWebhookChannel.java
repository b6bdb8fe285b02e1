package dev.berth.notifier;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.Commit;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackInvalid;
import dev.berth.notifier.internal.HttpPoster;
import dev.berth.notifier.internal.Urls;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A Slack-compatible incoming webhook (Slack, Mattermost): one message per outcome (deployed,
 * failed, invalid) with a plain {@code text} fallback and Block Kit sections, each within Slack's
 * 3000-character limit. A success whose plan was empty (a redelivered, already applied revision) is
 * not worth a message and is skipped. Text from commits and gates is escaped, so it cannot mention
 * people or form links. Thread-safe.
 */
public final class SlackWebhookChannel implements NotificationChannel {
    /** Slack's limit for the text of a section block. */
    static final int SECTION_LIMIT = 3000;

    private static final String TRUNCATED = "… (truncated)";
    private static final String FENCE = "```";

    private final URI url;
    private final EventCodec codec;
    private final HttpPoster poster;
    private final String name;

    /**
     * @param url the incoming webhook; its path is a secret, so logs and metrics show only its origin
     * @param requestTimeout per HTTP attempt
     * @param maxAttempts attempts per event before {@link DeliveryException}
     */
    public SlackWebhookChannel(URI url, EventCodec codec, Duration requestTimeout, int maxAttempts) {
        this(url, codec, new HttpPoster(requestTimeout, maxAttempts));
    }

    SlackWebhookChannel(URI url, EventCodec codec, HttpPoster poster) {
        this.url = Objects.requireNonNull(url, "url");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.poster = Objects.requireNonNull(poster, "poster");
        this.name = "slack " + Urls.originOnly(url);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean accepts(Envelope envelope) {
        return envelope.event() instanceof DeploymentSucceeded s && !s.changed().isEmpty()
                || envelope.event() instanceof DeploymentFailed
                || envelope.event() instanceof StackInvalid;
    }

    @Override
    public void deliver(Envelope envelope) throws InterruptedException {
        poster.post(url, "application/json", Map.of(), message(envelope).toString());
    }

    /** The message for an accepted event. */
    ObjectNode message(Envelope envelope) {
        String stack = escape(envelope.event().stack().key());
        String headline;
        Commit commit = envelope.event().commit();
        String revision = commit.shortSha();
        List<String> details = new ArrayList<>();
        if (envelope.event() instanceof DeploymentSucceeded s) {
            headline = ":white_check_mark: *" + stack + "* deployed @" + revision + " in " + seconds(s.duration());
            details.add("*Changed:* " + escape(String.join(", ", s.changed())));
        } else if (envelope.event() instanceof DeploymentFailed f) {
            headline = ":x: *" + stack + "* failed @" + revision + " after " + seconds(f.duration());
            details.add("*Reason:* " + escape(f.reason()));
            if (!f.evidence().isBlank()) {
                // A fence inside the evidence would end the code block early.
                details.add(FENCE + escape(f.evidence().replace(FENCE, "'''")) + FENCE);
            }
        } else if (envelope.event() instanceof StackInvalid i) {
            headline = ":warning: *" + stack + "* is invalid @" + revision + ": nothing was deployed";
            details.add("*" + escape(i.location()) + ":* " + escape(i.error()));
        } else {
            throw new IllegalArgumentException("not an outcome: " + envelope.type());
        }
        String context = "environment *" + escape(envelope.event().stack().environment()) + "* · stack *"
                + escape(envelope.event().stack().name()) + "* · revision `" + revision + "` by "
                + escape(commit.author()) + ": " + escape(commit.subjectLine());
        ObjectNode root = codec.json().createObjectNode();
        root.put("text", truncate(headline + "\n" + String.join("\n", details), SECTION_LIMIT));
        ArrayNode blocks = root.putArray("blocks");
        section(blocks, headline);
        section(blocks, context);
        for (String detail : details) {
            section(blocks, detail);
        }
        return root;
    }

    private static void section(ArrayNode blocks, String text) {
        ObjectNode block = blocks.addObject();
        block.put("type", "section");
        ObjectNode content = block.putObject("text");
        content.put("type", "mrkdwn");
        content.put("text", truncate(text, SECTION_LIMIT));
    }

    /**
     * Cuts text to at most {@code limit} characters, saying so, closing a code block it cut open and
     * never splitting a character in two.
     */
    static String truncate(String text, int limit) {
        if (text.length() <= limit) {
            return text;
        }
        boolean code = text.startsWith(FENCE) && text.endsWith(FENCE);
        int end = limit - TRUNCATED.length() - (code ? FENCE.length() : 0);
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        String cut = text.substring(0, Math.max(0, end)) + TRUNCATED;
        return code ? cut + FENCE : cut;
    }

    /** Slack's mrkdwn escaping: {@code &}, {@code <} and {@code >} would start entities, links, mentions. */
    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
