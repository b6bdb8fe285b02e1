package dev.berth.notifier.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.BerthException;
import dev.berth.common.Commit;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentStarted;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.ServiceDeployed;
import dev.berth.common.event.ServiceRemoved;
import dev.berth.common.event.ServiceRolledBack;
import dev.berth.common.event.ServiceUpgraded;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackInvalid;
import dev.berth.common.event.StackRemoved;
import dev.berth.common.event.StackRetryRequested;
import dev.berth.common.event.StackRollbackRequested;
import dev.berth.common.kafka.CloudEventHeaders;
import dev.berth.common.kafka.ReceivedEvent;
import dev.berth.notifier.EventKind;
import dev.berth.notifier.Message;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Turns audited records into {@link Notice}s: Berth's known events with every template variable,
 * and any other Berth event type (from a newer Berth, such as the watcher's error events) generically
 * from its CDEvents JSON, so it is routed by {@link EventKind} all the same. Thread-safe.
 */
public final class Notices {
    private final EventCodec codec;
    private final @Nullable String commitUrlTemplate;

    public Notices(EventCodec codec, @Nullable String commitUrlTemplate) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.commitUrlTemplate = commitUrlTemplate;
    }

    /** The notice of a record, known type or not. */
    public Notice read(ReceivedEvent record) {
        String ceType = record.ceType();
        if (ceType != null) {
            try {
                return known(codec.decode(ceType, record.value()));
            } catch (BerthException e) {
                // A type this Berth does not know, or a value it cannot read: routed generically.
            }
        }
        return generic(record);
    }

    /** The actor of a record (commit author, or the operator behind a command), or null. */
    public @Nullable String actor(ReceivedEvent record) {
        return read(record).actor();
    }

    /** The notice of a known event. */
    public Notice known(Envelope envelope) {
        BerthEvent event = envelope.event();
        Commit commit = event.commit();
        Map<String, Object> vars = new LinkedHashMap<>();
        String stack = event.stack().key();
        vars.put("id", envelope.id());
        vars.put("type", envelope.type().ceType());
        vars.put("environment", event.stack().environment());
        vars.put("stack", stack);
        vars.put("stackName", event.stack().name());
        vars.put("revision", commit.sha());
        vars.put("shortRevision", commit.shortSha());
        vars.put("author", commit.author());
        vars.put("commitMessage", commit.subjectLine());
        String link = link(commit.sha());
        vars.put("commitUrl", link == null ? "" : link);
        String actor = commit.author();
        EventKind kind;
        String title;
        String detail = null;
        String sha = commit.shortSha();
        List<Message.Fact> extra = new ArrayList<>();
        if (event instanceof DeploymentSucceeded s) {
            kind = EventKind.SUCCEEDED;
            title = stack + " deployed " + sha;
            vars.put("duration", seconds(s.duration()));
            vars.put("changes", s.changed());
            extra.add(new Message.Fact("Duration", seconds(s.duration())));
            detail = s.changed().isEmpty() ? null : String.join("\n", s.changed());
        } else if (event instanceof DeploymentFailed f) {
            kind = f.rolledBackTo() == null ? EventKind.FAILED : EventKind.ROLLED_BACK;
            String back = f.rolledBackTo() == null ? "" : short7(f.rolledBackTo());
            title = stack + " failed at " + sha + (back.isEmpty() ? "" : ", rolled back to " + back);
            vars.put("duration", seconds(f.duration()));
            vars.put("reason", f.reason());
            vars.put("evidence", f.evidence());
            vars.put("service", f.service() == null ? "" : f.service());
            vars.put("rolledBackTo", back);
            extra.add(new Message.Fact("Duration", seconds(f.duration())));
            if (f.service() != null) {
                extra.add(new Message.Fact("Gate", "service " + f.service()));
            }
            if (!back.isEmpty()) {
                extra.add(new Message.Fact("Rolled back to", back));
            }
            detail = f.evidence().isBlank() ? null : f.evidence();
        } else if (event instanceof StackInvalid i) {
            kind = EventKind.INVALID;
            title = stack + " is invalid at " + sha + ": nothing deployed";
            vars.put("location", i.location());
            vars.put("error", i.error());
            extra.add(new Message.Fact("File", i.location()));
        } else if (event instanceof DeploymentStarted d) {
            kind = EventKind.STARTED;
            title = stack + " deploying " + sha;
            vars.put("changes", d.plan());
            detail = d.plan().isEmpty() ? null : String.join("\n", d.plan());
        } else if (event instanceof StackChanged c) {
            kind = EventKind.CHANGED;
            title = stack + " changed at " + sha;
            vars.put("changes", c.changedPaths());
        } else if (event instanceof StackRemoved r) {
            kind = EventKind.REMOVED;
            title = stack + " removed at " + sha;
        } else if (event instanceof ServiceDeployed d) {
            kind = EventKind.SERVICE;
            title = stack + ": service " + d.service() + " deployed";
            vars.put("service", d.service());
        } else if (event instanceof ServiceUpgraded u) {
            kind = EventKind.SERVICE;
            title = stack + ": service " + u.service() + " upgraded";
            vars.put("service", u.service());
        } else if (event instanceof ServiceRemoved r) {
            kind = EventKind.SERVICE;
            title = stack + ": service " + r.service() + " removed";
            vars.put("service", r.service());
        } else if (event instanceof ServiceRolledBack r) {
            kind = EventKind.SERVICE;
            title = stack + ": service " + r.service() + " rolled back";
            vars.put("service", r.service());
        } else if (event instanceof StackRollbackRequested r) {
            kind = EventKind.COMMAND;
            actor = r.actor();
            title = stack + ": " + r.actor() + " asked for a rollback"
                    + (r.targetRevision() == null ? "" : " to " + short7(r.targetRevision()));
        } else if (event instanceof StackRetryRequested r) {
            kind = EventKind.COMMAND;
            actor = r.commit().author();
            title = stack + ": " + actor + " asked to retry";
        } else {
            throw new IllegalStateException("unhandled event " + event.getClass());
        }
        vars.put("actor", actor);
        vars.put("kind", kind.key());
        vars.put("severity", kind.severity().key());
        vars.put("emoji", emoji(kind));
        vars.put("title", title);
        List<Message.Fact> facts = new ArrayList<>();
        facts.add(new Message.Fact("Environment", event.stack().environment()));
        facts.add(new Message.Fact("Stack", event.stack().name()));
        facts.add(new Message.Fact("Revision", sha));
        facts.add(new Message.Fact("Author", commit.author()));
        if (!actor.equals(commit.author())) {
            facts.add(new Message.Fact("Actor", actor));
        }
        facts.addAll(extra);
        return new Notice(
                envelope.id(),
                envelope.type().ceType(),
                kind,
                event.stack().environment(),
                stack,
                envelope.time(),
                title,
                vars,
                facts,
                detail,
                link,
                actor,
                codec.toStructured(envelope));
    }

    /** The notice of a record this Berth cannot decode: what its JSON and headers say. */
    public Notice generic(ReceivedEvent record) {
        String ceType = Objects.requireNonNullElse(record.ceType(), "unknown");
        JsonNode root;
        try {
            root = codec.json().readTree(record.value());
        } catch (IOException e) {
            root = codec.json().createObjectNode();
        }
        if (root == null || !root.isObject()) {
            root = codec.json().createObjectNode();
        }
        JsonNode context = root.path("context");
        JsonNode content = root.path("subject").path("content");
        String id = text(context.path("id"), record.headers().get(CloudEventHeaders.ID));
        if (id == null) {
            id = record.topic() + "-" + record.partition() + "@" + record.offset();
        }
        String stack = Objects.requireNonNullElse(
                record.key(), text(root.path("subject").path("id"), "unknown/unknown"));
        int slash = stack.indexOf('/');
        String environment = slash < 0 ? stack : stack.substring(0, slash);
        Instant time = Instant.EPOCH;
        try {
            String t = text(context.path("timestamp"), record.headers().get(CloudEventHeaders.TIME));
            time = t == null ? Instant.EPOCH : Instant.parse(t);
        } catch (DateTimeParseException e) {
            // Left at the epoch: the time only orders flood windows.
        }
        EventKind kind = kindOf(ceType);
        String what = shortType(ceType);
        String title = stack + ": " + what;
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("id", id);
        vars.put("type", ceType);
        vars.put("kind", kind.key());
        vars.put("severity", kind.severity().key());
        vars.put("emoji", emoji(kind));
        vars.put("title", title);
        vars.put("environment", environment);
        vars.put("stack", stack);
        vars.put("stackName", slash < 0 ? "" : stack.substring(slash + 1));
        String author = text(content.path("commit").path("author"), null);
        String sha = text(content.path("commit").path("sha"), null);
        for (String field : List.of("error", "reason", "message", "evidence", "service")) {
            String value = text(content.path(field), null);
            if (value != null) {
                vars.put(field, value);
            }
        }
        String link = sha == null ? null : link(sha);
        if (sha != null) {
            vars.put("revision", sha);
            vars.put("shortRevision", short7(sha));
            vars.put("commitUrl", link == null ? "" : link);
        }
        if (author != null) {
            vars.put("author", author);
            vars.put("actor", author);
        }
        List<Message.Fact> facts = new ArrayList<>();
        facts.add(new Message.Fact("Environment", environment));
        facts.add(new Message.Fact("Stack", String.valueOf(vars.get("stackName"))));
        facts.add(new Message.Fact("Event", what));
        if (sha != null) {
            facts.add(new Message.Fact("Revision", short7(sha)));
        }
        ObjectNode structured = codec.json().createObjectNode();
        structured.put("specversion", "1.0");
        structured.put("id", id);
        structured.put("source", text(context.path("source"), "/berth"));
        structured.put("type", ceType);
        structured.put("time", time.toString());
        structured.put("subject", stack);
        structured.put("datacontenttype", "application/json");
        structured.set("data", root);
        return new Notice(
                id,
                ceType,
                kind,
                environment,
                stack,
                time,
                title,
                vars,
                facts,
                (String) vars.get("evidence"),
                link,
                author,
                structured);
    }

    /** The kind of a CloudEvents type this Berth does not know. */
    static EventKind kindOf(String ceType) {
        String t = ceType.toLowerCase(Locale.ROOT);
        if (t.contains("drift")) {
            return EventKind.DRIFT;
        }
        if (t.contains("watcher") || t.contains("error")) {
            return EventKind.WATCHER_ERROR;
        }
        return EventKind.OTHER;
    }

    /** {@code dev.cdeventsx.berth-watcher.error.0.1.0} → {@code watcher.error}. */
    static String shortType(String ceType) {
        String t = ceType.replaceFirst("^dev\\.cdeventsx?\\.(berth-)?", "").replaceFirst("\\.\\d+\\.\\d+\\.\\d+$", "");
        return t.isEmpty() ? ceType : t;
    }

    private @Nullable String link(String sha) {
        if (commitUrlTemplate == null || sha.isBlank()) {
            return null;
        }
        String url = commitUrlTemplate.replace("{sha}", sha);
        try {
            URI.create(url);
            return url;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static String emoji(EventKind kind) {
        return switch (kind) {
            case SUCCEEDED -> "✅";
            case FAILED, WATCHER_ERROR -> "❌";
            case ROLLED_BACK -> "↩️";
            case INVALID, DRIFT -> "⚠️";
            case STARTED -> "🚀";
            default -> "ℹ️";
        };
    }

    private static @Nullable String text(JsonNode node, @Nullable String otherwise) {
        return node.isTextual() && !node.asText().isEmpty() ? node.asText() : otherwise;
    }

    private static String short7(String sha) {
        return sha.length() > 7 ? sha.substring(0, 7) : sha;
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
