package dev.berth.deployer.internal;

import dev.berth.common.compose.GateSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Runs a service's {@code x-berth} probe once against a container's address: an HTTP GET that must
 * answer with the expected status, or a TCP connection that must be accepted. Thread-safe.
 */
final class Prober {
    /** How long one attempt may take: connecting, then the whole answer. */
    static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(2);

    private static final int BODY_HEAD = 200;

    /**
     * One attempt's result.
     *
     * @param evidence what was asked and what came back (status and the head of the body, or the error)
     */
    record Result(boolean passed, String evidence) {}

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(ATTEMPT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    /** Tries the addresses in order; the first that answers decides. */
    Result probe(GateSpec.Probe probe, List<InetSocketAddress> addresses) throws InterruptedException {
        if (addresses.isEmpty()) {
            return new Result(
                    false, "probe " + probe.describe() + ": the container has no address this host can reach");
        }
        Result last = null;
        for (InetSocketAddress address : addresses) {
            last = probe.kind() == GateSpec.Probe.Kind.HTTP ? http(probe, address) : tcp(probe, address);
            if (last.passed() || !last.evidence().contains("no answer")) {
                return last;
            }
        }
        return last;
    }

    private Result http(GateSpec.Probe probe, InetSocketAddress address) throws InterruptedException {
        URI uri = URI.create("http://" + address.getHostString() + ":" + address.getPort() + probe.path());
        String asked = "probe GET " + uri;
        try {
            HttpResponse<byte[]> response = http.send(
                    HttpRequest.newBuilder(uri).timeout(ATTEMPT_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            String body = new String(response.body(), StandardCharsets.UTF_8);
            if (body.length() > BODY_HEAD) {
                body = body.substring(0, BODY_HEAD) + "...";
            }
            boolean passed = response.statusCode() == probe.status();
            return new Result(
                    passed,
                    asked + ": status " + response.statusCode()
                            + (passed ? "" : " (expected " + probe.status() + ")")
                            + (body.isBlank() ? "" : ", body: " + body.strip()));
        } catch (IOException e) {
            return new Result(
                    false, asked + ": no answer (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    private static Result tcp(GateSpec.Probe probe, InetSocketAddress address) {
        String asked = "probe tcp " + address.getHostString() + ":" + address.getPort();
        try (Socket socket = new Socket()) {
            socket.connect(address, (int) ATTEMPT_TIMEOUT.toMillis());
            return new Result(true, asked + ": connected");
        } catch (IOException e) {
            return new Result(
                    false, asked + ": no answer (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }
}
