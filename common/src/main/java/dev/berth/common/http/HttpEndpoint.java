package dev.berth.common.http;

/**
 * Answers the requests of one {@link HttpListener}. Called on the listener's bounded threads, several
 * at once: must be thread-safe and should not block for long.
 */
@FunctionalInterface
public interface HttpEndpoint {
    HttpReply handle(HttpCall call);
}
