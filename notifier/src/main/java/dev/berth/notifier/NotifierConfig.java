package dev.berth.notifier;

import dev.berth.common.BerthException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the notifier delivers.
 *
 * @param webhooks generic webhooks: every deployment event as CloudEvents JSON
 * @param slackWebhooks Slack-compatible incoming webhooks: outcomes as messages
 * @param groupId the notifier's Kafka consumer group
 * @param requestTimeout per HTTP request
 * @param maxAttempts deliveries tried per event and channel before giving up
 */
public record NotifierConfig(
        List<URI> webhooks, List<URI> slackWebhooks, String groupId, Duration requestTimeout, int maxAttempts) {
    public static final String DEFAULT_GROUP_ID = "berth-notifier";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    public NotifierConfig {
        webhooks = List.copyOf(Objects.requireNonNull(webhooks, "webhooks"));
        slackWebhooks = List.copyOf(Objects.requireNonNull(slackWebhooks, "slackWebhooks"));
        webhooks.forEach(u -> requireHttp("--webhook", u));
        slackWebhooks.forEach(u -> requireHttp("--slack-webhook", u));
        Objects.requireNonNull(groupId, "groupId");
        if (groupId.isBlank()) {
            throw new BerthException("notifier group id must not be blank, got \"" + groupId + "\"");
        }
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new BerthException("notifier request timeout must be positive, got " + requestTimeout);
        }
        if (maxAttempts < 1) {
            throw new BerthException("notifier max attempts must be at least 1, got " + maxAttempts);
        }
    }

    private static void requireHttp(String option, URI url) {
        String scheme = url.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new BerthException(option + " \"" + url + "\" is not an http(s) URL; write it like"
                    + " https://hooks.example.com/berth");
        }
    }

    /** No channels (audit only), group {@value #DEFAULT_GROUP_ID}, 10 s per request, 3 attempts. */
    public static NotifierConfig defaults() {
        return new NotifierConfig(
                List.of(), List.of(), DEFAULT_GROUP_ID, DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_ATTEMPTS);
    }

    public NotifierConfig withWebhooks(List<URI> urls) {
        return new NotifierConfig(urls, slackWebhooks, groupId, requestTimeout, maxAttempts);
    }

    public NotifierConfig withSlackWebhooks(List<URI> urls) {
        return new NotifierConfig(webhooks, urls, groupId, requestTimeout, maxAttempts);
    }

    public NotifierConfig withGroupId(String id) {
        return new NotifierConfig(webhooks, slackWebhooks, id, requestTimeout, maxAttempts);
    }

    public NotifierConfig withRequestTimeout(Duration timeout) {
        return new NotifierConfig(webhooks, slackWebhooks, groupId, timeout, maxAttempts);
    }

    public NotifierConfig withMaxAttempts(int attempts) {
        return new NotifierConfig(webhooks, slackWebhooks, groupId, requestTimeout, attempts);
    }
}
