package dev.berth.notifier.internal;

import dev.berth.notifier.DeliveryException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * POSTs a body, retrying 5xx, 408, 429 answers and I/O errors with exponential backoff and
 * honouring {@code Retry-After} (capped). Other 4xx answers are final: the receiver refuses the
 * request, and sending it again would not change its mind. Thread-safe; {@link #abort()} ends every
 * backoff wait at once, for a prompt shutdown.
 */
public final class HttpPoster {
    static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final HttpClient client;
    private final Duration timeout;
    private final int maxAttempts;
    private final CountDownLatch aborted = new CountDownLatch(1);

    public HttpPoster(Duration timeout, int maxAttempts) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                // No h2c upgrade on plain http: some webhook servers refuse an upgrade with a body.
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Posts until an attempt gets a 2xx answer.
     *
     * @throws DeliveryException after the last attempt, or when aborted, with the last answer
     *     ({@code HTTP 500}, {@code ConnectException}) as its message
     */
    public void post(URI url, String contentType, Map<String, String> headers, String body)
            throws InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", contentType)
                .header("User-Agent", "berth")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(builder::header);
        HttpRequest request = builder.build();
        String last = "not attempted";
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            Optional<Duration> retryAfter = Optional.empty();
            try {
                HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    return;
                }
                last = "HTTP " + status;
                if (!retriable(status)) {
                    break;
                }
                retryAfter = response.headers().firstValue("Retry-After").flatMap(HttpPoster::seconds);
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            if (attempt < maxAttempts && aborted.await(wait(attempt, retryAfter).toMillis(), TimeUnit.MILLISECONDS)) {
                throw new DeliveryException(last + " (stopped before attempt " + (attempt + 1) + ")");
            }
        }
        throw new DeliveryException(last);
    }

    /** Ends every current and future backoff wait: posts fail at their next retry. Idempotent. */
    public void abort() {
        aborted.countDown();
    }

    static boolean retriable(int status) {
        return status / 100 == 5 || status == 408 || status == 429;
    }

    /** The wait after a failed attempt: the receiver's Retry-After if any, else doubling; both capped. */
    static Duration wait(int attempt, Optional<Duration> retryAfter) {
        Duration wait = retryAfter.orElseGet(() -> FIRST_BACKOFF.multipliedBy(1L << Math.min(attempt - 1, 16)));
        return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
    }

    /** Retry-After in seconds; the HTTP-date form is rare for webhooks and falls back to the backoff. */
    static Optional<Duration> seconds(String value) {
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip()))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
