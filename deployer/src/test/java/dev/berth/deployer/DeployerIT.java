package dev.berth.deployer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackRemoved;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.common.kafka.TopicAdmin;
import dev.berth.common.kafka.Topics;
import dev.berth.testkit.DockerFixture;
import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.SharedKafka;
import dev.berth.testkit.Stacks;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Isolated;

/** The deployer on a real broker and the local Docker Engine. */
@Isolated
@ExtendWith(SharedKafka.class)
class DeployerIT {
    private static final Clock CLOCK = Clock.systemUTC();
    private static final EventCodec CODEC = new EventCodec();
    private static KafkaFixture kafka;
    private static KafkaEventPublisher publisher;
    private static DockerFixture docker;
    private static Deployer deployer;
    private static final SimpleMeterRegistry METRICS = new SimpleMeterRegistry();
    /** Every stack a test used, swept again once the deployer stopped (it may still act on a failed test's change). */
    private static final Set<String> USED_STACKS = ConcurrentHashMap.newKeySet();
    /** A host secret: no event may ever carry it. */
    private static final String CANARY = "canary-" + UUID.randomUUID();
    /** A host secret whose base64, base64url, hex and URL-encoded forms all differ from it. */
    private static final String SPECIAL =
            "p@ss w/rd+" + UUID.randomUUID().toString().substring(0, 12);

    private final StackRef stack =
            new StackRef("dit", "s" + UUID.randomUUID().toString().substring(0, 8));
    private int revision;

    {
        USED_STACKS.add(stack.key());
    }

    @BeforeAll
    static void start(KafkaFixture broker) throws InterruptedException {
        kafka = broker;
        new TopicAdmin(kafka.settings(), CLOCK).awaitBrokerAndCreateTopics(line -> {});
        publisher = new KafkaEventPublisher(kafka.settings(), "deployer-it", CODEC);
        docker = new DockerFixture();
        DeployerConfig config = DeployerConfig.defaults()
                .withEnvironment("dit")
                .withHealthTimeout(Duration.ofSeconds(15))
                .withMonitorPeriod(Duration.ofSeconds(2))
                .withHostVariables(new HostVariables(Map.of("BERTH_IT_CANARY", CANARY, "BERTH_IT_SPECIAL", SPECIAL)));
        deployer = new Deployer(config, kafka.settings(), publisher, CLOCK, METRICS);
        deployer.start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (deployer != null) {
            deployer.stop();
            deployer.awaitStop(Duration.ofSeconds(30));
        }
        if (publisher != null) {
            publisher.close();
        }
        if (docker != null) {
            USED_STACKS.forEach(docker::removeStack);
            docker.close();
        }
    }

    @AfterEach
    void cleanUp() {
        docker.removeStack(stack.key());
    }

    /** Publishes a change and returns its envelope. */
    private Envelope change(String compose) {
        return change(stack, compose);
    }

    /** Publishes a change of {@code target} and returns its envelope. */
    private Envelope change(StackRef target, String compose) {
        Envelope envelope =
                Envelope.newChain(URI.create("/test"), CLOCK, Stacks.changed(target, compose, "rev " + ++revision));
        publisher.publish(envelope);
        return envelope;
    }

    /** The outcome of a chain, once it arrived: the succeeded or failed record. */
    private KafkaFixture.Record outcome(Envelope chain) {
        return kafka.awaitOutcome(chain.chainId(), Duration.ofSeconds(90));
    }

    private List<KafkaFixture.Record> chainOf(Envelope chain) {
        return kafka.chain(Topics.DEPLOYMENTS, chain.chainId());
    }

    private static JsonNode json(KafkaFixture.Record r) throws IOException {
        return CODEC.json().readTree(r.value());
    }

    private Container only() {
        List<Container> containers = docker.containers(stack.key());
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    @Test
    void createsReplacesKeepsAndRemoves() throws Exception {
        int port = Stacks.freePort();
        Envelope first = change(Stacks.webServer(port, "one", Stacks.HEALTHY));
        assertThat(outcome(first).ceType()).contains("succeeded");
        await().atMost(Duration.ofSeconds(30)).until(deployer::isReady);
        Container c1 = only();
        assertThat(docker.health(c1.getId())).isEqualTo("healthy");
        InspectContainerResponse inspected = docker.inspect(c1.getId());
        String network = stack.project() + "_default";
        assertThat(inspected.getName()).isEqualTo("/" + stack.project() + "-web-1");
        assertThat(inspected.getConfig().getEnv()).contains("GREETING=one");
        assertThat(inspected.getNetworkSettings().getNetworks().get(network).getAliases())
                .contains("web");
        assertThat(inspected.getHostConfig().getPortBindings().getBindings())
                .hasEntrySatisfying(
                        ExposedPort.tcp(8080),
                        bindings -> assertThat(bindings)
                                .extracting(Ports.Binding::getHostIp, Ports.Binding::getHostPortSpec)
                                .containsExactly(tuple("127.0.0.1", String.valueOf(port))));
        assertThat(docker.networks(stack.key()))
                .singleElement()
                .satisfies(n -> assertThat(n.getLabels())
                        .containsEntry("berth.stack", stack.key())
                        .containsEntry("com.docker.compose.project", stack.project())
                        .containsEntry("com.docker.compose.network", "default"));
        assertThat(c1.getLabels())
                .containsEntry("berth.stack", stack.key())
                .containsEntry("berth.service", "web")
                .containsEntry(
                        "berth.revision",
                        ((StackChanged) first.event()).commit().sha())
                .containsEntry("com.docker.compose.project", stack.project())
                .containsEntry("com.docker.compose.service", "web")
                .containsEntry("com.docker.compose.container-number", "1")
                .containsEntry("team", "web")
                .containsKeys("berth.config-hash", "berth.deployment");
        assertThat(kafka.readAll(Topics.CHANGES))
                .filteredOn(r -> first.chainId().equals(r.headers().get("ce_chainid")))
                .extracting(KafkaFixture.Record::ceType)
                .containsExactly("dev.cdeventsx.berth-stack.changed.0.1.0");
        assertThat(chainOf(first))
                .extracting(KafkaFixture.Record::ceType)
                .containsExactly(
                        "dev.cdeventsx.berth-deployment.started.0.1.0",
                        "dev.cdevents.service.deployed.0.3.0",
                        "dev.cdeventsx.berth-deployment.succeeded.0.1.0");
        assertThat(json(chainOf(first).get(0)).at("/subject/content/plan").toString())
                .isEqualTo("[\"create web\"]");
        assertThat(json(chainOf(first).get(2)).at("/subject/content/changed").toString())
                .isEqualTo("[\"create web\"]");
        assertThat(METRICS.counter("berth.deployments", "outcome", "succeeded").count())
                .isPositive();

        Envelope second = change(Stacks.webServer(port, "two", Stacks.HEALTHY));
        assertThat(outcome(second).ceType()).contains("succeeded");
        assertThat(chainOf(second))
                .extracting(KafkaFixture.Record::ceType)
                .contains("dev.cdevents.service.upgraded.0.3.0");
        Container c2 = only();
        assertThat(c2.getId()).isNotEqualTo(c1.getId());
        assertThat(docker.inspect(c2.getId()).getConfig().getEnv()).contains("GREETING=two");

        // The same desired state again is an empty plan: only a succeeded event, the container untouched.
        Envelope again = change(Stacks.webServer(port, "two", Stacks.HEALTHY));
        KafkaFixture.Record same = outcome(again);
        assertThat(chainOf(again)).hasSize(1);
        assertThat(json(same).at("/subject/content/changed").size()).isZero();
        assertThat(only().getId()).isEqualTo(c2.getId());

        Commit removal = new Commit("f".repeat(40), "Erin", "remove", Instant.now());
        Envelope removed = Envelope.newChain(URI.create("/test"), CLOCK, new StackRemoved(stack, removal));
        publisher.publish(removed);
        assertThat(outcome(removed).ceType()).contains("succeeded");
        assertThat(docker.containers(stack.key())).isEmpty();
        assertThat(docker.networks(stack.key())).isEmpty();
    }

    @Test
    void failuresLeaveTheRunningContainerServing() throws Exception {
        int port = Stacks.freePort();
        assertThat(outcome(change(Stacks.webServer(port, "good", Stacks.HEALTHY)))
                        .ceType())
                .contains("succeeded");
        String running = only().getId();

        KafkaFixture.Record missing = outcome(change(
                Stacks.webServer(port, "x", Stacks.HEALTHY).replace("busybox:1.35", "berth-it/none:" + stack.name())));
        assertThat(missing.ceType()).contains("failed");
        assertThat(json(missing).at("/subject/content/reason").asText())
                .contains("image \"berth-it/none:" + stack.name() + "\" of service \"web\" could not be pulled")
                .contains("build or load it on the host, or fix the image name");
        assertThat(only().getId()).isEqualTo(running);

        Instant before = Instant.now();
        KafkaFixture.Record unhealthy = outcome(change(Stacks.webServer(port, "bad", "echo probe says no; exit 1")));
        assertThat(unhealthy.ceType()).contains("failed");
        assertThat(Duration.between(before, Instant.now())).isLessThan(Duration.ofSeconds(60));
        JsonNode failure = json(unhealthy).at("/subject/content");
        assertThat(failure.get("service").asText()).isEqualTo("web");
        assertThat(failure.get("reason").asText()).contains("unhealthy");
        assertThat(failure.get("evidence").asText()).contains("probe says no");
        await().atMost(Duration.ofSeconds(30)).until(() -> "healthy".equals(docker.health(running)));
        assertThat(only().getId()).isEqualTo(running);

        KafkaFixture.Record exited =
                outcome(change(Stacks.webServer(port, "bad", Stacks.HEALTHY).replace("mkdir -p /www;", "exit 3;")));
        assertThat(json(exited).at("/subject/content/reason").asText()).contains("exited with code 3");
        await().atMost(Duration.ofSeconds(30)).until(() -> "healthy".equals(docker.health(running)));
    }

    @Test
    void aServiceWithoutHealthCheckPassesAfterTheMonitorPeriodAndALeftOutServiceIsRemoved() throws Exception {
        String sleeper = "  sleeper:\n    image: busybox:1.35\n    command: sleep 600\n";
        Envelope both = change("services:\n" + sleeper
                + "  other:\n    image: busybox:1.35\n    command: sleep 600\n    stop_grace_period: 1s\n");
        assertThat(outcome(both).ceType()).contains("succeeded");
        List<Container> two = docker.containers(stack.key());
        assertThat(two)
                .hasSize(2)
                .allSatisfy(c -> assertThat(docker.inspect(c.getId()).getState().getRunning())
                        .isTrue());
        String kept = two.stream()
                .filter(c -> "sleeper".equals(c.getLabels().get("berth.service")))
                .findFirst()
                .orElseThrow()
                .getId();

        Envelope one = change("services:\n" + sleeper);
        assertThat(outcome(one).ceType()).contains("succeeded");
        assertThat(json(chainOf(one).get(0)).at("/subject/content/plan").toString())
                .isEqualTo("[\"remove other\"]");
        assertThat(chainOf(one))
                .extracting(KafkaFixture.Record::ceType)
                .containsExactly(
                        "dev.cdeventsx.berth-deployment.started.0.1.0",
                        "dev.cdevents.service.removed.0.3.0",
                        "dev.cdeventsx.berth-deployment.succeeded.0.1.0");
        assertThat(only().getId()).isEqualTo(kept);
    }

    @Test
    void aHealthCheckThatNeverPassesFailsAtTheHealthTimeoutAndTheOldContainerServesAgain() throws Exception {
        int port = Stacks.freePort();
        assertThat(outcome(change(Stacks.webServer(port, "good", Stacks.HEALTHY)))
                        .ceType())
                .contains("succeeded");
        String running = only().getId();

        // Inside a long start period failures do not count: the status stays "starting" until Berth gives up.
        String never = Stacks.webServer(port, "never", "echo still starting; exit 1")
                .replace("      retries: 2\n", "      retries: 2\n      start_period: 120s\n");
        assertThat(never).contains("start_period");
        Instant before = Instant.now();
        KafkaFixture.Record failed = outcome(change(never));
        assertThat(failed.ceType()).contains("failed");
        assertThat(Duration.between(before, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(15));
        JsonNode failure = json(failed).at("/subject/content");
        assertThat(failure.get("service").asText()).isEqualTo("web");
        assertThat(failure.get("reason").asText()).contains("did not turn healthy within 15 s");
        assertThat(failure.get("evidence").asText()).contains("still starting");
        await().atMost(Duration.ofSeconds(30)).until(() -> "healthy".equals(docker.health(running)));
        assertThat(only().getId()).isEqualTo(running);
        assertThat(only().getNames()).containsExactly("/" + stack.project() + "-web-1");
    }

    @Test
    void appliesContainerOptionsAsDockerInspectShows() {
        Envelope chain = change("""
                services:
                  box:
                    image: busybox:1.35
                    entrypoint: ["sh", "-c"]
                    command: ["sleep 600"]
                    expose: [9000]
                    restart: unless-stopped
                    user: "1000:1000"
                    working_dir: /srv
                    hostname: box
                    cap_add: [NET_RAW]
                    cap_drop: [MKNOD]
                    read_only: true
                    init: true
                    extra_hosts: ["db.internal:10.0.0.5"]
                    dns: 127.0.0.53
                    stop_signal: SIGINT
                    stop_grace_period: 3s
                    tmpfs: ["/run:size=1m"]
                    deploy:
                      resources:
                        limits: {memory: 64m, cpus: "0.5", pids: 100}
                        reservations: {memory: 32m}
                    logging:
                      driver: json-file
                      options: {max-size: 1m}
                    ulimits:
                      nofile: {soft: 1024, hard: 2048}
                """);
        assertThat(outcome(chain).ceType()).contains("succeeded");
        var inspected = docker.inspect(only().getId());
        var config = inspected.getConfig();
        var host = inspected.getHostConfig();
        assertThat(config.getEntrypoint()).containsExactly("sh", "-c");
        assertThat(config.getCmd()).containsExactly("sleep 600");
        assertThat(config.getExposedPorts()).extracting(Object::toString).contains("9000/tcp");
        assertThat(host.getRestartPolicy().getName()).isEqualTo("unless-stopped");
        assertThat(config.getUser()).isEqualTo("1000:1000");
        assertThat(config.getWorkingDir()).isEqualTo("/srv");
        assertThat(config.getHostName()).isEqualTo("box");
        assertThat(host.getCapAdd()).extracting(Object::toString).containsExactly("NET_RAW");
        assertThat(host.getCapDrop()).extracting(Object::toString).containsExactly("MKNOD");
        assertThat(host.getReadonlyRootfs()).isTrue();
        assertThat(host.getInit()).isTrue();
        assertThat(host.getExtraHosts()).containsExactly("db.internal:10.0.0.5");
        assertThat(host.getDns()).containsExactly("127.0.0.53");
        assertThat(docker.inspectField(inspected.getId(), "{{.Config.StopSignal}} {{.Config.StopTimeout}}"))
                .isEqualTo("SIGINT 3");
        assertThat(config.getLabels()).containsEntry("berth.stop-grace-period", "3");
        assertThat(host.getTmpFs()).containsEntry("/run", "size=1m");
        assertThat(host.getMemory()).isEqualTo(64L << 20);
        assertThat(host.getNanoCPUs()).isEqualTo(500_000_000L);
        assertThat(host.getPidsLimit()).isEqualTo(100L);
        assertThat(host.getMemoryReservation()).isEqualTo(32L << 20);
        assertThat(host.getLogConfig().getType().getType()).isEqualTo("json-file");
        assertThat(host.getLogConfig().getConfig()).containsEntry("max-size", "1m");
        assertThat(host.getUlimits()).singleElement().satisfies(u -> {
            assertThat(u.getName()).isEqualTo("nofile");
            assertThat(u.getSoftLong()).isEqualTo(1024L);
            assertThat(u.getHardLong()).isEqualTo(2048L);
        });
    }

    /** The containers of the stack's service by replica number, from {@code docker ps} labels. */
    private Map<String, String> replicas(String service) {
        Map<String, String> byNumber = new java.util.TreeMap<>();
        for (Container c : docker.containers(stack.key())) {
            if (service.equals(c.getLabels().get("com.docker.compose.service"))) {
                byNumber.put(c.getLabels().get("com.docker.compose.container-number"), c.getNames()[0]);
            }
        }
        return byNumber;
    }

    private String idOf(String name) {
        return docker.containers(stack.key()).stream()
                .filter(c -> c.getNames()[0].equals("/" + name))
                .findFirst()
                .orElseThrow()
                .getId();
    }

    @Test
    void scalesReplicasUpAndDownKeepingTheReplicasThatStay() throws Exception {
        String worker = """
                services:
                  worker:
                    image: busybox:1.35
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]
                    deploy:
                      replicas: %d
                """;
        assertThat(outcome(change(worker.formatted(1))).ceType()).contains("succeeded");
        String p = "/" + stack.project() + "-worker-";
        assertThat(replicas("worker")).isEqualTo(Map.of("1", p + "1"));
        String first = idOf(stack.project() + "-worker-1");

        Envelope up = change(worker.formatted(3));
        assertThat(outcome(up).ceType()).contains("succeeded");
        assertThat(json(chainOf(up).get(0)).at("/subject/content/plan").toString())
                .isEqualTo("[\"scale worker 1 -> 3\"]");
        assertThat(replicas("worker")).isEqualTo(Map.of("1", p + "1", "2", p + "2", "3", p + "3"));
        assertThat(idOf(stack.project() + "-worker-1")).isEqualTo(first);
        assertThat(docker.containers(stack.key()))
                .allSatisfy(c -> assertThat(c.getState()).isEqualTo("running"));

        Envelope down = change(worker.formatted(1));
        assertThat(outcome(down).ceType()).contains("succeeded");
        assertThat(replicas("worker")).isEqualTo(Map.of("1", p + "1"));
        assertThat(idOf(stack.project() + "-worker-1")).isEqualTo(first);

        // A changed config replaces every replica; the count alone never does.
        Envelope changed = change(worker.formatted(2).replace("sleep 600", "sleep 601"));
        assertThat(outcome(changed).ceType()).contains("succeeded");
        assertThat(replicas("worker")).isEqualTo(Map.of("1", p + "1", "2", p + "2"));
        assertThat(idOf(stack.project() + "-worker-1")).isNotEqualTo(first);

        assertThat(outcome(change(worker.formatted(0))).ceType()).contains("succeeded");
        assertThat(docker.containers(stack.key())).isEmpty();
    }

    private Instant startedAt(String service) {
        return Instant.parse(docker.inspect(idOf(stack.project() + "-" + service + "-1"))
                .getState()
                .getStartedAt());
    }

    @Test
    void startsIndependentServicesAtOnceAndEachAfterItsDependenciesConditions() throws Exception {
        // db turns healthy 3 s after it starts; cache has no health check; both are independent.
        Envelope chain = change("""
                services:
                  web:
                    image: busybox:1.35
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]
                    depends_on: [api]
                  api:
                    image: busybox:1.35
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]
                    depends_on:
                      db: {condition: service_healthy}
                      cache: {condition: service_started}
                  db:
                    image: busybox:1.35
                    command: ["sh", "-c", "mkdir -p /tmp; trap 'exit 0' TERM; (sleep 3; touch /tmp/ready) & sleep 600 & wait"]
                    healthcheck:
                      test: ["CMD", "test", "-f", "/tmp/ready"]
                      interval: 1s
                      retries: 30
                  cache:
                    image: busybox:1.35
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]
                """);
        assertThat(outcome(chain).ceType()).contains("succeeded");
        Instant db = startedAt("db");
        Instant cache = startedAt("cache");
        Instant api = startedAt("api");
        Instant web = startedAt("web");
        // One after the other, cache would start only after db's gate (3 s) or db after cache's (2 s).
        assertThat(Duration.between(db, cache).abs()).isLessThan(Duration.ofSeconds(1));
        // api waits for db to be healthy, not merely started.
        assertThat(Duration.between(db, api)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        // web waits for api to start, not for api's gate (running for the 2 s monitor period).
        assertThat(web).isAfterOrEqualTo(api);
        assertThat(Duration.between(api, web)).isLessThan(Duration.ofSeconds(2));
        assertThat(chainOf(chain))
                .extracting(KafkaFixture.Record::ceType)
                .filteredOn(t -> t.contains("service.deployed"))
                .hasSize(4);
        assertThat(chainOf(chain).get(chainOf(chain).size() - 1).ceType()).contains("deployment.succeeded");

        // Leaving out web and api: removed after the others, each before what it depends on.
        Envelope smaller = change("""
                services:
                  db:
                    image: busybox:1.35
                    command: ["sh", "-c", "mkdir -p /tmp; trap 'exit 0' TERM; (sleep 3; touch /tmp/ready) & sleep 600 & wait"]
                    healthcheck:
                      test: ["CMD", "test", "-f", "/tmp/ready"]
                      interval: 1s
                      retries: 30
                  cache:
                    image: busybox:1.35
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]
                """);
        assertThat(outcome(smaller).ceType()).contains("succeeded");
        assertThat(json(chainOf(smaller).get(0)).at("/subject/content/plan").toString())
                .isEqualTo("[\"remove web\",\"remove api\"]");
    }

    @Test
    void waitsForOneShotServicesToCompleteAndFailsWhenOneExitsNonZero() throws Exception {
        String stackWithJob = """
                services:
                  app:
                    image: busybox:1.35
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]
                    depends_on:
                      migrate: {condition: service_completed_successfully}
                  migrate:
                    image: busybox:1.35
                    command: ["sh", "-c", "sleep 1; %s"]
                """;
        Envelope good = change(stackWithJob.formatted("true"));
        assertThat(outcome(good).ceType()).contains("succeeded");
        Instant migrateEnded = Instant.parse(
                docker.inspect(idOf(stack.project() + "-migrate-1")).getState().getFinishedAt());
        assertThat(startedAt("app")).isAfterOrEqualTo(migrateEnded);
        assertThat(docker.inspect(idOf(stack.project() + "-migrate-1"))
                        .getState()
                        .getExitCodeLong())
                .isZero();

        // Converged: the job that completed is not run again.
        Envelope again = change(stackWithJob.formatted("true"));
        assertThat(outcome(again).ceType()).contains("succeeded");
        assertThat(chainOf(again)).hasSize(1);

        String app = idOf(stack.project() + "-app-1");
        KafkaFixture.Record failed = outcome(change(stackWithJob.formatted("echo migration broke; false")));
        assertThat(failed.ceType()).contains("failed");
        JsonNode failure = json(failed).at("/subject/content");
        assertThat(failure.get("service").asText()).isEqualTo("migrate");
        assertThat(failure.get("reason").asText()).contains("\"migrate\" exited with code 1");
        assertThat(failure.get("evidence").asText()).contains("exit code: 1").contains("migration broke");
        assertThat(idOf(stack.project() + "-app-1")).isEqualTo(app);
    }

    @Test
    void aJobNothingWaitsForPassesByExitingZeroWhenItsRestartPolicyLetsItEnd() throws Exception {
        String stackWithJob = """
                services:
                  app:
                    image: busybox:1.35
                    restart: unless-stopped
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]
                  createbuckets:
                    image: busybox:1.35
                    %s
                    command: ["sh", "-c", "sleep 1; echo bucket made; %s"]
                """;
        // No restart key (Compose's default "no"): docker compose up -d leaves it exited 0, and so does Berth.
        Envelope good = change(stackWithJob.formatted("", "true"));
        assertThat(outcome(good).ceType()).contains("succeeded");
        var job = docker.inspect(idOf(stack.project() + "-createbuckets-1")).getState();
        assertThat(job.getStatus()).isEqualTo("exited");
        assertThat(job.getExitCodeLong()).isZero();

        // Converged: a re-apply neither recreates nor starts the job again.
        assertThat(outcome(change(stackWithJob.formatted("", "true"))).ceType()).contains("succeeded");
        var again = docker.inspect(idOf(stack.project() + "-createbuckets-1")).getState();
        assertThat(again.getStartedAt()).isEqualTo(job.getStartedAt());

        // on-failure lets a clean exit end too (a new revision: the job runs again, once).
        assertThat(outcome(change(stackWithJob.formatted("restart: on-failure", "true")))
                        .ceType())
                .contains("succeeded");
        KafkaFixture.Record failed = outcome(change(stackWithJob.formatted("restart: \"no\"", "exit 2")));
        assertThat(failed.ceType()).contains("failed");
        assertThat(json(failed).at("/subject/content/reason").asText())
                .contains("\"createbuckets\" exited with code 2 instead of turning healthy");

        // Under a policy that starts it again after a clean exit, exiting is not completing.
        KafkaFixture.Record restarted = outcome(change(stackWithJob.formatted("restart: always", "true")));
        assertThat(restarted.ceType()).contains("failed");
        assertThat(json(restarted).at("/subject/content/reason").asText())
                .containsPattern("\"createbuckets\" (restarted while starting|exited with code 0 instead of turning"
                        + " healthy)");
    }

    @Test
    void refusesAHostPortAnotherStackOfTheEnvironmentPublishes() throws Exception {
        StackRef blog = new StackRef(stack.environment(), stack.name() + "b");
        USED_STACKS.add(blog.key());
        try {
            int port = Stacks.freePort();
            assertThat(outcome(change(blog, Stacks.webServer(port, "blog", Stacks.HEALTHY)))
                            .ceType())
                    .contains("succeeded");
            KafkaFixture.Record refused = outcome(change(Stacks.webServer(port, "shop", Stacks.HEALTHY)));
            assertThat(refused.ceType()).contains("failed");
            assertThat(json(refused).at("/subject/content/reason").asText())
                    .startsWith("stack " + stack + ": service \"web\" publishes port " + port + ", already used by "
                            + blog);
            assertThat(docker.containers(stack.key())).isEmpty();
        } finally {
            docker.removeStack(blog.key());
        }
    }

    @Test
    void noEventCarriesAHostSecretEvenWhenTheContainerPrintsIt() throws Exception {
        // The stack names the variable; only the deployer's host knows its value.
        Envelope chain = change("""
                services:
                  leaky:
                    image: busybox:1.35
                    command: ["sh", "-c", "echo starting with $$TOKEN; trap 'exit 0' TERM; sleep 600 & wait"]
                    environment:
                      TOKEN: ${BERTH_IT_CANARY}
                    healthcheck:
                      test: ["CMD-SHELL", "echo token is $$TOKEN; exit 1"]
                      interval: 1s
                      retries: 1
                """);
        KafkaFixture.Record failed = outcome(chain);
        assertThat(failed.ceType()).contains("failed");
        String evidence = json(failed).at("/subject/content/evidence").asText();
        assertThat(evidence).contains("token is ***").contains("starting with ***");
        assertThat(chainOf(chain)).allSatisfy(r -> assertThat(r.valueText()).doesNotContain(CANARY));
    }

    @Test
    void noEventCarriesAHostSecretEncodedOrInPartWhenTheContainerPrintsIt() throws Exception {
        // The container prints its secret as a leaky program might: encoded, and a part of it.
        String forms = """
                s="$$SECRET"
                echo "b64=$$(printf %s "$$s" | base64)"
                echo "echoed=$$(echo "$$s" | base64)"
                echo "b64url=$$(printf %s "$$s" | base64 | tr '+/' '-_' | tr -d '=')"
                echo "hex=$$(printf %s "$$s" | hexdump -ve '1/1 "%.2x"')"
                echo "HEX=$$(printf %s "$$s" | hexdump -ve '1/1 "%.2X"')"
                echo "url=$$(printf %s "$$s" | sed 's/%/%25/g; s/ /%20/g; s/@/%40/g; s#/#%2F#g; s/+/%2B/g')"
                echo "part=$${s:3:12}"
                """.indent(10);
        Envelope chain = change("""
                services:
                  leaky:
                    image: busybox:1.35
                    command:
                      - sh
                      - -c
                      - |
                FORMS
                          trap 'exit 0' TERM; sleep 600 & wait
                    environment:
                      SECRET: ${BERTH_IT_SPECIAL}
                    healthcheck:
                      test:
                        - CMD-SHELL
                        - |
                FORMS
                          exit 1
                      interval: 1s
                      retries: 1
                """.replace("FORMS\n", forms));
        KafkaFixture.Record failed = outcome(chain);
        assertThat(failed.ceType()).contains("failed");
        String evidence = json(failed).at("/subject/content/evidence").asText();
        // The forms were printed (in the health check's output and the container's), and hidden.
        assertThat(evidence)
                .contains("b64=***", "echoed=***", "b64url=***", "hex=***", "HEX=***", "url=***", "part=***");
        byte[] bytes = SPECIAL.getBytes(StandardCharsets.UTF_8);
        List<String> leaks = List.of(
                SPECIAL,
                Base64.getEncoder().encodeToString(bytes),
                Base64.getUrlEncoder().withoutPadding().encodeToString(bytes),
                HexFormat.of().formatHex(bytes),
                HexFormat.of().withUpperCase().formatHex(bytes),
                URLEncoder.encode(SPECIAL, StandardCharsets.UTF_8).replace("+", "%20"),
                SPECIAL.substring(3, 15));
        assertThat(chainOf(chain)).allSatisfy(r -> assertThat(r.valueText()).doesNotContain(leaks));
    }

    @Test
    void reApplyingAConvergedStackOfTwentyServicesTouchesNothing() throws Exception {
        StringBuilder compose = new StringBuilder("services:\n");
        for (int i = 1; i <= 20; i++) {
            compose.append("""
                      s%02d:
                        image: busybox:1.35
                        command: ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]
                        healthcheck:
                          test: ["CMD", "true"]
                          interval: 1s
                    """.formatted(i));
            if (i > 10) {
                compose.append("    depends_on:\n      s%02d: {condition: service_healthy}\n".formatted(i - 10));
            }
        }
        assertThat(outcome(change(compose.toString())).ceType()).contains("succeeded");
        List<String> ids = docker.containers(stack.key()).stream()
                .map(Container::getId)
                .sorted()
                .toList();
        assertThat(ids).hasSize(20);

        Envelope again = change(compose.toString());
        KafkaFixture.Record same = outcome(again);
        assertThat(chainOf(again)).hasSize(1);
        assertThat(json(same).at("/subject/content/changed").size()).isZero();
        // The deployer logs how long it took ("up to date ... (N ms)"); the benchmark measures it.
        assertThat(docker.containers(stack.key()).stream()
                        .map(Container::getId)
                        .sorted()
                        .toList())
                .isEqualTo(ids);
    }
}
