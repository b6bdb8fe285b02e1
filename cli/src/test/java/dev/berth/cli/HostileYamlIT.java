package dev.berth.cli;

import static dev.berth.cli.BerthProcess.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.testkit.Stacks;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
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
    private static final String ENV = "hy";

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String deep = "deep" + id;
    private final String bomb = "bomb" + id;
    private final String good = "good" + id;
    private BerthRun berthRun;

    @BeforeEach
    void setUp() throws IOException {
        berthRun = BerthRun.create(ENV);
        List.of(deep, bomb, good).forEach(berthRun::stack);
    }

    @AfterEach
    void tearDown() throws Exception {
        berthRun.close();
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
        berthRun.repo.write(
                "stacks/" + deep + "/compose.yaml",
                "services:\n  web:\n    image: busybox:1.35\n    x-deep: " + "[".repeat(2000) + "]".repeat(2000)
                        + "\n");
        berthRun.repo.write("stacks/" + bomb + "/compose.yaml", aliasBomb());
        String hostile = berthRun.repo.commit("Mallory", "Hostile YAML");

        BerthProcess berth = berthRun.run("--health-timeout", "30s");
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
        berthRun.repo.write("stacks/" + good + "/compose.yaml", Stacks.webServer(port, "fine", Stacks.HEALTHY));
        String fine = berthRun.repo.commit("Alice", "A good stack after the hostile ones");
        await().atMost(Duration.ofSeconds(120))
                .until(() -> berth.printed("deployed " + ENV + "/" + good + " @" + fine.substring(0, 7)));
        assertThat(berthRun.docker.containers(ENV + "/" + good))
                .singleElement()
                .satisfies(c -> assertThat(c.getState()).isEqualTo("running"));
        assertThat(berthRun.docker.containers(ENV + "/" + deep)).isEmpty();
        assertThat(berthRun.docker.containers(ENV + "/" + bomb)).isEmpty();
        assertThat(get(ops, "/health").statusCode()).isEqualTo(200);
        assertThat(get(ops, "/ready").statusCode()).isEqualTo(200);
        assertThat(get(ops, "/metrics").body()).containsPattern("berth_watcher_poll_errors_total(\\{[^}]*\\})? 0.0");
    }
}
