package dev.berth.common.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The ops endpoint over real HTTP on an ephemeral loopback port. */
class OpsServerTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicBoolean ready = new AtomicBoolean(true);
    private final AtomicBoolean healthy = new AtomicBoolean(true);
    private final HttpClient http = HttpClient.newHttpClient();
    private final OpsServer ops = new OpsServer(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry, ready::get, healthy::get);

    @AfterEach
    void stop() throws InterruptedException {
        ops.stop();
        assertThat(ops.awaitStop(Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void answersHealthReadyAndMetricsFromItsSuppliers() throws Exception {
        ops.start();
        registry.counter("berth.test.things").increment();
        assertThat(get("/health").body()).isEqualTo("UP\n");
        assertThat(get("/ready").body()).isEqualTo("READY\n");
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
        assertThat(metrics.body()).contains("berth_test_things_total 1.0");
        ready.set(false);
        healthy.set(false);
        assertThat(get("/ready").statusCode()).isEqualTo(503);
        assertThat(get("/ready").body()).isEqualTo("NOT READY\n");
        assertThat(get("/health").statusCode()).isEqualTo(503);
        assertThat(get("/health").body()).isEqualTo("DOWN\n");
    }

    @Test
    void headHasNoBodyOtherMethodsAndPathsAreRefused() throws Exception {
        ops.start();
        HttpResponse<String> head = http.send(
                HttpRequest.newBuilder(uri("/health"))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        HttpResponse<String> post = http.send(
                HttpRequest.newBuilder(uri("/health"))
                        .POST(HttpRequest.BodyPublishers.ofString("x"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
        assertThat(get("/other").statusCode()).isEqualTo(404);
    }

    @Test
    void aPortInUseIsABerthExceptionNamingTheFlag() {
        ops.start();
        OpsServer second = new OpsServer(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), ops.port()), registry, () -> true);
        assertThatThrownBy(second::start)
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("could not listen on")
                .hasMessageContaining("--ops-port");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + ops.port() + path);
    }
}
