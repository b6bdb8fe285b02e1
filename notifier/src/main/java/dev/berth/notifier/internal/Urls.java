package dev.berth.notifier.internal;

import java.net.URI;

/** How webhook URLs appear in logs and messages: without the parts that may hold a token. */
public final class Urls {
    private Urls() {}

    /**
     * Any URL, valid or not, reduced to what is safe to print: the origin, or for a string that is not
     * an absolute URL the text before its first {@code /}, followed by {@code /…} when a path was cut.
     * Slack's {@code /services/T…/B…/<token>} and Discord's {@code /api/webhooks/<id>/<token>} put the
     * secret in the path, so no path is ever shown.
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
