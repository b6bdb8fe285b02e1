package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a service writes into a relative bind mount ({@code ./data:/data}, the commonest pattern of
 * real compose files) survives, as under {@code docker compose up}, for a service with a
 * {@code container_name} (exact name, one container): across updates, a failed update
 * rolled back, a {@code kill -9} of the deployer mid-rollout and its restart. The packaged jar runs
 * {@code berth run} against a real repository and the local Docker Engine.
 */
class StackDataIT {
    private static final String ENV = "data";

    private final String stack = "data" + UUID.randomUUID().toString().substring(0, 8);
    private BerthRun berthRun;
    private String key;

    @BeforeEach
    void setUp() throws IOException {
        berthRun = BerthRun.create(ENV);
        key = berthRun.stack(stack);
    }

    @AfterEach
    void tearDown() throws Exception {
        berthRun.close();
    }

    /**
     * Each container appends "{@code mark} <start>" to {@code /data/log.txt} when it starts; it is
     * healthy when {@code /conf/ok} holds "yes" (a tracked file of the revision).
     */
    private String commit(String mark, String ok, int startSeconds) {
        berthRun.repo.write("stacks/" + stack + "/compose.yaml", """
                services:
                  app:
                    image: busybox:1.35
                    container_name: %s
                    command: ["sh", "-c", "sleep %d; echo \\"$$MARK $$(date +%%s)\\" >> /data/log.txt; exec sleep 3600"]
                    environment: {MARK: %s}
                    stop_grace_period: 1s
                    volumes: ["./data:/data", "./conf:/conf:ro"]
                    healthcheck:
                      test: ["CMD-SHELL", "grep -q yes /conf/ok && grep -q $$MARK /data/log.txt"]
                      interval: 1s
                      retries: 3
                      start_period: 10s
                """.formatted(stack + "-app", startSeconds, mark));
        berthRun.repo.write("stacks/" + stack + "/conf/ok", ok + "\n");
        return berthRun.repo.commit("Alice", "app " + mark).substring(0, 7);
    }

    private BerthProcess run() throws IOException {
        return berthRun.run("--health-timeout", "20s");
    }

    /** Waits for a line, failing with the process's output, which says why it did not come. */
    private static void awaitPrinted(BerthProcess berth, String fragment, int seconds) {
        try {
            await().atMost(Duration.ofSeconds(seconds)).until(() -> berth.printed(fragment));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no \"" + fragment + "\" within " + seconds + " s; output:\n" + berth.output(), e);
        }
    }

    private Path log() {
        return berthRun.dataDir
                .resolve("stacks")
                .resolve(ENV)
                .resolve(stack)
                .resolve("files/stacks/" + stack + "/data/log.txt");
    }

    private List<String> marks() throws IOException {
        return Files.readAllLines(log()).stream()
                .map(line -> line.split(" ")[0])
                .toList();
    }

    @Test
    void whatAServiceWroteIntoItsBindMountSurvivesUpdatesRollbackKillAndRestart() throws Exception {
        String v1 = commit("v1", "yes", 0);
        BerthProcess berth = run();
        awaitPrinted(berth, "deployed " + key + " @" + v1, 120);
        // The bind source the repository lacks was made in the stack's one directory.
        assertThat(marks()).containsExactly("v1");

        String v2 = commit("v2", "yes", 0);
        awaitPrinted(berth, "deployed " + key + " @" + v2, 90);
        assertThat(marks()).containsExactly("v1", "v2");

        // A failed update: its container writes its line, fails its gate, and the stack goes back to v2.
        String v3 = commit("v3", "no", 0);
        awaitPrinted(berth, "the stack was rolled back to " + v2, 90);
        // (the v2 container, stopped for v3, writes its line again when it is started back)
        assertThat(marks()).startsWith("v1", "v2", "v3");
        assertThat(Files.readString(log().resolveSibling("../conf/ok")))
                .as("a rollback puts the tracked files back as the good revision has them")
                .isEqualTo("yes\n");
        assertThat(berthRun.docker.containers(key))
                .singleElement()
                .satisfies(c -> assertThat(c.getLabels().get("berth.revision")).startsWith(v2))
                .satisfies(c -> assertThat(c.getNames()).containsExactly("/" + stack + "-app"));

        // kill -9 while v4's container is starting, then a restart on the same data directory.
        String v4 = commit("v4", "yes", 4);
        awaitPrinted(berth, "deploying " + key + " @" + v4, 90);
        berth.process.toHandle().destroyForcibly();
        berth.awaitExit();
        BerthProcess again = run();
        awaitPrinted(again, "deployed " + key + " @" + v4, 150);
        List<String> marks = marks();
        assertThat(marks).startsWith("v1", "v2", "v3").endsWith("v4");
        assertThat(berthRun.docker.containers(key))
                .singleElement()
                .satisfies(c -> assertThat(c.getLabels().get("berth.revision")).startsWith(v4))
                .satisfies(c -> assertThat(c.getNames()).containsExactly("/" + stack + "-app"));
        assertThat(Files.list(berthRun.dataDir.resolve("stacks").resolve(ENV).resolve(stack))
                        .map(p -> p.getFileName().toString()))
                .as("one directory per stack, no directory per revision")
                .containsExactlyInAnyOrder("files", ".berth");
    }
}
