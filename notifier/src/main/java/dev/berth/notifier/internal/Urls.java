package dev.berth.notifier.internal;

import java.net.URI;

/** How webhook URLs appear in logs and metric tags: without the parts that may hold a token. */
public final class Urls {
    private Urls() {}

    /** The URL without user info, query and fragment: {@code https://hooks.example.com/berth}. */
    public static String withoutCredentials(URI url) {
        return origin(url) + (url.getRawPath() == null ? "" : url.getRawPath());
    }

    /**
     * Only the origin, for URLs whose path is the secret (Slack's
     * {@code /services/T…/B…/<token>}): {@code https://hooks.slack.com/…}.
     */
    public static String originOnly(URI url) {
        return origin(url) + "/…";
    }

    private static String origin(URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }
}
