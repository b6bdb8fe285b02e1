package dev.berth.common.http;

import java.time.Duration;
import java.util.Objects;

/**
 * What one {@link HttpListener} accepts from its clients.
 *
 * @param threads the most request threads (Jetty's acceptor and selector included)
 * @param requestTimeout a request must arrive whole (request line, headers and body) within this
 *     time of its connection's opening or of the previous response on that connection, or the
 *     connection is closed; this also bounds how long an idle keep-alive connection stays open
 * @param maxHeaderBytes the most bytes of request line and headers; more answers 431
 * @param maxBodyBytes the most bytes of body; more is never read and answers 413
 * @param maxConnections the most open connections in total
 * @param maxConnectionsPerAddress the most open connections from one client address
 */
public record HttpLimits(
        int threads,
        Duration requestTimeout,
        int maxHeaderBytes,
        int maxBodyBytes,
        int maxConnections,
        int maxConnectionsPerAddress) {
    public static final int DEFAULT_THREADS = 8;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_HEADER_BYTES = 8 * 1024;
    public static final int DEFAULT_MAX_CONNECTIONS = 64;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 16;

    public HttpLimits {
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        require(threads >= 4, "threads", threads, "at least 4 (Jetty's acceptor and selector take two)");
        require(
                !requestTimeout.isNegative() && requestTimeout.toMillis() >= 100,
                "requestTimeout",
                requestTimeout,
                "at least 100 ms");
        require(maxHeaderBytes >= 1024, "maxHeaderBytes", maxHeaderBytes, "at least 1024");
        require(maxBodyBytes >= 0, "maxBodyBytes", maxBodyBytes, "0 or more");
        require(maxConnections >= 1, "maxConnections", maxConnections, "at least 1");
        require(
                maxConnectionsPerAddress >= 1 && maxConnectionsPerAddress <= maxConnections,
                "maxConnectionsPerAddress",
                maxConnectionsPerAddress,
                "between 1 and maxConnections (" + maxConnections + ")");
    }

    /** The defaults above with the given body limit. */
    public static HttpLimits withMaxBody(int maxBodyBytes) {
        return new HttpLimits(
                DEFAULT_THREADS,
                DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_MAX_HEADER_BYTES,
                maxBodyBytes,
                DEFAULT_MAX_CONNECTIONS,
                DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);
    }

    private static void require(boolean ok, String key, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("HTTP limit " + key + " is " + value + ": must be " + expected);
        }
    }
}
