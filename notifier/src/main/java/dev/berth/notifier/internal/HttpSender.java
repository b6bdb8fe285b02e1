package dev.berth.notifier.internal;

import dev.berth.notifier.Payload;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Sends one HTTP POST and says how it went; retrying is the caller's business. Thread-safe; owns an
 * {@link HttpClient} running on the given executor.
 */
public final class HttpSender {
    /** How one attempt ended. */
    public record Attempt(
            int status, Optional<Duration> retryAfter, String outcome, boolean answered, boolean notConnected) {
        public boolean delivered() {
            return status / 100 == 2;
        }

        /** A refusal that another attempt would not change (4xx other than 408 and 429). */
        public boolean refused() {
            return answered && status / 100 == 4 && status != 408 && status != 429;
        }

        /**
         * The request may have reached the receiver but no answer came (a response timeout, a
         * connection cut mid-exchange): sending again could deliver twice.
         */
        public boolean uncertain() {
            return !answered && !notConnected;
        }

        /** True for a 429: the receiver is fine but asks us to slow down. */
        public boolean rateLimited() {
            return status == 429;
        }
    }

    private final HttpClient client;
    private final Duration timeout;

    public HttpSender(Duration timeout, Executor executor) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .executor(executor)
                // No h2c upgrade on plain http: some webhook servers refuse an upgrade with a body.
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * POSTs {@code payload} to {@code url} with {@code extra} headers once.
     *
     * @throws InterruptedException when interrupted while waiting for the answer
     */
    public Attempt send(URI url, Payload payload, Map<String, String> extra) throws InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", payload.contentType())
                .header("User-Agent", "berth-notifier")
                .POST(HttpRequest.BodyPublishers.ofString(payload.body()));
        payload.headers().forEach(builder::header);
        extra.forEach(builder::header);
        try {
            HttpResponse<Void> response = client.send(builder.build(), HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            return new Attempt(
                    status,
                    response.headers().firstValue("Retry-After").flatMap(HttpSender::retryAfter),
                    "HTTP " + status,
                    true,
                    false);
        } catch (HttpConnectTimeoutException e) {
            return new Attempt(0, Optional.empty(), "no connection within " + timeout.toMillis() + " ms", false, true);
        } catch (HttpTimeoutException e) {
            return new Attempt(0, Optional.empty(), "no answer within " + timeout.toMillis() + " ms", false, false);
        } catch (ConnectException | UnresolvedAddressException e) {
            return new Attempt(0, Optional.empty(), describe(e), false, true);
        } catch (IOException e) {
            // The JDK reports a refused connection as a plain IOException whose cause is a ConnectException.
            boolean notConnected =
                    e.getCause() instanceof ConnectException || e.getCause() instanceof UnresolvedAddressException;
            return new Attempt(0, Optional.empty(), describe(e), false, notConnected);
        }
    }

    private static String describe(Exception e) {
        Throwable t = e.getMessage() == null && e.getCause() != null ? e.getCause() : e;
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** Retry-After as seconds (fractions allowed, as Discord sends); the HTTP-date form falls back to the backoff. */
    static Optional<Duration> retryAfter(String value) {
        try {
            double seconds = Double.parseDouble(value.strip());
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofMillis((long) (seconds * 1000)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
