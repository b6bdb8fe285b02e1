package dev.berth.notifier.internal;

import dev.berth.notifier.DeliveryException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * POSTs a body, retrying non-2xx answers and I/O errors with exponential backoff and honouring
 * {@code Retry-After} (capped). Thread-safe.
 */
public final class HttpPoster {
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final HttpClient client;
    private final Duration timeout;
    private final int maxAttempts;

    public HttpPoster(Duration timeout, int maxAttempts) {
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.timeout = timeout;
        this.maxAttempts = maxAttempts;
    }

    /** Posts until an attempt gets a 2xx answer; throws {@link DeliveryException} after the last attempt. */
    public void post(URI url, String contentType, Map<String, String> headers, String body)
            throws InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", contentType)
                .header("User-Agent", "berth")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(builder::header);
        HttpRequest request = builder.build();
        Duration backoff = FIRST_BACKOFF;
        String last = "";
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            Duration wait = backoff;
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    return;
                }
                last = "HTTP " + status;
                if (status / 100 == 4 && status != 429 && status != 408) {
                    break; // the receiver refuses this request: trying again would not help
                }
                Optional<Duration> retryAfter =
                        response.headers().firstValue("Retry-After").flatMap(HttpPoster::seconds);
                if (retryAfter.isPresent()) {
                    wait = retryAfter.get().compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : retryAfter.get();
                }
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            if (attempt < maxAttempts) {
                Thread.sleep(wait.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        throw new DeliveryException(last);
    }

    private static Optional<Duration> seconds(String value) {
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip()))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
