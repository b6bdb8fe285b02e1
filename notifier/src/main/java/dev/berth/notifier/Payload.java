package dev.berth.notifier;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * One HTTP request body as a channel formats it.
 *
 * @param contentType the request's {@code Content-Type}
 * @param headers extra headers for this message (such as {@code ce-id}); signature headers are added
 *     at send time
 * @param body the UTF-8 body
 */
public record Payload(String contentType, Map<String, String> headers, String body) {
    public Payload {
        Objects.requireNonNull(contentType, "contentType");
        headers = Map.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    /** The body's size in UTF-8 bytes, which is what providers limit. */
    public int bytes() {
        return body.getBytes(StandardCharsets.UTF_8).length;
    }
}
