package dev.berth.common.http;

import java.util.Map;

/**
 * What an endpoint answers.
 *
 * @param status the HTTP status
 * @param contentType the {@code Content-Type}
 * @param body the body, sent as UTF-8 (not sent for {@code HEAD})
 * @param headers further response headers
 */
public record HttpReply(int status, String contentType, String body, Map<String, String> headers) {
    public HttpReply {
        headers = Map.copyOf(headers);
    }

    /** A {@code text/plain; charset=utf-8} reply. */
    public static HttpReply text(int status, String body) {
        return new HttpReply(status, "text/plain; charset=utf-8", body, Map.of());
    }

    /** This reply with one more header. */
    public HttpReply withHeader(String name, String value) {
        Map<String, String> more = new java.util.HashMap<>(headers);
        more.put(name, value);
        return new HttpReply(status, contentType, body, more);
    }
}
