package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.testkit.GitRepos;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The root {@code docker-compose.yml} with its production override, as operators run it: the image
 * built from the Dockerfile, the pipeline brought up by docker-compose (Kafka, watcher, two deployers
 * with the Docker socket, the notifier; read-only, without capabilities, memory-limited, secrets
 * from files), a commit to a config repository mounted into the watcher, the stack deployed by a
 * containerised deployer and reported by the containerised notifier to a webhook receiver on the
 * compose network, and every service's {@code /metrics} parsed as Prometheus text; then a deployer
 * container killed during a rollout, which the other one finishes.
 *
 * <p>With the {@code monitoring} profile's Prometheus (its image, or the stand-in {@code
 * .ci/stand-in-prometheus.sh} builds), also: {@code promtool} accepts the mounted configuration and
 * rules, every Berth service is a healthy scrape target, every dashboard and alert expression
 * evaluates, and the deployment-failed, rollback and service-down alerts go off when those things
 * happen. Prometheus runs the shipped files, except that the test's copy of {@code prometheus.yml}
 * scrapes and evaluates every 2 s instead of 15 s. Grafana is not started (no image here).
 *
 * <p>Runs docker-compose (1.29.2 here); {@link ComposeV2StackIT} runs the same with Compose v2
 * ({@code docker compose}) by overriding {@link #composeCommand()}: each class has its own
 * instance (the state is per instance, not static), project name, image tag and ports.
 *
 * <p>Skipped without docker-compose or without the base images (see {@code .ci/stand-in-jdk.sh}).
 * Everything it creates (containers, networks, volumes, the deployed stack, the image tag) is
 * removed afterwards, also on failure.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ComposeStackIT {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Duration COMPOSE_TIMEOUT = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String STACK = """
                        services:
                          web:
                            image: busybox:1.35
                            environment:
                              GREETING: ${IT_GREETING}
                            command: ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]
                            healthcheck:
                              test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
                              interval: 1s
                              timeout: 2s
                              retries: 10
                        """;

    // Unique per run and per class (ComposeV2StackIT runs its own pipeline: "v2" + 8 hex digits).
    private final String id = getClass()
                    .getSimpleName()
                    .toLowerCase(Locale.ROOT)
                    .replace("compose", "")
                    .replace("stackit", "")
            + UUID.randomUUID().toString().substring(0, 8);
    private final String project = "berthit" + id;
    private final String environment = "it" + id;
    private final String image = "berth:it-" + id;
    private final String stackProject = environment + "-demo";
    private final String secret = "s3cret-" + UUID.randomUUID();
    private final Map<String, String> env = new HashMap<>();
    private final Map<String, Integer> opsPorts = new LinkedHashMap<>();
    private Path work;
    private GitRepos repo;
    private int sinkPort;
    private int prometheusPort;
    private @Nullable String slowSha;
    private boolean prometheusStarted;
    private boolean imageBuilt;
    private boolean composeStarted;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Why this class skips its tests here (each test reports it), or null. */
    private @Nullable String skipReason;

    @BeforeAll
    void bringUp() throws Exception {
        skipReason = whyUnavailable();
        if (skipReason != null) {
            return;
        }

        work = ROOT.resolve("cli/target/compose-it-" + id);
        Files.createDirectories(work);
        Path deployerDir = Files.createDirectories(work.resolve("deployer"));
        // The containers run as uid 10001: they read the repository and write the deployers' files.
        Files.setPosixFilePermissions(deployerDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path secrets = Files.createDirectories(work.resolve("secrets"));
        Files.writeString(secrets.resolve("host-variables.env"), "IT_GREETING=" + secret + "\n");
        Files.writeString(secrets.resolve("slack-webhooks.txt"), "# none in this test\n");
        Files.writeString(secrets.resolve("grafana-admin-password"), "unused\n");
        Path sink = Files.createDirectories(work.resolve("sink/cgi-bin"));
        Files.writeString(sink.resolve("hook"), """
                #!/bin/sh
                head -c "${CONTENT_LENGTH:-0}" >> /www/hooks.log
                echo >> /www/hooks.log
                printf 'Content-Type: text/plain\\r\\n\\r\\nok\\n'
                """);
        Files.setPosixFilePermissions(sink.resolve("hook"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(work.resolve("it.yml"), """
                services:
                  # A killed deployer stays down: the other one must finish its rollout.
                  deployer-1:
                    restart: "no"
                  deployer-2:
                    restart: "no"
                  webhook-sink:
                    image: busybox:1.35
                    command: ["sh", "-c", "mkdir -p /www/cgi-bin && cp /hook /www/cgi-bin/hook && touch /www/hooks.log && exec httpd -f -p 8080 -h /www"]
                    volumes:
                      - %s:/hook:ro
                    ports:
                      - "127.0.0.1:${IT_SINK_PORT}:8080"
                  # The shipped prometheus.yml with 2 s intervals; the shipped one and the rules' unit
                  # tests for promtool.
                  prometheus:
                    volumes:
                      - %s:/etc/prometheus/prometheus.yml:ro
                      - %s:/etc/prometheus/shipped/prometheus.yml:ro
                      - %s:/etc/prometheus/alerts_test.yml:ro
                """.formatted(
                        sink.resolve("hook"),
                        work.resolve("prometheus.yml"),
                        ROOT.resolve("monitoring/prometheus/prometheus.yml"),
                        ROOT.resolve("monitoring/prometheus/alerts_test.yml")));
        String shipped = Files.readString(ROOT.resolve("monitoring/prometheus/prometheus.yml"));
        String fast = shipped.replace("scrape_interval: 15s", "scrape_interval: 2s")
                .replace("evaluation_interval: 15s", "evaluation_interval: 2s");
        assertThat(fast).as("the test's prometheus.yml").isNotEqualTo(shipped);
        Files.writeString(work.resolve("prometheus.yml"), fast);

        repo = GitRepos.create(work.resolve("repo"));
        repo.write("stacks/demo/compose.yaml", STACK).commit("Ops Person", "Add the demo stack");

        run(Duration.ofMinutes(5), Map.of(), "docker", "build", "-q", "-t", image, ROOT.toString());
        imageBuilt = true;

        for (String service : List.of("watcher", "deployer-1", "deployer-2", "notifier")) {
            opsPorts.put(service, freePort());
        }
        sinkPort = freePort();
        env.put("COMPOSE_PROJECT_NAME", project);
        env.put("BERTH_IMAGE", image);
        env.put("BERTH_ENVIRONMENT", environment);
        env.put("BERTH_CONFIG_REPO_DIR", repo.path().toString());
        env.put("BERTH_POLL_INTERVAL", "1s");
        env.put("BERTH_DEPLOYER_DIR", deployerDir.toString());
        env.put(
                "DOCKER_GID",
                run(Duration.ofSeconds(10), Map.of(), "stat", "-c", "%g", "/var/run/docker.sock")
                        .strip());
        env.put("BERTH_SECRETS_DIR", secrets.toString());
        env.put("BERTH_WEBHOOKS", "http://webhook-sink:8080/cgi-bin/hook");
        env.put("BERTH_KAFKA_PORT", String.valueOf(freePort()));
        env.put("BERTH_WATCHER_PORT", String.valueOf(opsPorts.get("watcher")));
        env.put("BERTH_DEPLOYER_1_PORT", String.valueOf(opsPorts.get("deployer-1")));
        env.put("BERTH_DEPLOYER_2_PORT", String.valueOf(opsPorts.get("deployer-2")));
        env.put("BERTH_NOTIFIER_PORT", String.valueOf(opsPorts.get("notifier")));
        env.put("IT_SINK_PORT", String.valueOf(sinkPort));
        prometheusPort = freePort();
        env.put("BERTH_PROMETHEUS_PORT", String.valueOf(prometheusPort));
        composeStarted = true;
        compose("up", "-d");
        // Only Prometheus of the monitoring profile: Grafana's image cannot exist here.
        if (succeeds("bash", ROOT.resolve(".ci/stand-in-prometheus.sh").toString())) {
            prometheusStarted = true;
            compose("--profile", "monitoring", "up", "-d", "--no-deps", "prometheus");
        }
    }

    @BeforeEach
    void skipWhenUnavailable() {
        assumeTrue(skipReason == null, skipReason);
    }

    /** Why the pipeline cannot run here: no such Compose, Docker Engine, jar or base image; or null. */
    private @Nullable String whyUnavailable() {
        String missing = composeMissing();
        if (missing != null) {
            return missing;
        }
        if (!succeeds("docker", "info")) {
            return "no Docker Engine answers";
        }
        if (!Files.isRegularFile(ROOT.resolve("cli/target/berth.jar"))) {
            return "cli/target/berth.jar is not built";
        }
        if (!succeeds("bash", ROOT.resolve(".ci/stand-in-jdk.sh").toString())) {
            return "eclipse-temurin:17-jdk can neither be pulled nor stood in for";
        }
        for (String base : List.of("busybox:1.35", "apache/kafka:4.3.1")) {
            if (!succeeds("docker", "image", "inspect", base)) {
                return base + " is not present";
            }
        }
        return null;
    }

    @AfterAll
    void tearDown() throws Exception {
        if (skipReason != null) {
            return; // nothing was created
        }
        List<String> problems = new ArrayList<>();
        if (composeStarted) {
            attempt(
                    problems,
                    () -> compose(
                            "--profile", "monitoring", "down", "--volumes", "--remove-orphans", "--timeout", "5"));
        }
        // The stack the containerised deployer created on the engine.
        attempt(problems, () -> removeLabelled("container", "rm", "-f", "-v"));
        attempt(problems, () -> removeLabelled("network", "rm"));
        attempt(problems, () -> removeLabelled("volume", "rm", "-f"));
        if (imageBuilt) {
            // Files the deployers wrote belong to uid 10001: remove them as that user.
            attempt(
                    problems,
                    () -> run(
                            Duration.ofMinutes(1),
                            Map.of(),
                            "docker",
                            "run",
                            "--rm",
                            "--entrypoint",
                            "rm",
                            "-v",
                            work.resolve("deployer") + ":/d",
                            image,
                            "-rf",
                            "/d/deployer-1",
                            "/d/deployer-2"));
            attempt(problems, () -> run(Duration.ofMinutes(1), Map.of(), "docker", "rmi", image));
        }
        if (repo != null) {
            repo.close();
        }
        if (work != null) {
            attempt(problems, () -> run(Duration.ofMinutes(1), Map.of(), "rm", "-rf", work.toString()));
        }
        assertThat(problems).as("clean-up").isEmpty();
    }

    @Test
    @Order(1)
    void theComposeRunPipelineDeploysReportsAndExposesMetrics() throws Exception {
        try {
            // Deployed by one of the deployer containers, healthy on the engine.
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(run(
                                    Duration.ofSeconds(20),
                                    Map.of(),
                                    "docker",
                                    "ps",
                                    "--filter",
                                    "label=com.docker.compose.project=" + stackProject,
                                    "--filter",
                                    "health=healthy",
                                    "--format",
                                    "{{.Names}}"))
                            .contains(stackProject + "-web-1"));
            // Healthy is not yet deployed: the gate's stability window (5 s by default) comes first.
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(compose("logs", "--no-color", "deployer-1", "deployer-2"))
                            .contains("deployed " + environment + "/demo @"));
            assertThat(compose("logs", "--no-color", "deployer-1", "deployer-2"))
                    .doesNotContain(secret);
            // The variable came from the secrets file the production override mounts.
            assertThat(run(
                            Duration.ofSeconds(20),
                            Map.of(),
                            "docker",
                            "inspect",
                            "--format",
                            "{{json .Config.Env}}",
                            stackProject + "-web-1"))
                    .contains("GREETING=" + secret);

            // Reported by the notifier container to the webhook receiver, as CloudEvents.
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(get(sinkPort, "/hooks.log").body())
                            .contains("dev.cdeventsx.berth-deployment.succeeded.0.1.0")
                            .contains(environment + "/demo")
                            .doesNotContain(secret));

            // Every service is healthy, ready, and serves Prometheus text.
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        for (var entry : opsPorts.entrySet()) {
                            assertThat(get(entry.getValue(), "/health").statusCode())
                                    .as(entry.getKey() + " /health")
                                    .isEqualTo(200);
                            assertThat(get(entry.getValue(), "/ready").statusCode())
                                    .as(entry.getKey() + " /ready")
                                    .isEqualTo(200);
                        }
                    });
            Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
            for (var entry : opsPorts.entrySet()) {
                HttpResponse<String> response = get(entry.getValue(), "/metrics");
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("Content-Type").orElse(""))
                        .startsWith("text/plain");
                metrics.put(entry.getKey(), PrometheusText.parse(entry.getKey(), response.body()));
            }
            metrics.forEach((service, samples) -> assertThat(samples)
                    .as(service)
                    .containsKey("jvm_memory_used_bytes{area=\"heap\",id=\"Tenured Gen\"}"));
            assertThat(metrics.get("watcher"))
                    .containsKey("berth_watcher_polls_total{environment=\"" + environment + "\"}");
            double succeeded = metrics.get("deployer-1")
                            .getOrDefault("berth_deployments_total{outcome=\"succeeded\"}", 0.0)
                    + metrics.get("deployer-2").getOrDefault("berth_deployments_total{outcome=\"succeeded\"}", 0.0);
            assertThat(succeeded).isEqualTo(1.0);
            double delivered = metrics.get("notifier").entrySet().stream()
                    .filter(e -> e.getKey().startsWith("berth_notifications_delivered_total"))
                    .mapToDouble(Map.Entry::getValue)
                    .sum();
            assertThat(delivered).as("notifications delivered").isPositive();

            // The images' own health checks pass (they run wget inside each container).
            await().atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertThat(compose("ps"))
                            .doesNotContain("health: starting")
                            .doesNotContain("unhealthy"));
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(
                    e.getMessage() + "\n--- " + composeName() + " logs ---\n"
                            + compose(
                                    "logs",
                                    "--no-color",
                                    "--tail",
                                    "60",
                                    "watcher",
                                    "deployer-1",
                                    "deployer-2",
                                    "notifier"),
                    e);
        }
    }

    @Test
    @Order(2)
    void prometheusScrapesEveryServiceAndEvaluatesEveryRuleAndDashboardQuery() throws Exception {
        assumeTrue(prometheusStarted, "no Prometheus image, and .ci/stand-in-prometheus.sh could not build one");
        try {
            String container =
                    compose("--profile", "monitoring", "ps", "-q", "prometheus").strip();
            for (String config : List.of("/etc/prometheus/prometheus.yml", "/etc/prometheus/shipped/prometheus.yml")) {
                assertThat(promtool(container, "check", "config", config)).contains("SUCCESS");
            }
            assertThat(promtool(container, "check", "rules", "/etc/prometheus/alerts.yml"))
                    .contains("SUCCESS: " + alertRules().size() + " rules found");
            assertThat(promtool(container, "test", "rules", "/etc/prometheus/alerts_test.yml"))
                    .contains("SUCCESS");

            // Every Berth service of the compose file, scraped on the compose network.
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        Map<String, String> health = new LinkedHashMap<>();
                        for (JsonNode target :
                                prometheus("/api/v1/targets?state=active").path("activeTargets")) {
                            health.put(
                                    target.path("labels").path("instance").asText(),
                                    target.path("health").asText() + " "
                                            + target.path("lastError").asText());
                        }
                        assertThat(health)
                                .containsOnlyKeys(opsPorts.keySet().stream()
                                        .map(s -> s + ":8484")
                                        .toList())
                                .allSatisfy((instance, state) ->
                                        assertThat(state).as(instance).isEqualTo("up "));
                    });
            assertThat(query("up{job=\"berth\"} == 1")).hasSize(4);

            // Every expression the dashboard and the rules hold evaluates (a second scrape is in).
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() ->
                            query("count_over_time(up{job=\"berth\"}[1m]) >= 2").size() == 4);
            Map<String, String> expressions = new LinkedHashMap<>(dashboardExpressions());
            alertRules().forEach((alert, expr) -> expressions.put("alert " + alert, expr));
            for (var e : expressions.entrySet()) {
                assertThatCode(() -> query(e.getValue()))
                        .as(e.getKey() + ": " + e.getValue())
                        .doesNotThrowAnyException();
            }
            // Nothing has gone wrong yet: no alert is pending or firing.
            assertThat(prometheus("/api/v1/alerts").path("alerts")).isEmpty();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(
                    e.getMessage() + "\n--- " + composeName() + " logs ---\n"
                            + compose("--profile", "monitoring", "logs", "--no-color", "--tail", "40", "prometheus"),
                    e);
        }
    }

    @Test
    @Order(3)
    void aDeployerKilledDuringARolloutIsTakenOverByTheOther() {
        try {
            awaitWebOn(null);
            // The new revision's container turns healthy 15 s after it starts: the kill lands mid-gate.
            String sha = repo.write(
                            "stacks/demo/compose.yaml",
                            STACK.replace("mkdir -p /www", "sleep 15; mkdir -p /www")
                                    .replace("retries: 10", "retries: 10\n      start_period: 40s"))
                    .commit("Ops Person", "A slow start");
            slowSha = sha;
            String deploying = "deploying " + environment + "/demo @" + sha.substring(0, 7);
            String deployed = "deployed " + environment + "/demo @" + sha.substring(0, 7);
            Map<String, String> ids =
                    Map.of("deployer-1", container("deployer-1"), "deployer-2", container("deployer-2"));
            String[] victim = new String[1];
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        for (String deployer : List.of("deployer-1", "deployer-2")) {
                            if (run(Duration.ofSeconds(20), Map.of(), "docker", "logs", ids.get(deployer))
                                    .contains(deploying)) {
                                victim[0] = deployer;
                                return true;
                            }
                        }
                        return false;
                    });
            run(Duration.ofSeconds(20), Map.of(), "docker", "kill", ids.get(victim[0]));
            String survivor = victim[0].equals("deployer-1") ? "deployer-2" : "deployer-1";

            // After the group notices (session.timeout.ms=10000), the survivor finishes what was left
            // in flight, then applies the redelivered change.
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(
                            () -> assertThat(run(Duration.ofSeconds(20), Map.of(), "docker", "logs", ids.get(survivor)))
                                    .contains("takeover of " + environment + "/demo")
                                    .contains(deployed));
            assertThat(run(Duration.ofSeconds(20), Map.of(), "docker", "logs", ids.get(victim[0])))
                    .doesNotContain(deployed);
            awaitWebOn(sha);
            // The notifier reported the interrupted deployment as failed, and the finished one.
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(get(sinkPort, "/hooks.log").body())
                            .contains("was interrupted")
                            .contains("dev.cdeventsx.berth-deployment.failed.0.1.0"));
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(
                    e.getMessage() + "\n--- " + composeName() + " logs ---\n"
                            + compose(
                                    "logs",
                                    "--no-color",
                                    "--tail",
                                    "40",
                                    "watcher",
                                    "deployer-1",
                                    "deployer-2",
                                    "notifier"),
                    e);
        }
    }

    @Test
    @Order(4)
    void theAlertsGoOffWhenADeploymentFailsAStackIsRolledBackAndADeployerIsDown() throws Exception {
        assumeTrue(prometheusStarted, "no Prometheus image, and .ci/stand-in-prometheus.sh could not build one");
        assumeTrue(slowSha != null, "the deployer-kill test did not run");
        try {
            // The killed deployer: down, pending until BerthServiceDown's `for: 1m` has passed.
            // The interrupted deployment the survivor reported: BerthDeploymentFailed (no `for:`).
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(alerts())
                            .contains("BerthDeploymentFailed firing")
                            .containsAnyOf("BerthServiceDown pending", "BerthServiceDown firing"));

            // A revision whose health check never passes: the gate fails, the stack goes back.
            String sha = repo.write(
                            "stacks/demo/compose.yaml",
                            STACK.replace(
                                            "[\"CMD\", \"wget\", \"-q\", \"-O\", \"/dev/null\", \"http://127.0.0.1:8080/\"]",
                                            "[\"CMD\", \"false\"]")
                                    .replace("retries: 10", "retries: 1"))
                    .commit("Ops Person", "A health check that always fails");
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(compose("logs", "--no-color", "deployer-1", "deployer-2"))
                            .contains("failed " + environment + "/demo @" + sha.substring(0, 7))
                            .contains("rolled back"));
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(alerts()).contains("BerthRollback firing"));
            assertThat(alerts())
                    .extracting(a -> a.substring(0, a.indexOf(' ')))
                    .containsOnly("BerthDeploymentFailed", "BerthRollback", "BerthServiceDown");
            for (JsonNode alert : prometheus("/api/v1/alerts").path("alerts")) {
                if (alert.path("labels").path("alertname").asText().equals("BerthDeploymentFailed")) {
                    assertThat(alert.path("annotations").path("description").asText())
                            .as("a whole number of deployments")
                            .matches("[0-9]+ deployment\\(s\\) failed in the last 10 minutes\\. .*");
                }
            }

            // By now every series the dashboard shows exists. Kafka's per-partition lag shows up to a
            // minute after a partition is assigned: Micrometer binds new Kafka metrics every 60 s.
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> {
                        for (var e : dashboardExpressions().entrySet()) {
                            assertThat(query(e.getValue()))
                                    .as(e.getKey() + ": " + e.getValue())
                                    .isNotEmpty();
                        }
                    });
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(
                    e.getMessage() + "\n--- " + composeName() + " logs ---\n"
                            + compose(
                                    "--profile",
                                    "monitoring",
                                    "logs",
                                    "--no-color",
                                    "--tail",
                                    "40",
                                    "deployer-1",
                                    "deployer-2",
                                    "prometheus"),
                    e);
        }
    }

    /** Prometheus's active alerts, as "name state". */
    private List<String> alerts() throws IOException, InterruptedException {
        List<String> alerts = new ArrayList<>();
        for (JsonNode alert : prometheus("/api/v1/alerts").path("alerts")) {
            alerts.add(alert.path("labels").path("alertname").asText() + " "
                    + alert.path("state").asText());
        }
        return alerts;
    }

    /** The result of an instant query; throws naming Prometheus's error when it does not evaluate. */
    private List<JsonNode> query(String promql) throws IOException, InterruptedException {
        List<JsonNode> result = new ArrayList<>();
        prometheus("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))
                .path("result")
                .forEach(result::add);
        return result;
    }

    /** The {@code data} of a Prometheus HTTP API answer, which must be a success. */
    private JsonNode prometheus(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = get(prometheusPort, path);
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200
                || !"success".equals(body.path("status").asText())) {
            throw new IllegalStateException(path + ": HTTP " + response.statusCode() + " "
                    + body.path("errorType").asText() + ": "
                    + body.path("error").asText());
        }
        return body.path("data");
    }

    /** Each alert rule's expression, by alert name. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> alertRules() throws IOException {
        var rules = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(ROOT.resolve("monitoring/prometheus/alerts.yml")));
        Map<String, String> expressions = new LinkedHashMap<>();
        for (var group : (List<Map<String, Object>>) rules.get("groups")) {
            for (var rule : (List<Map<String, Object>>) group.get("rules")) {
                expressions.put((String) rule.get("alert"), (String) rule.get("expr"));
            }
        }
        return expressions;
    }

    /**
     * Each dashboard query (panel title and target ref), Grafana's variables replaced as Grafana would:
     * its interval variables by durations, template variables by a regular expression matching all.
     */
    private static Map<String, String> dashboardExpressions() throws IOException {
        Map<String, String> expressions = new LinkedHashMap<>();
        try (var files = Files.list(ROOT.resolve("monitoring/grafana/dashboards"))) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                List<JsonNode> panels = new ArrayList<>();
                JSON.readTree(Files.readString(file)).path("panels").forEach(panels::add);
                for (int i = 0; i < panels.size(); i++) {
                    panels.get(i).path("panels").forEach(panels::add);
                    for (JsonNode target : panels.get(i).path("targets")) {
                        String expr = target.path("expr").asText();
                        if (!expr.isBlank()) {
                            expressions.put(
                                    file.getFileName() + " \""
                                            + panels.get(i).path("title").asText() + "\" "
                                            + target.path("refId").asText(),
                                    GRAFANA_VARIABLE.matcher(expr).replaceAll(m -> switch (m.group(1)) {
                                        case "__rate_interval", "__interval" -> "1m";
                                        case "__range" -> "1h";
                                        case "__range_s" -> "3600";
                                        default -> ".*";
                                    }));
                        }
                    }
                }
            }
        }
        return expressions;
    }

    private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{?(\\w+)(?::\\w+)?}?");

    /** The container id of a compose service. */
    private String container(String service) {
        return compose("ps", "-q", service).strip();
    }

    /** Waits until the stack's one container is healthy, on {@code sha} when given. */
    private void awaitWebOn(@Nullable String sha) {
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    String state = run(
                            Duration.ofSeconds(20),
                            Map.of(),
                            "docker",
                            "ps",
                            "--filter",
                            "label=com.docker.compose.project=" + stackProject,
                            "--filter",
                            "health=healthy",
                            "--format",
                            "{{.Names}} {{.Label \"berth.revision\"}}");
                    assertThat(state).contains(stackProject + "-web-1 ");
                    if (sha != null) {
                        assertThat(state.lines().filter(l -> l.startsWith(stackProject + "-web-1 ")))
                                .singleElement()
                                .satisfies(l -> assertThat(sha)
                                        .startsWith(
                                                l.substring(l.indexOf(' ') + 1).strip()));
                    }
                });
    }

    @Test
    @Order(0)
    void theComposeFilesAreValidAloneAndWithTheMonitoringProfile() {
        String base = ROOT.resolve("docker-compose.yml").toString();
        String prod = ROOT.resolve("docker-compose.prod.yml").toString();
        assertThat(run(COMPOSE_TIMEOUT, env, composeArgs("-f", base, "config", "--services")))
                .contains("kafka", "watcher", "deployer-1", "deployer-2", "notifier");
        assertThat(run(
                        COMPOSE_TIMEOUT,
                        env,
                        composeArgs("-f", base, "-f", prod, "--profile", "monitoring", "config", "--services")))
                .contains("kafka", "watcher", "deployer-1", "deployer-2", "notifier", "prometheus", "grafana");
        for (String[] files : List.of(new String[] {"-f", base}, new String[] {"-f", base, "-f", prod})) {
            List<String> quiet = new ArrayList<>(Arrays.asList(files));
            quiet.addAll(List.of("--profile", "monitoring", "config", "-q"));
            assertThat(run(COMPOSE_TIMEOUT, env, composeArgs(quiet.toArray(String[]::new))))
                    .as(composeName() + " config -q " + String.join(" ", files))
                    .isBlank();
        }
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The Prometheus text exposition format (0.0.4), checked line by line; samples by name and labels. */
    static final class PrometheusText {
        private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
        private static final Pattern SAMPLE = Pattern.compile(
                "(" + NAME + ")(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})?"
                        + " ([-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|NaN|\\+Inf|-Inf|Inf))( -?[0-9]+)?");
        private static final Pattern TYPE =
                Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
        private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");

        static Map<String, Double> parse(String source, String text) {
            Map<String, Double> samples = new LinkedHashMap<>();
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                String where = source + " /metrics line " + (i + 1) + ": " + line;
                if (line.isEmpty()) {
                    assertThat(i).as(where + " (empty line only at the end)").isEqualTo(lines.length - 1);
                } else if (line.startsWith("# TYPE")) {
                    assertThat(TYPE.matcher(line).matches()).as(where).isTrue();
                } else if (line.startsWith("# HELP")) {
                    assertThat(HELP.matcher(line).matches()).as(where).isTrue();
                } else if (!line.startsWith("#")) {
                    var m = SAMPLE.matcher(line);
                    assertThat(m.matches()).as(where).isTrue();
                    String key =
                            m.group(1) + (m.group(2) == null ? "" : m.group(2).replace(",}", "}"));
                    String value = m.group(3);
                    samples.put(
                            key,
                            value.endsWith("Inf")
                                    ? (value.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                                    : Double.parseDouble(value));
                }
            }
            assertThat(samples).as(source + " /metrics samples").isNotEmpty();
            return samples;
        }
    }

    /** The Compose command this class runs: docker-compose (1.29.2 here). */
    protected List<String> composeCommand() {
        return List.of("docker-compose");
    }

    /** Why this class's Compose cannot run, or null when it can. */
    protected @Nullable String composeMissing() {
        return succeeds("docker-compose", "version") ? null : "docker-compose is not installed";
    }

    private String composeName() {
        return String.join(" ", composeCommand());
    }

    private String[] composeArgs(String... args) {
        List<String> command = new ArrayList<>(composeCommand());
        command.addAll(Arrays.asList(args));
        return command.toArray(String[]::new);
    }

    private String compose(String... args) {
        List<String> command = new ArrayList<>(composeCommand());
        command.addAll(List.of(
                "-p",
                project,
                "-f",
                ROOT.resolve("docker-compose.yml").toString(),
                "-f",
                ROOT.resolve("docker-compose.prod.yml").toString(),
                "-f",
                work.resolve("it.yml").toString()));
        command.addAll(Arrays.asList(args));
        return run(COMPOSE_TIMEOUT, env, command.toArray(String[]::new));
    }

    /** Runs promtool in the Prometheus container; its output. */
    private static String promtool(String container, String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "exec", container, "promtool"));
        command.addAll(List.of(args));
        return run(Duration.ofSeconds(30), Map.of(), command.toArray(String[]::new));
    }

    private void removeLabelled(String kind, String... remove) {
        String ids = run(
                Duration.ofSeconds(30),
                Map.of(),
                "docker",
                kind,
                "ls",
                kind.equals("container") ? "-aq" : "-q",
                "--filter",
                "label=com.docker.compose.project=" + stackProject);
        List<String> list = ids.lines().filter(s -> !s.isBlank()).toList();
        if (!list.isEmpty()) {
            List<String> command = new ArrayList<>(List.of("docker", kind));
            command.addAll(Arrays.asList(remove));
            command.addAll(list);
            run(Duration.ofMinutes(1), Map.of(), command.toArray(String[]::new));
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void attempt(List<String> problems, Step step) {
        try {
            step.run();
        } catch (Exception | AssertionError e) {
            problems.add(e.getMessage());
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static boolean succeeds(String... command) {
        try {
            run(Duration.ofMinutes(5), Map.of(), command);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Runs a command, returns its output (stdout and stderr), throws naming it when it fails. */
    static String run(Duration timeout, Map<String, String> extraEnv, String... command) {
        Path log;
        Process process;
        try {
            log = Files.createTempFile("berth-compose-it-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().putAll(extraEnv);
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + ": timed out after " + timeout);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        String.join(" ", command) + ": exit " + process.exitValue() + "\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + ": interrupted", e);
        }
    }
}
