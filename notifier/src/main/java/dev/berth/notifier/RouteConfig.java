package dev.berth.notifier;

import dev.berth.common.BerthException;
import dev.berth.notifier.internal.Templates;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which events go to which channels: an environment file's {@code notifications.routes[]} entry.
 *
 * <pre>{@code
 * notifications:
 *   routes:
 *     - name: failures-to-ops
 *       environments: [prod]              # empty or absent: every environment
 *       events: [failed, invalid, watcher-error]   # empty or absent: every kind
 *       min_severity: warning             # absent: info
 *       channels: [ops-slack, audit-hook]
 *       template: |                       # absent: the built-in message
 *         {{emoji}} *{{stack}}* {{title}} at <{{commitUrl}}|{{shortRevision}}> by {{author}}
 * }</pre>
 *
 * <p>An event goes to a channel when at least one route matches it (its environment is listed or
 * the list is empty; its {@link EventKind} is covered by one listed, see {@link EventKind#covers}, or
 * the list is empty; its severity is at least {@code minSeverity}) and names the channel. An event
 * reaches each channel at most once even when several routes match; the first matching route (in
 * file order) that names the channel decides its template. An event no route matches is audited only.
 *
 * <p>A template is <a href="https://mustache.github.io/mustache.5.html">Mustache</a> source (rendered
 * by JMustache; HTML escaping off, missing variables render empty). It renders the message text; each
 * channel places the text in its own shape (Slack/Mattermost: mrkdwn section/text, Teams: a TextBlock,
 * Discord: the embed description, webhook: the CloudEvent extension attribute {@code berthmessage})
 * and truncates it to the provider's limit. Variables: {@code id}, {@code type} (CloudEvents type),
 * {@code kind} ({@code failed}), {@code severity}, {@code emoji}, {@code title} ("deployed", "failed
 * and rolled back to abc1234"), {@code environment}, {@code stack} ({@code env/name}), {@code
 * stackName}, {@code revision}, {@code shortRevision}, {@code commitUrl} (empty without {@link
 * NotifierConfig#commitUrlTemplate()}), {@code author}, {@code actor}, {@code commitMessage} (first
 * line), {@code duration} ({@code 12.3 s}), {@code service}, {@code reason}, {@code evidence}, {@code
 * rolledBackTo}, {@code changes} (a list: {@code {{#changes}}- {{.}}\n{{/changes}}}), {@code
 * location} (an invalid stack's {@code file:line:column}), {@code error}; incidents add {@code
 * incident} ({@code detected}, {@code updated}, {@code resolved}), {@code failures} and {@code
 * stacks} (a storm summary's list of stacks). Values are redacted of secrets before rendering.
 *
 * @param name unique among routes; letters, digits, {@code .}, {@code _}, {@code -}
 * @param environments environment names the route takes; empty: all
 * @param events event kinds the route takes; empty: all
 * @param minSeverity the lowest severity the route takes
 * @param channels names of {@link ChannelConfig channels}, at least one, each defined in the same
 *     {@link NotifierConfig} (checked there)
 * @param template Mustache source overriding the built-in message, or null; compiled here, so a
 *     template that does not compile fails at start with the route's name and the line
 */
public record RouteConfig(
        String name,
        Set<String> environments,
        Set<EventKind> events,
        Severity minSeverity,
        List<String> channels,
        @Nullable String template) {
    public RouteConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(environments, "environments");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(minSeverity, "minSeverity");
        Objects.requireNonNull(channels, "channels");
        if (!ChannelConfig.NAME.matcher(name).matches()) {
            throw new BerthException("notifications.routes: invalid route name \"" + name
                    + "\"; use letters, digits, '.', '_' and '-' (at most 63), starting with a letter or digit");
        }
        String where = "notifications.routes." + name;
        environments = Set.copyOf(environments);
        events = events.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(events));
        channels = List.copyOf(channels);
        if (channels.isEmpty()) {
            throw new BerthException(where + ".channels: a route needs at least one channel");
        }
        if (channels.stream().distinct().count() != channels.size()) {
            throw new BerthException(where + ".channels: a channel is listed twice in " + channels);
        }
        if (template != null) {
            Templates.compile(where + ".template", template);
        }
    }

    /** A route taking every event of every environment to {@code channels}, with the built-in message. */
    public static RouteConfig catchAll(String name, List<String> channels) {
        return new RouteConfig(name, Set.of(), Set.of(), Severity.INFO, channels, null);
    }

    /** True when this route takes an event of {@code kind} in {@code environment}. */
    public boolean matches(String environment, EventKind kind) {
        return (environments.isEmpty() || environments.contains(environment))
                && (events.isEmpty() || events.stream().anyMatch(e -> e.covers(kind)))
                && kind.severity().compareTo(minSeverity) >= 0;
    }
}
