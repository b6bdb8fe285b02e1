package dev.berth.notifier;

import dev.berth.common.BerthException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * Everything the notifier needs, built once at start-up (by {@code cli} from an environment file's
 * {@code notifications:} section and the {@code --webhook}/{@code --slack-webhook} flags) and
 * validated here. Immutable; the {@code with*} methods return a validated copy.
 *
 * <p><b>Environment files.</b> {@code channels} and {@code routes} come from:
 *
 * <pre>{@code
 * notifications:
 *   commit_url: https://github.com/acme/config/commit/{sha}   # commitUrlTemplate
 *   channels:                     # map: name -> ChannelConfig (type, url, signing_secret, headers)
 *     ops-slack: { type: slack, url: "${SLACK_OPS_URL}" }
 *   routes:                       # list of RouteConfig (name, environments, events, min_severity,
 *     - name: prod-failures       #   channels, template)
 *       environments: [prod]
 *       events: [failed, rolled-back, invalid]
 *       channels: [ops-slack]
 *   delivery:                     # optional; defaults are the DEFAULT_* constants
 *     request_timeout: 10s
 *     max_attempts: 5
 *     initial_backoff: 1s
 *     max_backoff: 60s
 *     circuit_breaker: { failures: 5, open_for: 30s }
 *   flood:
 *     window: 10m                 # floodWindow
 *     storm_stacks: 5             # stormThreshold
 * }</pre>
 *
 * <p>Validation messages name the key: {@code notifications.routes.prod-failures.channels: unknown
 * channel "ops"; defined channels: [ops-slack]}. A route's template is compiled by {@link RouteConfig}.
 *
 * <p><b>Flags.</b> {@link #withWebhooks} and {@link #withSlackWebhooks} (for {@code --webhook} and
 * {@code --slack-webhook}) replace the channels they made before ({@code webhook-1}, … and {@code
 * slack-1}, …) and keep one catch-all route each ({@value #FLAG_WEBHOOK_ROUTE}: the {@link #DEPLOYMENT_EVENTS}; {@value
 * #FLAG_SLACK_ROUTE}: the {@link #CHAT_EVENTS}); channels and routes from files are kept as they are.
 *
 * @param channels where notifications go; names unique
 * @param routes which events go to which channels; names unique, every channel named is defined
 * @param groupId the notifier's Kafka consumer group (also keys its delivered-ids state)
 * @param requestTimeout per HTTP request, connection included; a slower answer is a failed attempt
 * @param maxAttempts attempts per event and channel before the delivery goes to {@code
 *     berth.notifications.dlq}
 * @param initialBackoff wait before the second attempt; doubled each attempt up to {@code maxBackoff}
 *     (a 429's {@code Retry-After} replaces the wait, capped at {@code maxBackoff})
 * @param maxBackoff the longest wait between attempts
 * @param circuitBreakerFailures consecutive failed attempts after which a channel's circuit opens:
 *     its deliveries then go straight to the dead-letter topic until {@code circuitBreakerOpenFor} has
 *     passed and a trial attempt succeeds
 * @param circuitBreakerOpenFor how long an open circuit refuses attempts
 * @param floodWindow failures of one stack within this window are one incident ({@code
 *     incident.detected}, then updates, then {@code incident.resolved} when the stack succeeds)
 * @param stormThreshold when this many stacks or more have open incidents within one window, each
 *     channel gets one storm summary per window instead of a message per incident
 * @param commitUrlTemplate a link to a commit, {@code {sha}} replaced by the revision (such as {@code
 *     https://github.com/acme/config/commit/{sha}}); null: messages show the revision without a link
 */
public record NotifierConfig(
        List<ChannelConfig> channels,
        List<RouteConfig> routes,
        String groupId,
        Duration requestTimeout,
        int maxAttempts,
        Duration initialBackoff,
        Duration maxBackoff,
        int circuitBreakerFailures,
        Duration circuitBreakerOpenFor,
        Duration floodWindow,
        int stormThreshold,
        @Nullable String commitUrlTemplate) {
    public static final String DEFAULT_GROUP_ID = "berth-notifier";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(60);
    public static final int DEFAULT_CIRCUIT_BREAKER_FAILURES = 5;
    public static final Duration DEFAULT_CIRCUIT_BREAKER_OPEN_FOR = Duration.ofSeconds(30);
    public static final Duration DEFAULT_FLOOD_WINDOW = Duration.ofMinutes(10);
    public static final int DEFAULT_STORM_THRESHOLD = 5;

    /** The route {@code --webhook} channels get. */
    public static final String FLAG_WEBHOOK_ROUTE = "flag-webhooks";
    /** The route {@code --slack-webhook} channels get. */
    public static final String FLAG_SLACK_ROUTE = "flag-slack-webhooks";

    /**
     * The event kinds {@code --webhook} channels get: everything {@code berth.deployments} carries
     * (progress, service steps, outcomes, errors), not the changes and commands of {@code
     * berth.changes}.
     */
    public static final Set<EventKind> DEPLOYMENT_EVENTS = Set.of(
            EventKind.STARTED,
            EventKind.SERVICE,
            EventKind.SUCCEEDED,
            EventKind.FAILED,
            EventKind.ROLLED_BACK,
            EventKind.INVALID,
            EventKind.DRIFT,
            EventKind.WATCHER_ERROR,
            EventKind.OTHER);

    /** The event kinds a chat room wants by default: outcomes and errors, not every step. */
    public static final Set<EventKind> CHAT_EVENTS = Set.of(
            EventKind.SUCCEEDED,
            EventKind.FAILED,
            EventKind.ROLLED_BACK,
            EventKind.INVALID,
            EventKind.DRIFT,
            EventKind.WATCHER_ERROR);

    private static final String WEBHOOK_PREFIX = "webhook-";
    private static final String SLACK_PREFIX = "slack-";

    public NotifierConfig {
        channels = List.copyOf(Objects.requireNonNull(channels, "channels"));
        routes = List.copyOf(Objects.requireNonNull(routes, "routes"));
        Set<String> channelNames = new HashSet<>();
        for (ChannelConfig c : channels) {
            if (!channelNames.add(c.name())) {
                throw new BerthException("notifications.channels: channel \"" + c.name() + "\" is defined twice");
            }
        }
        Set<String> routeNames = new HashSet<>();
        for (RouteConfig r : routes) {
            if (!routeNames.add(r.name())) {
                throw new BerthException("notifications.routes: route \"" + r.name() + "\" is defined twice");
            }
            for (String c : r.channels()) {
                if (!channelNames.contains(c)) {
                    throw new BerthException("notifications.routes." + r.name() + ".channels: unknown channel \""
                            + c + "\"; defined channels: "
                            + channels.stream()
                                    .map(ChannelConfig::name)
                                    .sorted()
                                    .toList());
                }
            }
        }
        Objects.requireNonNull(groupId, "groupId");
        if (groupId.isBlank()) {
            throw new BerthException("notifier group id must not be blank, got \"" + groupId + "\"");
        }
        requirePositive("notifications.delivery.request_timeout (notifier request timeout)", requestTimeout);
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new BerthException(
                    "notifications.delivery.max_attempts (notifier max attempts) must be 1 to 100, got " + maxAttempts);
        }
        requirePositive("notifications.delivery.initial_backoff", initialBackoff);
        requirePositive("notifications.delivery.max_backoff", maxBackoff);
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new BerthException("notifications.delivery.max_backoff (" + maxBackoff
                    + ") must not be shorter than initial_backoff (" + initialBackoff + ")");
        }
        if (circuitBreakerFailures < 1) {
            throw new BerthException("notifications.delivery.circuit_breaker.failures must be at least 1, got "
                    + circuitBreakerFailures);
        }
        requirePositive("notifications.delivery.circuit_breaker.open_for", circuitBreakerOpenFor);
        requirePositive("notifications.flood.window", floodWindow);
        if (stormThreshold < 2) {
            throw new BerthException("notifications.flood.storm_stacks must be at least 2, got " + stormThreshold);
        }
        if (commitUrlTemplate != null && !commitUrlTemplate.contains("{sha}")) {
            throw new BerthException("notifications.commit_url: \"" + commitUrlTemplate
                    + "\" has no {sha}; write it like https://github.com/acme/config/commit/{sha}");
        }
        if (commitUrlTemplate != null) {
            ChannelConfig.requireHttp("notifications.commit_url", URI.create(commitUrlTemplate.replace("{sha}", "0")));
        }
    }

    private static void requirePositive(String key, Duration value) {
        Objects.requireNonNull(value, key);
        if (value.isNegative() || value.isZero()) {
            throw new BerthException(key + " must be positive, got " + value);
        }
    }

    /** No channels or routes (audit only), and every DEFAULT_* value. */
    public static NotifierConfig defaults() {
        return new NotifierConfig(
                List.of(),
                List.of(),
                DEFAULT_GROUP_ID,
                DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_MAX_ATTEMPTS,
                DEFAULT_INITIAL_BACKOFF,
                DEFAULT_MAX_BACKOFF,
                DEFAULT_CIRCUIT_BREAKER_FAILURES,
                DEFAULT_CIRCUIT_BREAKER_OPEN_FOR,
                DEFAULT_FLOOD_WINDOW,
                DEFAULT_STORM_THRESHOLD,
                null);
    }

    /** The URLs of the {@code --webhook} channels. */
    public List<URI> webhooks() {
        return flagChannels(WEBHOOK_PREFIX, ChannelType.WEBHOOK);
    }

    /** The URLs of the {@code --slack-webhook} channels. */
    public List<URI> slackWebhooks() {
        return flagChannels(SLACK_PREFIX, ChannelType.SLACK);
    }

    /** The channel named {@code name}. */
    public ChannelConfig channel(String name) {
        return channels.stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new BerthException("no notification channel \"" + name + "\""));
    }

    private List<URI> flagChannels(String prefix, ChannelType type) {
        return channels.stream()
                .filter(c -> c.type() == type && isFlagChannel(c.name(), prefix))
                .map(ChannelConfig::url)
                .toList();
    }

    private static boolean isFlagChannel(String name, String prefix) {
        return name.startsWith(prefix)
                && name.substring(prefix.length()).chars().allMatch(Character::isDigit);
    }

    /**
     * Replaces the {@code --webhook} channels ({@code webhook-1}, …) with these URLs, each a
     * {@link ChannelType#WEBHOOK} channel (unsigned), all on route {@value #FLAG_WEBHOOK_ROUTE} taking
     * the {@link #DEPLOYMENT_EVENTS}.
     */
    public NotifierConfig withWebhooks(List<URI> urls) {
        return withFlagChannels(
                urls, "--webhook", WEBHOOK_PREFIX, ChannelType.WEBHOOK, FLAG_WEBHOOK_ROUTE, DEPLOYMENT_EVENTS);
    }

    /**
     * Replaces the {@code --slack-webhook} channels ({@code slack-1}, …) with these URLs, each a
     * {@link ChannelType#SLACK} channel, all on route {@value #FLAG_SLACK_ROUTE} taking the {@link
     * #CHAT_EVENTS}.
     */
    public NotifierConfig withSlackWebhooks(List<URI> urls) {
        return withFlagChannels(
                urls, "--slack-webhook", SLACK_PREFIX, ChannelType.SLACK, FLAG_SLACK_ROUTE, CHAT_EVENTS);
    }

    private NotifierConfig withFlagChannels(
            List<URI> urls, String option, String prefix, ChannelType type, String route, Set<EventKind> events) {
        urls.forEach(u -> ChannelConfig.requireHttp(option, u));
        List<ChannelConfig> newChannels = new ArrayList<>(channels.stream()
                .filter(c -> !(c.type() == type && isFlagChannel(c.name(), prefix)))
                .toList());
        List<String> names =
                IntStream.range(0, urls.size()).mapToObj(i -> prefix + (i + 1)).toList();
        for (int i = 0; i < urls.size(); i++) {
            newChannels.add(new ChannelConfig(names.get(i), type, urls.get(i)));
        }
        List<RouteConfig> newRoutes = new ArrayList<>(
                routes.stream().filter(r -> !r.name().equals(route)).toList());
        if (!urls.isEmpty()) {
            newRoutes.add(new RouteConfig(route, Set.of(), events, Severity.INFO, names, null));
        }
        return withChannelsAndRoutes(newChannels, newRoutes);
    }

    /** The same settings with these channels and routes (from an environment file). */
    public NotifierConfig withChannelsAndRoutes(List<ChannelConfig> newChannels, List<RouteConfig> newRoutes) {
        return new NotifierConfig(
                newChannels,
                newRoutes,
                groupId,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                circuitBreakerFailures,
                circuitBreakerOpenFor,
                floodWindow,
                stormThreshold,
                commitUrlTemplate);
    }

    public NotifierConfig withGroupId(String id) {
        return new NotifierConfig(
                channels,
                routes,
                id,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                circuitBreakerFailures,
                circuitBreakerOpenFor,
                floodWindow,
                stormThreshold,
                commitUrlTemplate);
    }

    public NotifierConfig withRequestTimeout(Duration timeout) {
        return new NotifierConfig(
                channels,
                routes,
                groupId,
                timeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                circuitBreakerFailures,
                circuitBreakerOpenFor,
                floodWindow,
                stormThreshold,
                commitUrlTemplate);
    }

    public NotifierConfig withMaxAttempts(int attempts) {
        return new NotifierConfig(
                channels,
                routes,
                groupId,
                requestTimeout,
                attempts,
                initialBackoff,
                maxBackoff,
                circuitBreakerFailures,
                circuitBreakerOpenFor,
                floodWindow,
                stormThreshold,
                commitUrlTemplate);
    }

    /** Exponential backoff between attempts: {@code initial}, doubled each time, at most {@code max}. */
    public NotifierConfig withBackoff(Duration initial, Duration max) {
        return new NotifierConfig(
                channels,
                routes,
                groupId,
                requestTimeout,
                maxAttempts,
                initial,
                max,
                circuitBreakerFailures,
                circuitBreakerOpenFor,
                floodWindow,
                stormThreshold,
                commitUrlTemplate);
    }

    public NotifierConfig withCircuitBreaker(int failures, Duration openFor) {
        return new NotifierConfig(
                channels,
                routes,
                groupId,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                failures,
                openFor,
                floodWindow,
                stormThreshold,
                commitUrlTemplate);
    }

    /** Flood control: incidents per stack within {@code window}; a storm from {@code stormStacks} stacks. */
    public NotifierConfig withFlood(Duration window, int stormStacks) {
        return new NotifierConfig(
                channels,
                routes,
                groupId,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                circuitBreakerFailures,
                circuitBreakerOpenFor,
                window,
                stormStacks,
                commitUrlTemplate);
    }

    public NotifierConfig withCommitUrlTemplate(@Nullable String template) {
        return new NotifierConfig(
                channels,
                routes,
                groupId,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                circuitBreakerFailures,
                circuitBreakerOpenFor,
                floodWindow,
                stormThreshold,
                template);
    }
}
