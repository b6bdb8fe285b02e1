package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.testkit.GitRepos;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code berth run} (the packaged jar, as a user runs it) on a data directory on a small tmpfs: one
 * that is full at start, one that is read-only, and one that fills up while Berth runs. Each time the
 * process says which directory and how much is free, and exits 1; while running, {@code /health}
 * turns DOWN first. Mounting needs root: the tests are skipped, saying so, without it.
 */
class FullDiskIT {
    private static final Path JAR = Path.of("target", "berth.jar");

    private final List<Process> processes = new ArrayList<>();
    private final List<Path> mounts = new ArrayList<>();
    private GitRepos repo;

    @BeforeEach
    void setUp() {
        repo = GitRepos.create();
        repo.write("README.md", "no stacks yet\n");
        repo.commit("Alice", "Start");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        for (Path mount : mounts) {
            exec("umount", mount.toString());
            Files.deleteIfExists(mount);
        }
        repo.close();
    }

    @Test
    void aFullDataDirectoryIsRefusedAtStartNamingItsFreeSpace() throws Exception {
        Path dir = tmpfs("16m");
        fill(dir);

        Berth berth = run(dir);

        assertThat(berth.awaitExit()).as(berth.output()).isEqualTo(1);
        assertThat(berth.output())
                .contains("berth: data directory " + dir + " is full: 0 B free of 16 MiB")
                .contains("free space or choose another --data-dir")
                .doesNotContain("\tat ")
                .doesNotContain("kafka: embedded broker");
    }

    @Test
    void aReadOnlyDataDirectoryIsRefusedAtStart() throws Exception {
        Path dir = tmpfs("128m");
        assertThat(exec("mount", "-o", "remount,ro", dir.toString())).isZero();

        Berth berth = run(dir);

        assertThat(berth.awaitExit()).as(berth.output()).isEqualTo(1);
        assertThat(berth.output())
                .contains("berth: data directory " + dir + " is not writable (Read-only file system)")
                .contains("free of 128 MiB")
                .contains("make it writable or choose another --data-dir")
                .doesNotContain("\tat ");
    }

    @Test
    void aDataDirectoryThatFillsUpWhileRunningTurnsHealthDownAndExitsOne() throws Exception {
        Path dir = tmpfs("128m");
        Berth berth = run(dir);
        await().atMost(Duration.ofSeconds(120)).until(() -> berth.printed("ready:") || !berth.process.isAlive());
        int ops = berth.opsPort();
        assertThat(get(ops, "/health").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(get(ops, "/metrics").body())
                        .containsPattern("berth_data_dir_free_bytes\\{dir=\"" + Pattern.quote(dir.toString())
                                + "\",?\\} [1-9]"));

        fill(dir);

        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> health(ops) == 503);
        assertThat(berth.awaitExit()).as(berth.output()).isEqualTo(1);
        assertThat(berth.output())
                .contains("data directory " + dir + " is full: ")
                .contains("free of 128 MiB")
                .containsPattern("berth: .*data directory " + Pattern.quote(dir.toString()) + " is full")
                .contains("stopping")
                .doesNotContain("\tat ");
    }

    private Path tmpfs(String size) throws Exception {
        assumeTrue(
                "root".equals(System.getProperty("user.name")),
                "mounting a small tmpfs as the data directory needs root");
        Path dir = Files.createTempDirectory("berth-disk-");
        int code = exec("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        if (code != 0) {
            Files.delete(dir);
        }
        assumeTrue(code == 0, "mount -t tmpfs failed (no CAP_SYS_ADMIN in this container?)");
        mounts.add(dir);
        return dir;
    }

    /** Writes zeros until the file system says it has no space left. */
    private static void fill(Path dir) throws IOException {
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(dir.resolve("filler"))) {
            for (int i = 0; i < 1024; i++) {
                out.write(chunk);
            }
        } catch (IOException e) {
            assertThat(e.getMessage()).contains("No space left");
            return;
        }
        throw new AssertionError("a 1 GiB file fitted in the small tmpfs " + dir);
    }

    private static int exec(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return process.exitValue();
    }

    private Berth run(Path dataDir) throws IOException {
        return new Berth(
                "run",
                "--repo",
                repo.path().toString(),
                "--environment",
                "disk",
                "--poll-interval",
                "1s",
                "--data-dir",
                dataDir.toString(),
                "--ops-port",
                "0");
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    /** The status of /health, or -1 once nothing answers (the process stopped). */
    private static int health(int port) {
        try {
            return get(port, "/health").statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    /** A running berth process whose output lines are collected as they come. */
    private final class Berth {
        final Process process;
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        Berth(String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
            command.addAll(List.of(args));
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
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
            assertThat(process.waitFor(120, TimeUnit.SECONDS))
                    .as("exited; output:\n%s", output())
                    .isTrue();
            return process.exitValue();
        }
    }
}
