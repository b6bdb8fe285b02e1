package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged {@code berth} jar run as a child process, its output lines (stdout and stderr) collected
 * as they come. Closing it kills the process; tests close every one they start, even when they fail.
 */
final class BerthProcess implements AutoCloseable {
    private static final Path JAR = Path.of("target", "berth.jar");

    final Process process;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    private BerthProcess(Process process) {
        this.process = process;
    }

    /** Starts {@code java -jar berth.jar args...} with {@code environment} added to this one's. */
    static BerthProcess start(Map<String, String> environment, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        BerthProcess berth = new BerthProcess(builder.start());
        Thread reader = new Thread(berth::collect, "berth-output");
        reader.setDaemon(true);
        reader.start();
        return berth;
    }

    private void collect() {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lines.add(line);
            }
        } catch (IOException e) {
            // the process ended
        }
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

    /** The port of the ops endpoint, from the {@code ops:} line it printed. */
    int opsPort() {
        Matcher m = Pattern.compile("ops: http://127.0.0.1:(\\d+)/health").matcher(output());
        assertThat(m.find()).as("ops line in:\n%s", output()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** Its exit code, once it exited within {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
                .as("exited; output:\n%s", output())
                .isTrue();
        return process.exitValue();
    }

    int awaitExit() throws InterruptedException {
        return awaitExit(Duration.ofSeconds(90));
    }

    /** {@code GET http://127.0.0.1:port/path}, answered within 5 s. */
    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
