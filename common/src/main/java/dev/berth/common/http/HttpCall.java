package dev.berth.common.http;

import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One request, read whole before its endpoint sees it.
 *
 * @param method such as {@code POST}
 * @param path the decoded path, without the query
 * @param headers the first value of each header, keyed by its lower-case name
 * @param body the body; empty when {@code bodyTooLarge}
 * @param bodyTooLarge the body was over {@link HttpLimits#maxBodyBytes()} and was not read whole
 * @param remoteAddress the client's IP address
 */
public record HttpCall(
        String method,
        String path,
        Map<String, String> headers,
        byte[] body,
        boolean bodyTooLarge,
        String remoteAddress) {
    public HttpCall {
        headers = Map.copyOf(headers);
    }

    /** A header's first value, its name in any case; null when absent. */
    public @Nullable String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }
}
