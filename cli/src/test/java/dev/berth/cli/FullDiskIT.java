package dev.berth.cli;

import static dev.berth.cli.BerthProcess.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.testkit.GitRepos;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

    private final List<BerthProcess> processes = new ArrayList<>();
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
        for (BerthProcess p : processes) {
            p.close();
        }
        for (Path mount : mounts) {
            exec("umount", mount.toString());
            Files.deleteIfExists(mount);
        }
        repo.close();
    }

    private BerthProcess start(String... args) throws IOException {
        return start(Map.of(), args);
    }

    private BerthProcess start(Map<String, String> environment, String... args) throws IOException {
        BerthProcess berth = BerthProcess.start(environment, args);
        processes.add(berth);
        return berth;
    }

    @Test
    void aFullDataDirectoryIsRefusedAtStartNamingItsFreeSpace() throws Exception {
        Path dir = tmpfs("16m");
        fill(dir);

        BerthProcess berth = run(dir);

        assertThat(berth.awaitExit(Duration.ofSeconds(120))).as(berth.output()).isEqualTo(1);
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

        BerthProcess berth = run(dir);

        assertThat(berth.awaitExit(Duration.ofSeconds(120))).as(berth.output()).isEqualTo(1);
        assertThat(berth.output())
                .contains("berth: data directory " + dir + " is not writable (Read-only file system)")
                .contains("free of 128 MiB")
                .contains("make it writable or choose another --data-dir")
                .doesNotContain("\tat ");
    }

    @Test
    void aDataDirectoryThatFillsUpWhileRunningTurnsHealthDownAndExitsOne() throws Exception {
        Path dir = tmpfs("128m");
        BerthProcess berth = run(dir);
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
        assertThat(berth.awaitExit(Duration.ofSeconds(120))).as(berth.output()).isEqualTo(1);
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

    private BerthProcess run(Path dataDir) throws IOException {
        return start(
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

    /** The status of /health, or -1 once nothing answers (the process stopped). */
    private static int health(int port) {
        try {
            return get(port, "/health").statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
