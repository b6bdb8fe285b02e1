package dev.berth.notifier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.Commit;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.StackInvalid;
import dev.berth.notifier.internal.HttpPoster;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Slack-compatible incoming webhook (Slack, Mattermost): one message per outcome (deployed,
 * failed, invalid), with a plain {@code text} fallback and Block Kit sections kept within Slack's
 * limits. Thread-safe.
 */
public final class SlackWebhookChannel implements NotificationChannel {
    /** Slack's limit for the text of a section block. */
    static final int SECTION_LIMIT = 3000;

    private final URI url;
    private final ObjectMapper json;
    private final HttpPoster poster;

    public SlackWebhookChannel(URI url, ObjectMapper json, HttpPoster poster) {
        this.url = url;
        this.json = json;
        this.poster = poster;
    }

    @Override
    public String name() {
        return "slack " + url;
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
        String headline;
        Commit commit;
        List<String> details = new ArrayList<>();
        if (envelope.event() instanceof DeploymentSucceeded s) {
            commit = s.commit();
            headline = ":white_check_mark: *" + s.stack() + "* deployed @" + commit.shortSha() + " in "
                    + seconds(s.duration());
            details.add("*Changed:* " + String.join(", ", s.changed()));
        } else if (envelope.event() instanceof DeploymentFailed f) {
            commit = f.commit();
            headline = ":x: *" + f.stack() + "* failed @" + commit.shortSha() + " after " + seconds(f.duration());
            details.add("*Reason:* " + f.reason());
            if (!f.evidence().isBlank()) {
                details.add("```" + f.evidence() + "```");
            }
        } else if (envelope.event() instanceof StackInvalid i) {
            commit = i.commit();
            headline = ":warning: *" + i.stack() + "* is invalid @" + commit.shortSha() + ": nothing was deployed";
            details.add("*" + i.location() + ":* " + i.error());
        } else {
            throw new IllegalArgumentException("not an outcome: " + envelope.type());
        }
        String context = "environment *" + envelope.event().stack().environment() + "* · revision `" + commit.shortSha()
                + "` by " + commit.author() + ": " + commit.subjectLine();
        ObjectNode root = json.createObjectNode();
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

    /** Cuts text to {@code limit} characters, closing a code block it cut open. */
    static String truncate(String text, int limit) {
        if (text.length() <= limit) {
            return text;
        }
        String marker = "… (truncated)";
        boolean code = text.startsWith("```");
        String cut = text.substring(0, limit - marker.length() - (code ? 3 : 0)) + marker;
        return code ? cut + "```" : cut;
    }

    private static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }
}
