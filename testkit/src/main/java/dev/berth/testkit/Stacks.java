package dev.berth.testkit;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.event.StackChanged;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Compose documents for tests, built on the local {@code busybox:1.35} image. */
public final class Stacks {
    /** A health check that passes once the web server answers. */
    public static final String HEALTHY = "wget -q -O /dev/null http://127.0.0.1:8080/";

    private Stacks() {}

    /**
     * One service {@code web}: a web server showing {@code GREETING=<greeting>}, published on
     * 127.0.0.1:{@code port}, with the health check {@code healthTest} every second, label
     * {@code team=web}. It stops at once on SIGTERM.
     */
    public static String webServer(int port, String greeting, String healthTest) {
        return """
                services:
                  web:
                    image: busybox:1.35
                    command: ["sh", "-c", "mkdir -p /www; env | grep ^GREETING > /www/index.html; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]
                    environment:
                      GREETING: %s
                    ports:
                      - "127.0.0.1:%d:8080"
                    healthcheck:
                      test: ["CMD-SHELL", "%s"]
                      interval: 1s
                      timeout: 2s
                      retries: 2
                    labels:
                      team: web
                """.formatted(greeting, port, healthTest);
    }

    /**
     * The {@code stack.changed} event a watcher would publish for {@code compose} at a new commit (a
     * random 40-digit sha, by Erin, with {@code message}), read from {@code stacks/x/compose.yaml}.
     */
    public static StackChanged changed(StackRef stack, String compose, String message) {
        String sha = (UUID.randomUUID().toString() + UUID.randomUUID())
                .replace("-", "")
                .substring(0, 40);
        Commit commit = new Commit(sha, "Erin", message, Instant.now());
        return new StackChanged(stack, commit, "stacks/x/compose.yaml", compose, List.of());
    }

    /** A port of 127.0.0.1 that was free a moment ago. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
