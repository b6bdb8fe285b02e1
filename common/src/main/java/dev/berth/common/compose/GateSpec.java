package dev.berth.common.compose;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Berth's own gate for a service, from the service's {@code x-berth.gate}: how long a new container may
 * take to pass, and a probe it must answer besides its health check. Not part of a container's config.
 *
 * <pre>
 * x-berth:
 *   gate:
 *     timeout: 2m
 *     probe:
 *       http: {port: 8080, path: /health, status: 200}   # or: tcp: {port: 5432}
 *       interval: 1s
 * </pre>
 *
 * @param timeout how long a new container may take to pass its gate; null for the deployer's health timeout
 * @param probe a request the container must answer, or null for none
 */
public record GateSpec(@Nullable Duration timeout, @Nullable Probe probe) {
    /** No timeout of its own, no probe. */
    public static final GateSpec NONE = new GateSpec(null, null);

    /**
     * A probe the deployer runs against the container (its address on its network, or its port
     * published on the host), repeated every {@code interval} until it passes or the gate times out.
     *
     * @param port the container port
     * @param path for HTTP: the request path, starting with {@code /}; empty for TCP
     * @param status for HTTP: the status the answer must carry; 0 for TCP
     */
    public record Probe(Kind kind, int port, String path, int status, Duration interval) {
        public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

        public enum Kind {
            /** An HTTP GET answered with the expected status. */
            HTTP,
            /** A TCP connection accepted. */
            TCP
        }

        public Probe {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(interval, "interval");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1 to 65535, not " + port);
            }
        }

        /** {@code http :8080/health -> 200}, {@code tcp :5432}, as people read them. */
        public String describe() {
            return kind == Kind.HTTP ? "http :" + port + path + " -> " + status : "tcp :" + port;
        }
    }
}
