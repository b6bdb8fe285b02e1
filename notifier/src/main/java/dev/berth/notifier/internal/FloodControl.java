package dev.berth.notifier.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.event.EventType;
import dev.berth.notifier.EventKind;
import dev.berth.notifier.Message;
import dev.berth.notifier.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Flood control for one chat channel, on event time.
 *
 * <ul>
 *   <li>The first failure of a stack (failed, rolled back, invalid, watcher error) opens an
 *       incident: one {@code incident.detected} message. A further failure of that stack is an
 *       update when it says something new (another title or text than the last message sent about
 *       the incident), at most {@value #MAX_UPDATES_PER_WINDOW} per window; a repeat of the same
 *       failure, or one over that budget, is only counted (the next message gives the count). The
 *       stack's next success closes the incident with one {@code incident.resolved} message, which
 *       replaces the success message.
 *   <li>When {@code stormThreshold} stacks open incidents within one window, a storm starts: new
 *       incidents (and resolutions of incidents opened during it) are held and sent as one summary
 *       when the window ends, instead of a message each.
 * </ul>
 *
 * <p>Everything else passes through unchanged. State is in memory: after a restart a stack's open
 * incident is forgotten, and its next failure opens a new one. Used by one thread.
 */
public final class FloodControl {
    /** The CDEvents type of an incident's first message. */
    public static final String INCIDENT_DETECTED = "dev.cdevents.incident.detected.0.2.0";
    /** The CDEvents type of an incident's last message. */
    public static final String INCIDENT_RESOLVED = "dev.cdevents.incident.resolved.0.2.0";
    /** Berth's type for a storm summary (updates of incidents use {@link #INCIDENT_DETECTED}'s subject). */
    public static final String STORM_SUMMARY = "dev.cdeventsx.berth-notifications.storm.0.1.0";

    /** Updates sent per incident per window, at most. */
    public static final int MAX_UPDATES_PER_WINDOW = 5;

    private static final Set<EventKind> PROBLEMS =
            Set.of(EventKind.FAILED, EventKind.ROLLED_BACK, EventKind.INVALID, EventKind.WATCHER_ERROR);

    private final Duration window;
    private final int stormThreshold;
    private final Map<String, Incident> incidents = new HashMap<>();
    private final Deque<Instant> openings = new ArrayDeque<>();
    private Instant stormStart = Instant.MIN;
    private final Map<String, String> stormDetected = new LinkedHashMap<>();
    private final Map<String, String> stormResolved = new LinkedHashMap<>();
    private String stormFirstId = "";

    private static final class Incident {
        final String firstId;
        final Instant opened;
        Instant windowStart;
        String lastSent = "";
        int failures = 1;
        int updates;
        int updatesInWindow;
        int unsent;
        final boolean inStorm;

        Incident(String firstId, Instant opened, boolean inStorm) {
            this.firstId = firstId;
            this.opened = opened;
            this.windowStart = opened;
            this.inStorm = inStorm;
        }
    }

    public FloodControl(Duration window, int stormThreshold) {
        this.window = Objects.requireNonNull(window, "window");
        this.stormThreshold = stormThreshold;
    }

    /** The messages to send now for {@code m} (none, the message itself, or an incident message), oldest first. */
    public List<Message> offer(Message m) {
        List<Message> out = new ArrayList<>(tick(m.time()));
        if (PROBLEMS.contains(m.kind())) {
            Incident incident = incidents.get(m.stack());
            if (incident == null) {
                openings.addLast(m.time());
                while (!openings.isEmpty()
                        && openings.peekFirst().isBefore(m.time().minus(window))) {
                    openings.removeFirst();
                }
                boolean storm = inStorm(m.time());
                if (!storm && openings.size() >= stormThreshold) {
                    stormStart = m.time();
                    stormFirstId = m.id();
                    storm = true;
                }
                Incident opened = new Incident(m.id(), m.time(), storm);
                opened.lastSent = m.title() + "\n" + m.text();
                incidents.put(m.stack(), opened);
                if (storm) {
                    stormDetected.put(m.stack(), m.title());
                } else {
                    out.add(incident(
                            m, INCIDENT_DETECTED, m.id() + ":detected", "🔥 Incident: " + m.title(), m.text()));
                }
            } else {
                incident.failures++;
                if (!m.time().isBefore(incident.windowStart.plus(window))) {
                    incident.windowStart = m.time();
                    incident.updatesInWindow = 0;
                }
                String what = m.title() + "\n" + m.text();
                boolean news = !what.equals(incident.lastSent);
                if (!incident.inStorm && news && incident.updatesInWindow < MAX_UPDATES_PER_WINDOW) {
                    incident.lastSent = what;
                    incident.updates++;
                    incident.updatesInWindow++;
                    String held = incident.unsent == 0 ? "" : " (" + incident.unsent + " more not shown)";
                    incident.unsent = 0;
                    out.add(incident(
                            m,
                            INCIDENT_DETECTED,
                            incident.firstId + ":update:" + incident.updates,
                            "🔥 Incident update: " + m.title(),
                            m.text() + "\n" + incident.failures + " failures since " + incident.opened + held));
                } else {
                    incident.unsent++;
                }
            }
        } else if (m.kind() == EventKind.SUCCEEDED && incidents.containsKey(m.stack())) {
            Incident incident = incidents.remove(m.stack());
            String text = "Resolved after " + incident.failures + " failure" + (incident.failures == 1 ? "" : "s")
                    + " over " + human(Duration.between(incident.opened, m.time())) + ".\n" + m.text();
            if (incident.inStorm && inStorm(m.time())) {
                stormDetected.remove(m.stack());
                stormResolved.put(m.stack(), m.title());
            } else {
                out.add(incident(
                        m, INCIDENT_RESOLVED, incident.firstId + ":resolved", "✅ Resolved: " + m.title(), text));
            }
        } else {
            out.add(m);
        }
        return out;
    }

    /** The storm summary, once the storm's window has ended at {@code now}; else nothing. */
    public List<Message> tick(Instant now) {
        if (stormStart.equals(Instant.MIN) || now.isBefore(stormStart.plus(window))) {
            return List.of();
        }
        Message summary = summary(stormStart.plus(window));
        stormStart = Instant.MIN;
        stormDetected.clear();
        stormResolved.clear();
        // Incidents opened in the storm now count as announced: their updates follow the usual rules.
        incidents.replaceAll((k, v) -> {
            Incident i = new Incident(v.firstId, v.opened, false);
            i.failures = v.failures;
            i.lastSent = v.lastSent;
            i.windowStart = now;
            return i;
        });
        return List.of(summary);
    }

    private boolean inStorm(Instant time) {
        return !stormStart.equals(Instant.MIN) && time.isBefore(stormStart.plus(window));
    }

    private Message summary(Instant end) {
        int failing = stormDetected.size();
        StringBuilder text = new StringBuilder();
        text.append(failing)
                .append(" stack")
                .append(failing == 1 ? "" : "s")
                .append(" started failing between ")
                .append(stormStart)
                .append(" and ")
                .append(end)
                .append(" (one summary instead of a message each):\n");
        stormDetected.values().forEach(t -> text.append("- ").append(t).append('\n'));
        if (!stormResolved.isEmpty()) {
            text.append("Recovered within the window:\n");
            stormResolved.values().forEach(t -> text.append("- ").append(t).append('\n'));
        }
        ObjectNode data = Texts.JSON.createObjectNode();
        data.putArray("failing")
                .addAll(stormDetected.keySet().stream()
                        .map(Texts.JSON.getNodeFactory()::textNode)
                        .toList());
        data.putArray("recovered")
                .addAll(stormResolved.keySet().stream()
                        .map(Texts.JSON.getNodeFactory()::textNode)
                        .toList());
        String id = "storm:" + stormFirstId;
        ObjectNode event = Texts.JSON.createObjectNode();
        event.put("specversion", "1.0");
        event.put("id", id);
        event.put("source", "/berth/notifier");
        event.put("type", STORM_SUMMARY);
        event.put("time", end.toString());
        event.put("datacontenttype", "application/json");
        event.set("data", data);
        return new Message(
                id,
                STORM_SUMMARY,
                EventKind.FAILED,
                Severity.ERROR,
                "",
                "",
                "🌩 " + (failing + stormResolved.size()) + " stacks failing at once",
                text.toString().strip(),
                List.of(
                        new Message.Fact("Failing", String.valueOf(failing)),
                        new Message.Fact("Recovered", String.valueOf(stormResolved.size()))),
                null,
                null,
                event,
                end);
    }

    /** A message about an incident, with a CDEvents incident event for machines. */
    private static Message incident(Message m, String type, String id, String title, String text) {
        ObjectNode cd = Texts.JSON.createObjectNode();
        ObjectNode context = cd.putObject("context");
        context.put("specversion", EventType.CDEVENTS_SPEC_VERSION);
        context.put("id", id);
        context.put("source", "/berth/notifier");
        context.put("type", type);
        context.put("timestamp", m.time().toString());
        ObjectNode subject = cd.putObject("subject");
        subject.put("id", "incident/" + m.stack());
        subject.put("source", "/berth/" + m.stack());
        ObjectNode content = subject.putObject("content");
        content.put("description", title);
        content.putObject("environment").put("id", m.environment());
        content.putObject("service").put("id", m.stack());
        ObjectNode event = Texts.JSON.createObjectNode();
        event.put("specversion", "1.0");
        event.put("id", id);
        event.put("source", "/berth/notifier");
        event.put("type", type);
        event.put("time", m.time().toString());
        event.put("subject", m.stack());
        event.put("datacontenttype", "application/json");
        event.set("data", cd);
        return new Message(
                id,
                type,
                m.kind(),
                type.equals(INCIDENT_RESOLVED) ? Severity.INFO : m.severity(),
                m.environment(),
                m.stack(),
                title,
                text,
                m.facts(),
                m.detail(),
                m.link(),
                event,
                m.time());
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? s + " s" : s < 7200 ? (s / 60) + " min" : (s / 3600) + " h";
    }
}
