package dev.berth.common.compose;

import static dev.berth.common.compose.ComposeFeaturesTest.FILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code deploy.update_config} and the service's {@code x-berth} gate, read and refused. */
class RolloutPolicyTest {
    private static ServiceSpec web(String yaml) {
        return new ComposeParser()
                .parse(FILE, yaml, Map.of(), StackFiles.EMPTY, null)
                .service("web")
                .orElseThrow();
    }

    private static ComposeException failure(String yaml) {
        try {
            new ComposeParser().parse(FILE, yaml, Map.of(), StackFiles.EMPTY, null);
        } catch (ComposeException e) {
            return e;
        }
        throw new AssertionError("expected a ComposeException for:\n" + yaml);
    }

    @Test
    void defaultsWhenAbsent() {
        ServiceSpec web = web("services:\n  web:\n    image: a\n");
        assertThat(web.update()).isEqualTo(UpdatePolicy.DEFAULT);
        assertThat(web.update().order()).isEqualTo(UpdatePolicy.Order.STOP_FIRST);
        assertThat(web.update().failureAction()).isEqualTo(UpdatePolicy.FailureAction.ROLLBACK);
        assertThat(web.update().parallelism()).isEqualTo(1);
        assertThat(web.gate()).isEqualTo(GateSpec.NONE);
    }

    @Test
    void environmentDefaultsFillTheKeysAServiceDoesNotSet() {
        UpdatePolicy defaults = new UpdatePolicy(
                UpdatePolicy.Order.START_FIRST,
                2,
                Duration.ofSeconds(3),
                Duration.ofSeconds(20),
                UpdatePolicy.FailureAction.PAUSE,
                0.5);
        ComposeParser parser = new ComposeParser(ComposePolicy.DEFAULT, defaults);
        String yaml = """
                services:
                  web:
                    image: a
                  api:
                    image: a
                    deploy:
                      update_config:
                        order: stop-first
                        delay: 1s
                """;
        ComposeStack stack = parser.parse(FILE, yaml, Map.of(), StackFiles.EMPTY, null);
        assertThat(stack.service("web").orElseThrow().update()).isEqualTo(defaults);
        assertThat(stack.service("api").orElseThrow().update())
                .isEqualTo(new UpdatePolicy(
                        UpdatePolicy.Order.STOP_FIRST,
                        2,
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(20),
                        UpdatePolicy.FailureAction.PAUSE,
                        0.5));
    }

    @Test
    void readsEveryUpdateConfigKey() {
        ServiceSpec web = web("""
                services:
                  web:
                    image: a
                    deploy:
                      replicas: 4
                      update_config:
                        order: start-first
                        parallelism: 2
                        delay: 1500ms
                        monitor: 10s
                        failure_action: continue
                        max_failure_ratio: 0.25
                """);
        assertThat(web.update())
                .isEqualTo(new UpdatePolicy(
                        UpdatePolicy.Order.START_FIRST,
                        2,
                        Duration.ofMillis(1500),
                        Duration.ofSeconds(10),
                        UpdatePolicy.FailureAction.CONTINUE,
                        0.25));
        assertThat(web.update().batchSize(4)).isEqualTo(2);
        assertThat(web.update().tolerates(1, 4)).isTrue();
        assertThat(web.update().tolerates(2, 4)).isFalse();
    }

    @Test
    void parallelismZeroReplacesAllAtOnce() {
        ServiceSpec web = web("services:\n  web:\n    image: a\n    scale: 3\n    deploy:\n      update_config:"
                + " {parallelism: 0, failure_action: pause}\n");
        assertThat(web.update().batchSize(3)).isEqualTo(3);
        assertThat(web.update().failureAction()).isEqualTo(UpdatePolicy.FailureAction.PAUSE);
        assertThat(web.update().tolerates(1, 3)).isFalse();
    }

    @Test
    void readsAnHttpGate() {
        ServiceSpec web = web("""
                services:
                  web:
                    image: a
                    healthcheck: {test: "true", start_period: 30s}
                    x-berth:
                      gate:
                        timeout: 2m
                        probe:
                          http: {port: 8080, path: /health, status: 204}
                          interval: 500ms
                """);
        assertThat(web.gate())
                .isEqualTo(new GateSpec(
                        Duration.ofMinutes(2),
                        new GateSpec.Probe(GateSpec.Probe.Kind.HTTP, 8080, "/health", 204, Duration.ofMillis(500))));
        assertThat(web.gate().probe().describe()).isEqualTo("http :8080/health -> 204");
    }

    @Test
    void readsATcpGateWithDefaults() {
        ServiceSpec web = web("services:\n  web:\n    image: a\n    x-berth:\n      gate:\n        probe:\n"
                + "          tcp: {port: 5432}\n");
        assertThat(web.gate().timeout()).isNull();
        assertThat(web.gate().probe())
                .isEqualTo(new GateSpec.Probe(GateSpec.Probe.Kind.TCP, 5432, "", 0, Duration.ofSeconds(1)));
        ServiceSpec http = web("services:\n  web:\n    image: a\n    x-berth:\n      gate:\n        probe:\n"
                + "          http: {port: 80}\n");
        assertThat(http.gate().probe().path()).isEqualTo("/");
        assertThat(http.gate().probe().status()).isEqualTo(200);
    }

    @Test
    void unknownKeysUnderXBerthAreRefusedWithASuggestion() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    x-berth:\n      gaet: {timeout: 1m}\n");
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.column()).isEqualTo(7);
        assertThat(e.detail()).isEqualTo("service \"web\": x-berth: unknown key \"gaet\": did you mean \"gate\"?");
        assertThat(failure("services:\n  web:\n    image: a\n    x-berth:\n      gate: {timeuot: 1m}\n")
                        .detail())
                .isEqualTo("service \"web\": x-berth.gate: unknown key \"timeuot\": did you mean \"timeout\"?");
        assertThat(failure("services:\n  web:\n    image: a\n    x-berth:\n      gate: {probe: {grpc: {port: 1}}}\n")
                        .detail())
                .isEqualTo("service \"web\": x-berth.gate.probe: unknown key \"grpc\"; use http, interval, tcp");
        assertThat(failure("services:\n  web:\n    image: a\n    x-berth:\n      gate: {probe: {http: {port: 1,"
                                + " paht: /}}}\n")
                        .detail())
                .isEqualTo("service \"web\": x-berth.gate.probe.http: unknown key \"paht\": did you mean \"path\"?");
    }

    @Test
    void aGateTimeoutShorterThanTheStartPeriodIsAnErrorAtItsLine() {
        ComposeException e = failure("""
                services:
                  web:
                    image: a
                    healthcheck:
                      test: "true"
                      start_period: 1m
                    x-berth:
                      gate:
                        timeout: 30s
                """);
        assertThat(e.line()).isEqualTo(9);
        assertThat(e.column()).isEqualTo(18);
        assertThat(e.detail())
                .isEqualTo("service \"web\": x-berth.gate.timeout 30s is shorter than the healthcheck's start_period"
                        + " (60s): a container that needs its start period would always fail the gate; make the"
                        + " timeout longer than the start period");
    }

    @Test
    void badProbesAreRefused() {
        assertThat(failure("services:\n  web:\n    image: a\n    x-berth:\n      gate: {probe: {}}\n")
                        .detail())
                .startsWith(
                        "service \"web\": x-berth.gate.probe needs exactly one of http (port, path, status) or tcp");
        assertThat(failure("services:\n  web:\n    image: a\n    x-berth:\n      gate: {probe: {http: {port: 1},"
                                + " tcp: {port: 2}}}\n")
                        .detail())
                .startsWith("service \"web\": x-berth.gate.probe needs exactly one of");
        assertThat(failure("services:\n  web:\n    image: a\n    x-berth:\n      gate: {probe: {tcp: {}}}\n")
                        .detail())
                .isEqualTo("service \"web\": x-berth.gate.probe.tcp needs port: the container port to probe, like"
                        + " 8080");
        assertThat(failure("services:\n  web:\n    image: a\n    x-berth:\n      gate: {probe: {tcp: {port: 70000}}}\n")
                        .detail())
                .isEqualTo("x-berth.gate.probe.tcp.port: \"70000\" is not a port number (1 to 65535)"
                        .transform(s -> "service \"web\": " + s));
        assertThat(failure("services:\n  web:\n    image: a\n    x-berth:\n      gate: {probe: {http: {port: 80,"
                                + " status: ok}}}\n")
                        .detail())
                .isEqualTo("service \"web\": x-berth.gate.probe.http.status \"ok\" is not an HTTP status (100 to 599),"
                        + " like 200");
        assertThat(failure("services:\n  web:\n    image: a\n    x-berth:\n      gate: {probe: {http: {port: 80,"
                                + " path: health}}}\n")
                        .detail())
                .isEqualTo("service \"web\": x-berth.gate.probe.http.path \"health\" must start with / and hold no"
                        + " spaces, like /health");
        assertThat(failure("services:\n  web:\n    image: a\n    x-berth:\n      gate: {timeout: soon}\n")
                        .detail())
                .isEqualTo("service \"web\": x-berth.gate: timeout \"soon\" is not a duration; write it like 10s,"
                        + " 1m30s or 500ms");
    }

    @Test
    void badUpdateConfigValuesAreRefused() {
        String head = "services:\n  web:\n    image: a\n    deploy:\n      update_config:\n";
        ComposeException order = failure(head + "        order: start-last\n");
        assertThat(order.line()).isEqualTo(6);
        assertThat(order.detail())
                .isEqualTo("service \"web\": deploy.update_config.order \"start-last\" is not valid: use stop-first or"
                        + " start-first");
        assertThat(failure(head + "        parallelism: -1\n").detail())
                .isEqualTo("service \"web\": deploy.update_config.parallelism \"-1\" is not valid: write how many"
                        + " replicas are replaced at once, 1 or more (0 replaces them all at once)");
        assertThat(failure(head + "        failure_action: retry\n").detail())
                .isEqualTo("service \"web\": deploy.update_config.failure_action \"retry\" is not valid: use rollback"
                        + " (Berth's default), pause or continue");
        assertThat(failure(head + "        max_failure_ratio: 1.5\n").detail())
                .isEqualTo("service \"web\": deploy.update_config.max_failure_ratio \"1.5\" is not valid: write the"
                        + " share of replicas that may fail, from 0 to 1, like 0.25");
        assertThat(failure(head + "        delay: 5 seconds\n").detail())
                .isEqualTo("service \"web\": deploy.update_config: delay \"5 seconds\" is not a duration; write it"
                        + " like 10s, 1m30s or 500ms");
        assertThat(failure(head + "        paralellism: 2\n").detail())
                .isEqualTo("service \"web\": deploy.update_config: unknown key \"paralellism\": did you mean"
                        + " \"parallelism\"?");
    }

    @Test
    void theModelRefusesImpossiblePolicies() {
        assertThatThrownBy(() -> new UpdatePolicy(
                        UpdatePolicy.Order.STOP_FIRST, -1, Duration.ZERO, null, UpdatePolicy.FailureAction.PAUSE, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GateSpec.Probe(GateSpec.Probe.Kind.TCP, 0, "", 0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
