package dev.berth.notifier;

import dev.berth.common.BerthException;
import dev.berth.notifier.internal.Urls;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One place notifications go: an environment file's {@code notifications.channels.<name>} entry.
 *
 * <pre>{@code
 * notifications:
 *   channels:
 *     ops-slack:  { type: slack, url: "${SLACK_OPS_URL}" }
 *     audit-hook: { type: webhook, url: https://hooks.example.com/berth,
 *                   signing_secret: "${BERTH_HOOK_KEY}", headers: { X-Team: platform } }
 * }</pre>
 *
 * <p>The URL, the signing secret and the header values are treated as secrets: {@link #toString()}
 * shows only the URL's origin and never the secret or header values, and nothing the notifier logs or
 * sends contains them (the signing secret only keys the HMAC).
 *
 * @param name unique among the notifier's channels; letters, digits, {@code .}, {@code _}, {@code -}
 *     (routes name channels by it; it appears in logs, metrics and {@code berth.notifications.dlq})
 * @param type the provider, which decides the payload shape and limits
 * @param url the incoming-webhook URL ({@code http} or {@code https})
 * @param signingSecret for {@link ChannelType#WEBHOOK} only: the HMAC-SHA256 key. Each request then
 *     carries {@code X-Berth-Timestamp} (Unix seconds) and {@code X-Berth-Signature: sha256=<hex>} of
 *     {@code "<timestamp>.<body>"}. Null: unsigned. Must be at least 16 characters.
 * @param headers extra request headers (such as an authorization token for a gateway); names are HTTP
 *     tokens; {@code Content-Type}, {@code Content-Length}, {@code Host} and the {@code X-Berth-*}
 *     headers are set by the notifier and refused here
 */
public record ChannelConfig(
        String name, ChannelType type, URI url, @Nullable String signingSecret, Map<String, String> headers) {
    /** Valid channel and route names. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    /** The shortest HMAC key accepted. */
    public static final int MIN_SIGNING_SECRET_LENGTH = 16;

    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Set<String> RESERVED_HEADERS = Set.of("content-type", "content-length", "host");

    public ChannelConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(headers, "headers");
        String where = "notifications.channels." + name;
        if (!NAME.matcher(name).matches()) {
            throw new BerthException("notifications.channels: invalid channel name \"" + name
                    + "\"; use letters, digits, '.', '_' and '-' (at most 63), starting with a letter or digit");
        }
        requireHttp(where + ".url", url);
        if (signingSecret != null) {
            if (type != ChannelType.WEBHOOK) {
                throw new BerthException(where + ".signing_secret: only webhook channels are signed; " + type.key()
                        + " channels authenticate by their URL. Remove signing_secret or use type: webhook");
            }
            if (signingSecret.length() < MIN_SIGNING_SECRET_LENGTH) {
                throw new BerthException(where + ".signing_secret: too short (" + signingSecret.length()
                        + " characters); use at least " + MIN_SIGNING_SECRET_LENGTH
                        + ", such as the output of `openssl rand -hex 32`");
            }
        }
        TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> {
            Objects.requireNonNull(k, "header name");
            Objects.requireNonNull(v, "header value");
            String lower = k.toLowerCase(Locale.ROOT);
            if (!HEADER_NAME.matcher(k).matches()) {
                throw new BerthException(where + ".headers: \"" + k + "\" is not a valid HTTP header name");
            }
            if (RESERVED_HEADERS.contains(lower) || lower.startsWith("x-berth-")) {
                throw new BerthException(
                        where + ".headers: \"" + k + "\" is set by the notifier itself; remove it from headers");
            }
            if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                throw new BerthException(where + ".headers." + k + ": a header value must be one line");
            }
            if (copy.put(k, v) != null) {
                throw new BerthException(where + ".headers: \"" + k + "\" is given twice (names ignore case)");
            }
        });
        headers = Map.copyOf(copy);
    }

    /** A channel without signing secret or extra headers. */
    public ChannelConfig(String name, ChannelType type, URI url) {
        this(name, type, url, null, Map.of());
    }

    static void requireHttp(String where, URI url) {
        String scheme = url.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new BerthException(where + ": \"" + Urls.redacted(url) + "\" is not an http(s) URL; write it"
                    + " like https://hooks.example.com/berth");
        }
    }

    /** The name, type and URL origin: never the URL's path (often a token), the secret or header values. */
    @Override
    public String toString() {
        return "ChannelConfig[" + name + ", " + type.key() + ", " + Urls.redacted(url)
                + (signingSecret == null ? "" : ", signed") + (headers.isEmpty() ? "" : ", headers " + headers.keySet())
                + "]";
    }
}
