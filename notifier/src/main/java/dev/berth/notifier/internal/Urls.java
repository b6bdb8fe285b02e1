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

    /**
     * Any URL, valid or not, reduced to what is safe to print: the origin, or for a string that is not
     * an absolute URL the text before its first {@code /}, followed by {@code /…} when a path was cut.
     */
    public static String redacted(URI url) {
        if (url.getScheme() != null && url.getHost() != null) {
            String path = url.getRawPath();
            return origin(url) + (path == null || path.isEmpty() ? "" : "/…");
        }
        String raw = url.toString();
        int slash = raw.indexOf('/', raw.indexOf("://") < 0 ? 0 : raw.indexOf("://") + 3);
        return slash < 0 ? raw : raw.substring(0, slash) + "/…";
    }

    private static String origin(URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }
}
