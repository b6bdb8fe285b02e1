package dev.berth.deployer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.model.Container;
import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentStarted;
import dev.berth.common.event.DeploymentSucceeded;
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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Isolated;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crash safety on a real broker and engine: a deployer in a child process is killed with SIGKILL at a
 * random point of a rollout, and the worker that takes the stack over (the same group restarted, or
 * the other member of a two-deployer group) ends it. Runs {@code -Dberth.crash.runs} times (4 by
 * default, one per scenario: a stop-first service, a start-first one, three services in a
 * {@code depends_on} chain, a service with {@code container_name}), with delays drawn from {@code -Dberth.crash.seed} (printed). Every run must end with the
 * stack on the new or the previous good revision, nothing kept aside or orphaned, and exactly one
 * terminal event for every deployment that started.
 */
@Isolated
@ExtendWith(SharedKafka.class)
class CrashIT {
    private static final Logger log = LoggerFactory.getLogger(CrashIT.class);
    private static final Clock CLOCK = Clock.systemUTC();
    private static final EventCodec CODEC = new EventCodec();
    private static final Path LOGS = Path.of("target", "crash-it");
    private static KafkaFixture kafka;
    private static KafkaEventPublisher publisher;
    private static DockerFixture docker;
    private static final Set<String> USED_STACKS = ConcurrentHashMap.newKeySet();
    private static final List<Child> CHILDREN = new CopyOnWriteArrayList<>();
    private static final List<String> FIGURES = new CopyOnWriteArrayList<>();

    private final String environment = "crash" + UUID.randomUUID().toString().substring(0, 6);
    private final String group = "berth-crash-" + UUID.randomUUID();
    private int revision;

    @BeforeAll
    static void start(KafkaFixture broker) throws IOException, InterruptedException {
        kafka = broker;
        new TopicAdmin(kafka.settings(), CLOCK).awaitBrokerAndCreateTopics(line -> {});
        publisher = new KafkaEventPublisher(kafka.settings(), "crash-it", CODEC);
        docker = new DockerFixture();
        Files.createDirectories(LOGS);
    }

    @AfterAll
    static void stop() {
        CHILDREN.forEach(Child::kill);
        FIGURES.forEach(line -> log.info("crash figures: {}", line));
        if (publisher != null) {
            publisher.close();
        }
        if (docker != null) {
            USED_STACKS.forEach(docker::removeStack);
            docker.close();
        }
    }

    @AfterEach
    void killChildren() {
        CHILDREN.forEach(Child::kill);
        CHILDREN.clear();
    }

    /** A deployer process and what it logged, each line with the moment the test read it. */
    private static final class Child {
        final String name;
        final Process process;
        final List<Line> lines = new CopyOnWriteArrayList<>();

        record Line(long nanos, String text) {}

        Child(String name, Process process) {
            this.name = name;
            this.process = process;
            Thread reader = new Thread(this::read, "crash-it-" + name);
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            Path file = LOGS.resolve(name + ".log");
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(new Line(System.nanoTime(), line));
                    Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            } catch (IOException e) {
                // the process is gone
            }
        }

        Optional<Line> first(String text) {
            return lines.stream().filter(l -> l.text().contains(text)).findFirst();
        }

        void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Child child(String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashChild.class.getName(),
                        kafka.bootstrapServers(),
                        group,
                        environment)
                .redirectErrorStream(true)
                .start();
        Child child = new Child(environment + "-" + name, process);
        CHILDREN.add(child);
        return child;
    }

    private StackChanged changeOf(StackRef stack, String compose) {
        return Stacks.changed(stack, compose, "rev " + ++revision);
    }

    /**
     * What a run deploys: a good revision, then a slow one that the deployer is killed in, and the
     * services the stack must run in the end.
     *
     * @param maxDelayMs kills fall between 0 and this many ms after the slow deployment started
     */
    private record Scenario(String name, Compose good, Compose slow, List<String> services, int maxDelayMs) {
        /** The names the stack's containers must have in the end: Berth's, or the container_name. */
        List<String> containerNames(StackRef stack, int port) {
            if (this == CONTAINER_NAME) {
                return List.of("/" + containerName(port));
            }
            return services.stream()
                    .map(service -> "/" + stack.project() + "-" + service + "-1")
                    .toList();
        }
    }

    /** A compose document for a host port. */
    private interface Compose {
        String at(int port);
    }

    /** One web service with a fixed host port: replaced stop-first, the old container kept aside. */
    private static final Scenario STOP_FIRST = new Scenario(
            "stop-first",
            port -> Stacks.webServer(port, "one", Stacks.HEALTHY),
            port -> slowWebServer(port, "two", 6),
            List.of("web"),
            4000);

    /** One service without host port asking for start-first: the new container runs beside the old one. */
    private static final Scenario START_FIRST = new Scenario(
            "start-first",
            port -> services(worker("web", "one", 0, List.of(), true)),
            port -> services(worker("web", "two", 6, List.of(), true)),
            List.of("web"),
            4000);

    /**
     * Three services, each waiting for the previous one's health ({@code depends_on: service_healthy}),
     * all changed by the slow revision: a kill can fall in any of their replacements.
     */
    private static final Scenario MULTI_SERVICE = new Scenario(
            "multi-service",
            port -> services(
                    worker("db", "one", 0, List.of(), false),
                    worker("app", "one", 0, List.of("db"), true),
                    webService(port, "one", 0, List.of("app"))),
            port -> services(
                    worker("db", "two", 3, List.of(), false),
                    worker("app", "two", 3, List.of("db"), true),
                    webService(port, "two", 3, List.of("app"))),
            List.of("app", "db", "web"),
            9000);

    /**
     * One web service with a container_name: replaced stop-first under that exact name, the old container
     * renamed aside ({@code <name>-berth-old}) until the new one passes.
     */
    private static final Scenario CONTAINER_NAME = new Scenario(
            "container-name",
            port -> named(Stacks.webServer(port, "one", Stacks.HEALTHY), port),
            port -> named(slowWebServer(port, "two", 6), port),
            List.of("web"),
            4000);

    private static final List<Scenario> SCENARIOS = List.of(STOP_FIRST, START_FIRST, MULTI_SERVICE, CONTAINER_NAME);

    /** The container_name of the {@link #CONTAINER_NAME} scenario on a port: unique while the port is. */
    private static String containerName(int port) {
        return "berth-crash-" + port;
    }

    private static String named(String compose, int port) {
        return compose.replace("  web:\n", "  web:\n    container_name: " + containerName(port) + "\n");
    }

    private static String services(String... services) {
        return "services:\n" + String.join("", services);
    }

    private static String dependsOn(List<String> on) {
        StringBuilder b = new StringBuilder(on.isEmpty() ? "" : "    depends_on:\n");
        on.forEach(d -> b.append("      ").append(d).append(":\n        condition: service_healthy\n"));
        return b.toString();
    }

    /** Healthy once /tmp/ready exists. */
    private static String health() {
        return "    healthcheck:\n"
                + "      test: [\"CMD-SHELL\", \"test -f /tmp/ready\"]\n"
                + "      interval: 1s\n"
                + "      timeout: 2s\n"
                + "      retries: 2\n"
                + "      start_period: 30s\n";
    }

    /** A service without ports that becomes healthy {@code seconds} after it starts. */
    private static String worker(String name, String greeting, int seconds, List<String> on, boolean startFirst) {
        return "  " + name + ":\n"
                + "    image: busybox:1.35\n"
                + "    command: [\"sh\", \"-c\", \"mkdir -p /tmp; (sleep " + seconds
                + "; touch /tmp/ready) & trap 'exit 0' TERM; sleep 100000 & wait\"]\n"
                + "    environment:\n      GREETING: " + greeting + "\n"
                + health()
                + dependsOn(on)
                + (startFirst ? "    deploy:\n      update_config:\n        order: start-first\n" : "");
    }

    /** A web server on a fixed host port that becomes healthy {@code seconds} after it starts. */
    private static String webService(int port, String greeting, int seconds, List<String> on) {
        return "  web:\n"
                + "    image: busybox:1.35\n"
                + "    command: [\"sh\", \"-c\", \"mkdir -p /www; env | grep ^GREETING > /www/index.html; mkdir -p /tmp; (sleep "
                + seconds + "; touch /tmp/ready) & trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait\"]\n"
                + "    environment:\n      GREETING: " + greeting + "\n"
                + "    ports:\n      - \"127.0.0.1:" + port + ":8080\"\n"
                + health()
                + dependsOn(on);
    }

    /** A web server that becomes healthy only {@code seconds} after it starts. */
    private static String slowWebServer(int port, String greeting, int seconds) {
        return """
                services:
                  web:
                    image: busybox:1.35
                    command: ["sh", "-c", "mkdir -p /www; env | grep ^GREETING > /www/index.html; (sleep %d; touch /www/ready) & trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]
                    environment:
                      GREETING: %s
                    ports:
                      - "127.0.0.1:%d:8080"
                    healthcheck:
                      test: ["CMD-SHELL", "test -f /www/ready"]
                      interval: 1s
                      timeout: 2s
                      retries: 2
                      start_period: 30s
                """.formatted(seconds, greeting, port);
    }

    private static void publish(BerthEvent event) {
        publisher.publish(Envelope.newChain(URI.create("/test"), CLOCK, event));
    }

    /** The deployment events of one stack, in the order they were published (one partition per stack). */
    private static List<BerthEvent> deployments(StackRef stack) {
        return kafka.readAll(Topics.DEPLOYMENTS).stream()
                .map(r -> CODEC.decode(r.ceType(), r.value()).event())
                .filter(e -> e.stack().equals(stack))
                .filter(e -> e instanceof DeploymentStarted
                        || e instanceof DeploymentSucceeded
                        || e instanceof DeploymentFailed)
                .toList();
    }

    private static String idOf(BerthEvent e) {
        if (e instanceof DeploymentStarted s) {
            return s.deploymentId();
        }
        if (e instanceof DeploymentSucceeded s) {
            return s.deploymentId();
        }
        return ((DeploymentFailed) e).deploymentId();
    }

    private static String shaOf(BerthEvent e) {
        if (e instanceof DeploymentStarted s) {
            return s.commit().sha();
        }
        if (e instanceof DeploymentSucceeded s) {
            return s.commit().sha();
        }
        return ((DeploymentFailed) e).commit().sha();
    }

    private static boolean terminal(BerthEvent e) {
        return e instanceof DeploymentSucceeded || e instanceof DeploymentFailed;
    }

    /** Publishes the change and waits for the stack's first terminal event for it. */
    private static BerthEvent deploy(StackChanged change) {
        publish(change);
        return await().atMost(Duration.ofSeconds(120))
                .until(
                        () -> deployments(change.stack()).stream()
                                .filter(e -> terminal(e)
                                        && shaOf(e).equals(change.commit().sha()))
                                .findFirst()
                                .orElse(null),
                        Objects::nonNull);
    }

    /** What one run saw. */
    private record Run(int number, String scenario, long delayMs, String outcome, long takeoverMs, long recoveryMs) {}

    /**
     * Brings a stack to a good revision, publishes a slow-to-become-healthy one, kills the stack's owner
     * {@code delayMs} after that deployment started, and checks the end state once its successor has
     * taken the stack over.
     */
    private Run crashRun(int number, Scenario scenario, long delayMs, Owner owners, Successor successors)
            throws Exception {
        StackRef stack =
                new StackRef(environment, "s" + UUID.randomUUID().toString().substring(0, 8));
        USED_STACKS.add(stack.key());
        try {
            int port = Stacks.freePort();
            StackChanged good = changeOf(stack, scenario.good().at(port));
            assertThat(deploy(good)).isInstanceOf(DeploymentSucceeded.class);
            Child owner = owners.of(stack);
            StackChanged slow = changeOf(stack, scenario.slow().at(port));
            publish(slow);
            DeploymentStarted started = await().atMost(Duration.ofSeconds(60))
                    .until(
                            () -> deployments(stack).stream()
                                    .filter(e -> e instanceof DeploymentStarted
                                            && shaOf(e).equals(slow.commit().sha()))
                                    .map(DeploymentStarted.class::cast)
                                    .findFirst()
                                    .orElse(null),
                            Objects::nonNull);
            await().pollDelay(Duration.ofMillis(delayMs))
                    .atMost(Duration.ofMillis(delayMs + 1000))
                    .until(() -> true);
            owner.kill();
            long killed = System.nanoTime();
            Child successor = successors.after(owner);
            // The change whose offset the killed worker never committed comes again: the successor takes
            // the stack over before acting on it, then applies (or, if already there, skips) it.
            await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        List<BerthEvent> events = deployments(stack);
                        Set<String> ended = events.stream()
                                .filter(CrashIT::terminal)
                                .map(CrashIT::idOf)
                                .collect(Collectors.toSet());
                        boolean allEnded = events.stream()
                                .filter(e -> e instanceof DeploymentStarted)
                                .allMatch(e -> ended.contains(idOf(e)));
                        boolean redelivered = events.stream()
                                .anyMatch(e -> terminal(e)
                                        && shaOf(e).equals(slow.commit().sha())
                                        && !idOf(e).equals(started.deploymentId()));
                        return allEnded && redelivered;
                    });
            List<BerthEvent> events = deployments(stack);
            // Exactly one terminal event per deployment id; every started one ended.
            Map<String, Long> terminals = events.stream()
                    .filter(CrashIT::terminal)
                    .collect(Collectors.groupingBy(CrashIT::idOf, Collectors.counting()));
            assertThat(terminals)
                    .allSatisfy((id, count) ->
                            assertThat(count).as("terminal events of %s", id).isEqualTo(1L));
            assertThat(terminals.keySet())
                    .containsAll(events.stream()
                            .filter(e -> e instanceof DeploymentStarted)
                            .map(CrashIT::idOf)
                            .toList());
            List<Container> containers = docker.containers(stack.key());
            assertThat(containers.stream().map(c -> c.getNames()[0]).sorted())
                    .as("one replica of each service, nothing kept aside or orphaned")
                    .containsExactlyElementsOf(scenario.containerNames(stack, port));
            assertThat(containers).allSatisfy(c -> assertThat(c.getState()).isEqualTo("running"));
            Set<String> revisions = containers.stream()
                    .map(c -> c.getLabels().get("berth.revision"))
                    .collect(Collectors.toSet());
            assertThat(revisions).as("the whole stack on one revision").hasSize(1);
            String runs = revisions.iterator().next();
            assertThat(runs).isIn(good.commit().sha(), slow.commit().sha());
            Optional<Child.Line> decision = successor.first("takeover of " + stack);
            assertThat(decision).as("the successor's takeover of the stack").isPresent();
            // It ended what the killed owner left as soon as the group gave it the partition, before the
            // redelivered change.
            assertThat(decision.get().text()).contains("(at partition assignment)");
            long takeoverMs =
                    decision.map(l -> (l.nanos() - killed) / 1_000_000).orElse(-1L);
            long recoveryMs = successor
                    .first("takeover of " + stack + " ended in ")
                    .map(l -> Long.parseLong(l.text().replaceAll(".* ended in (\\d+) ms.*", "$1")))
                    .orElse(-1L);
            String interrupted = events.stream()
                    .filter(e ->
                            e instanceof DeploymentFailed f && f.deploymentId().equals(started.deploymentId()))
                    .map(e -> ((DeploymentFailed) e).reason())
                    .findFirst()
                    .orElse("(the killed deployment had ended)");
            String outcome = runs.equals(slow.commit().sha()) ? "new" : "previous";
            if (outcome.equals("new")) {
                // The same change once more (as a redelivery would bring it): an empty plan, no deployment.
                long before = events.size();
                publish(slow);
                List<BerthEvent> after = await().atMost(Duration.ofSeconds(60))
                        .until(() -> deployments(stack), list -> list.size() > before);
                assertThat(after.subList((int) before, after.size()))
                        .singleElement()
                        .isInstanceOf(DeploymentSucceeded.class);
                assertThat(((DeploymentSucceeded) after.get((int) before)).changed())
                        .isEmpty();
            }
            log.info(
                    "crash run {} ({}): killed {} ms into deployment {}, takeover decision {} ms after the kill,"
                            + " recovery {} ms, stack on the {} revision; {}",
                    number,
                    scenario.name(),
                    delayMs,
                    started.deploymentId(),
                    takeoverMs,
                    recoveryMs,
                    outcome,
                    interrupted);
            return new Run(number, scenario.name(), delayMs, outcome, takeoverMs, recoveryMs);
        } finally {
            docker.removeStack(stack.key());
        }
    }

    private static String summary(String name, long seed, List<Run> runs) {
        List<Long> takeovers = sorted(runs.stream().map(Run::takeoverMs).toList());
        List<Long> recoveries = sorted(runs.stream().map(Run::recoveryMs).toList());
        return name + ": seed " + seed + ", runs " + runs.size() + " ("
                + SCENARIOS.stream()
                        .map(s -> s.name() + " "
                                + runs.stream()
                                        .filter(r -> r.scenario().equals(s.name()))
                                        .count())
                        .collect(Collectors.joining(", "))
                + "), new "
                + runs.stream().filter(r -> r.outcome().equals("new")).count() + ", previous "
                + runs.stream().filter(r -> r.outcome().equals("previous")).count()
                + ", takeover (kill to decision) median " + median(takeovers) + " ms, max " + max(takeovers)
                + " ms, recovery median " + median(recoveries) + " ms, max " + max(recoveries) + " ms, delays "
                + runs.stream().map(r -> r.delayMs() + "").collect(Collectors.joining(","));
    }

    private static List<Long> sorted(List<Long> values) {
        List<Long> copy = values.stream().filter(ms -> ms >= 0).collect(Collectors.toCollection(ArrayList::new));
        Collections.sort(copy);
        return copy;
    }

    private static long median(List<Long> sorted) {
        return sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2);
    }

    private static long max(List<Long> sorted) {
        return sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1);
    }

    private static long seed() {
        long seed = Long.getLong("berth.crash.seed", System.nanoTime());
        log.info("crash seed {} (rerun with -Dberth.crash.seed={})", seed, seed);
        return seed;
    }

    @Test
    void aDeployerKilledMidRolloutIsTakenOverWhenTheGroupRestarts() throws Exception {
        int count = Integer.getInteger("berth.crash.runs", SCENARIOS.size());
        long seed = seed();
        Random random = new Random(seed);
        List<Run> runs = new ArrayList<>();
        Child[] current = {child("r0")};
        for (int i = 1; i <= count; i++) {
            int n = i;
            Scenario scenario = SCENARIOS.get((i - 1) % SCENARIOS.size());
            runs.add(crashRun(i, scenario, random.nextInt(scenario.maxDelayMs() + 1), stack -> current[0], killed -> {
                current[0] = child("r" + n);
                return current[0];
            }));
        }
        FIGURES.add(summary("restart", seed, runs));
    }

    @Test
    void aStackRemovedRightAfterAnInterruptedDeploymentStillEndsThatDeployment() throws Exception {
        StackRef stack =
                new StackRef(environment, "s" + UUID.randomUUID().toString().substring(0, 8));
        USED_STACKS.add(stack.key());
        try {
            int port = Stacks.freePort();
            Child owner = child("x0");
            assertThat(deploy(changeOf(stack, STOP_FIRST.good().at(port)))).isInstanceOf(DeploymentSucceeded.class);
            StackChanged slow = changeOf(stack, STOP_FIRST.slow().at(port));
            publish(slow);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> deployments(stack).stream()
                            .anyMatch(e -> e instanceof DeploymentStarted
                                    && shaOf(e).equals(slow.commit().sha())));
            owner.kill();
            // The stack's directory is deleted while nobody runs it: the removal queues behind the change.
            publish(new StackRemoved(stack, new Commit("f".repeat(40), "Erin", "remove it", Instant.now())));
            Child successor = child("x1");
            await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> docker.containers(stack.key()).isEmpty()
                            && successor.first("removed " + stack + " ").isPresent());
            List<BerthEvent> events = deployments(stack);
            Map<String, Long> terminals = events.stream()
                    .filter(CrashIT::terminal)
                    .collect(Collectors.groupingBy(CrashIT::idOf, Collectors.counting()));
            assertThat(terminals)
                    .allSatisfy((id, count) ->
                            assertThat(count).as("terminal events of %s", id).isEqualTo(1L));
            assertThat(terminals.keySet())
                    .containsAll(events.stream()
                            .filter(e -> e instanceof DeploymentStarted)
                            .map(CrashIT::idOf)
                            .toList());
        } finally {
            docker.removeStack(stack.key());
        }
    }

    @Test
    void aDeployerKilledWhileRemovingAStackLeavesTheRemovalToItsSuccessor() throws Exception {
        StackRef stack =
                new StackRef(environment, "s" + UUID.randomUUID().toString().substring(0, 8));
        USED_STACKS.add(stack.key());
        try {
            Child owner = child("y0");
            // PID 1 without a TERM handler: each stop takes the whole grace period, a window to kill in.
            String slowToStop = """
                    services:
                      web:
                        image: busybox:1.35
                        command: ["sh", "-c", "sleep 100000"]
                        stop_grace_period: 8s
                    """;
            assertThat(deploy(changeOf(stack, slowToStop))).isInstanceOf(DeploymentSucceeded.class);
            Commit removing = new Commit("e".repeat(40), "Erin", "remove it", Instant.now());
            publish(new StackRemoved(stack, removing));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> deployments(stack).stream()
                            .anyMatch(e -> e instanceof DeploymentStarted && shaOf(e).equals(removing.sha())));
            await().pollDelay(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> true);
            owner.kill();
            Child successor = child("y1");
            await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> docker.containers(stack.key()).isEmpty()
                            && successor.first("removed " + stack + " ").isPresent());
            assertThat(successor.first("takeover of " + stack))
                    .hasValueSatisfying(line -> assertThat(line.text()).contains("the stack was being removed"));
            List<BerthEvent> events = deployments(stack);
            Map<String, Long> terminals = events.stream()
                    .filter(CrashIT::terminal)
                    .collect(Collectors.groupingBy(CrashIT::idOf, Collectors.counting()));
            assertThat(terminals)
                    .allSatisfy((id, count) ->
                            assertThat(count).as("terminal events of %s", id).isEqualTo(1L));
            List<String> started = events.stream()
                    .filter(e -> e instanceof DeploymentStarted)
                    .map(CrashIT::idOf)
                    .toList();
            assertThat(terminals.keySet()).containsAll(started);
            // The killed removal ended as interrupted, and nothing was brought back before the second one.
            assertThat(events.stream()
                            .filter(e -> e instanceof DeploymentStarted)
                            .map(CrashIT::shaOf)
                            .filter(sha -> !sha.equals(removing.sha()))
                            .count())
                    .isEqualTo(1);
        } finally {
            docker.removeStack(stack.key());
        }
    }

    @Test
    void withTwoDeployersKillingTheOwnerMovesTheStackToTheOther() throws Exception {
        int count = Math.max(1, Integer.getInteger("berth.crash.runs", 3) / 5);
        long seed = seed();
        Random random = new Random(seed);
        List<Run> runs = new ArrayList<>();
        List<Child> members = new ArrayList<>(List.of(child("a0"), child("b0")));
        for (int i = 1; i <= count; i++) {
            if (members.size() < 2) {
                members.add(child("m" + i));
            }
            awaitMembers(2);
            // The multi-service stack first: the one most likely to be caught between two services.
            Scenario scenario = SCENARIOS.get((SCENARIOS.size() - i % SCENARIOS.size()) % SCENARIOS.size());
            runs.add(crashRun(
                    i,
                    scenario,
                    random.nextInt(scenario.maxDelayMs() + 1),
                    stack -> members.stream()
                            .filter(m -> m.first("deploying " + stack + " ").isPresent())
                            .findFirst()
                            .orElseThrow(),
                    killed -> {
                        members.remove(killed);
                        return members.get(0);
                    }));
        }
        FIGURES.add(summary("two deployers", seed, runs));
    }

    /** Who owns a stack once its first revision is deployed. */
    private interface Owner {
        Child of(StackRef stack);
    }

    /** The worker that takes the stack over once {@code killed} is dead. */
    private interface Successor {
        Child after(Child killed) throws IOException;
    }

    private void awaitMembers(int members) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(() -> {
                        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group))
                                .all()
                                .get()
                                .get(group);
                        return d.members().size() == members
                                && d.members().stream()
                                        .allMatch(m -> !m.assignment()
                                                .topicPartitions()
                                                .isEmpty());
                    });
        }
    }
}
