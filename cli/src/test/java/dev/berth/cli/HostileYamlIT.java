package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.testkit.DockerFixture;
import dev.berth.testkit.GitRepos;
import dev.berth.testkit.Stacks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile YAML against the packaged {@code berth run} (embedded broker, a real git repository, the
 * local Docker Engine): a value nested thousands deep and an alias bomb are each {@code stack.invalid}
 * naming their file and line, the watcher keeps running ({@code /health} and {@code /ready} up, no
 * poll error), and a good stack committed after them is deployed.
 */
class HostileYamlIT {
    private static final Path JAR = Path.of("target", "berth.jar");
    private static final String ENV = "hy";

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String deep = "deep" + id;
    private final String bomb = "bomb" + id;
    private final String good = "good" + id;
    private final List<Process> processes = new ArrayList<>();
    private final DockerFixture docker = new DockerFixture();
    private GitRepos repo;
    private Path dataDir;

    @BeforeEach
    void setUp() throws IOException {
        repo = GitRepos.create();
        dataDir = Files.createTempDirectory("berth-hy-");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        for (String stack : List.of(deep, bomb, good)) {
            docker.removeStack(ENV + "/" + stack);
        }
        docker.close();
        repo.close();
    }

    /** A running berth process whose output lines are collected as they come. */
    private final class Berth {
        final Process process;
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        Berth(String... args) throws IOException {
            this(Map.of(), args);
        }

        Berth(Map<String, String> environment, String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            process = builder.start();
            processes.add(process);
            Thread reader = new Thread(
                    () -> {
                        try (BufferedReader in = new BufferedReader(
                                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            for (String line = in.readLine(); line != null; line = in.readLine()) {
                                lines.add(line);
                            }
                        } catch (IOException e) {
                            // the process ended
                        }
                    },
                    "berth-output");
            reader.setDaemon(true);
            reader.start();
        }

        boolean printed(String fragment) {
            synchronized (lines) {
                return lines.stream().anyMatch(l -> l.contains(fragment));
            }
        }

        long count(String fragment) {
            synchronized (lines) {
                return lines.stream().filter(l -> l.contains(fragment)).count();
            }
        }

        String output() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }

        int opsPort() {
            Matcher m = Pattern.compile("ops: http://127.0.0.1:(\\d+)/health").matcher(output());
            assertThat(m.find()).as("ops line in:\n%s", output()).isTrue();
            return Integer.parseInt(m.group(1));
        }

        int awaitExit() throws InterruptedException {
            assertThat(process.waitFor(90, TimeUnit.SECONDS))
                    .as("exited; output:\n%s", output())
                    .isTrue();
            return process.exitValue();
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static String aliasBomb() {
        StringBuilder yaml = new StringBuilder("services:\n  web:\n    image: busybox:1.35\nx-0: &l0 [\"lol\"]\n");
        for (int i = 1; i <= 12; i++) {
            yaml.append("x-").append(i).append(": &l").append(i).append(" [");
            yaml.append(String.join(", ", Collections.nCopies(8, "*l" + (i - 1))))
                    .append("]\n");
        }
        return yaml.toString();
    }

    @Test
    void hostileYamlIsInvalidTheWatcherKeepsRunningAndAGoodStackAfterItDeploys() throws Exception {
        repo.write(
                "stacks/" + deep + "/compose.yaml",
                "services:\n  web:\n    image: busybox:1.35\n    x-deep: " + "[".repeat(2000) + "]".repeat(2000)
                        + "\n");
        repo.write("stacks/" + bomb + "/compose.yaml", aliasBomb());
        String hostile = repo.commit("Mallory", "Hostile YAML");

        Berth berth = new Berth(
                "run",
                "--repo",
                repo.path().toString(),
                "--environment",
                ENV,
                "--poll-interval",
                "1s",
                "--data-dir",
                dataDir.toString(),
                "--ops-port",
                "0",
                "--health-timeout",
                "30s");
        String at = " @" + hostile.substring(0, 7) + ": ";
        await().atMost(Duration.ofSeconds(120))
                .until(() -> berth.printed("invalid " + ENV + "/" + deep + at)
                        && berth.printed("invalid " + ENV + "/" + bomb + at));
        assertThat(berth.output())
                .contains("invalid " + ENV + "/" + deep + at + "stacks/" + deep
                        + "/compose.yaml:4:74: values are nested more than 64 levels deep here")
                .containsPattern("invalid " + ENV + "/" + bomb + at + "stacks/" + bomb
                        + "/compose.yaml:\\d+:\\d+: this value, with its aliases written out, is larger than")
                .doesNotContain("StackOverflowError");
        int ops = berth.opsPort();
        assertThat(get(ops, "/health").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> get(ops, "/ready").statusCode() == 200);

        int port = Stacks.freePort();
        repo.write("stacks/" + good + "/compose.yaml", Stacks.webServer(port, "fine", Stacks.HEALTHY));
        String fine = repo.commit("Alice", "A good stack after the hostile ones");
        await().atMost(Duration.ofSeconds(120))
                .until(() -> berth.printed("deployed " + ENV + "/" + good + " @" + fine.substring(0, 7)));
        assertThat(docker.containers(ENV + "/" + good))
                .singleElement()
                .satisfies(c -> assertThat(c.getState()).isEqualTo("running"));
        assertThat(docker.containers(ENV + "/" + deep)).isEmpty();
        assertThat(docker.containers(ENV + "/" + bomb)).isEmpty();
        assertThat(get(ops, "/health").statusCode()).isEqualTo(200);
        assertThat(get(ops, "/ready").statusCode()).isEqualTo(200);
        assertThat(get(ops, "/metrics").body()).containsPattern("berth_watcher_poll_errors_total(\\{[^}]*\\})? 0.0");
    }
}
