package dev.berth.notifier.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HttpPosterTest {
    @Test
    void backsOffExponentiallyUpToTheCap() {
        assertThat(HttpPoster.wait(1, Optional.empty())).isEqualTo(Duration.ofMillis(500));
        assertThat(HttpPoster.wait(2, Optional.empty())).isEqualTo(Duration.ofSeconds(1));
        assertThat(HttpPoster.wait(3, Optional.empty())).isEqualTo(Duration.ofSeconds(2));
        assertThat(HttpPoster.wait(40, Optional.empty())).isEqualTo(HttpPoster.MAX_BACKOFF);
    }

    @Test
    void aRetryAfterWinsButIsCapped() {
        assertThat(HttpPoster.wait(1, Optional.of(Duration.ofSeconds(7)))).isEqualTo(Duration.ofSeconds(7));
        assertThat(HttpPoster.wait(1, Optional.of(Duration.ofHours(1)))).isEqualTo(HttpPoster.MAX_BACKOFF);
        assertThat(HttpPoster.seconds(" 3 ")).contains(Duration.ofSeconds(3));
        assertThat(HttpPoster.seconds("-3")).contains(Duration.ZERO);
        assertThat(HttpPoster.seconds("Wed, 21 Oct 2026 07:28:00 GMT")).isEmpty();
    }

    @Test
    void retriesOnlyWhatMayPass() {
        assertThat(HttpPoster.retriable(500)).isTrue();
        assertThat(HttpPoster.retriable(503)).isTrue();
        assertThat(HttpPoster.retriable(429)).isTrue();
        assertThat(HttpPoster.retriable(408)).isTrue();
        assertThat(HttpPoster.retriable(400)).isFalse();
        assertThat(HttpPoster.retriable(404)).isFalse();
        assertThat(HttpPoster.retriable(301)).isFalse();
    }

    @Test
    void urlsLoseTheirCredentials() {
        URI url = URI.create("https://bot:pw@hooks.example.com:8443/services/T/B/tok?sig=abc#x");
        assertThat(Urls.withoutCredentials(url)).isEqualTo("https://hooks.example.com:8443/services/T/B/tok");
        assertThat(Urls.originOnly(url)).isEqualTo("https://hooks.example.com:8443/…");
    }
}
