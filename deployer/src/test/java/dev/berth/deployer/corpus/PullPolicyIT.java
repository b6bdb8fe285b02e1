package dev.berth.deployer.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.StackRef;
import dev.berth.common.compose.StackFiles;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * pull_policy on the real engine, which reaches no registry here: never does not pull an image the engine
 * lacks; always pulls even an image the engine has (and fails here, where no registry answers).
 */
@Isolated
class PullPolicyIT {
    @Test
    void neverAndAlwaysPullAsComposeSays(@TempDir Path workDir) throws Exception {
        StackRef stack =
                new StackRef("pull", "policy-" + UUID.randomUUID().toString().substring(0, 8));
        try (BerthHarness harness = new BerthHarness(BerthHarness.config(workDir))) {
            BerthHarness.Outcome never = harness.apply(
                    stack,
                    "stacks/web/compose.yaml",
                    "services:\n  web:\n    image: berth-absent-" + UUID.randomUUID() + ":1\n"
                            + "    pull_policy: never\n",
                    Map.of(),
                    StackFiles.EMPTY);
            assertThat(never.succeeded()).isFalse();
            assertThat(never.failure()).contains("is not on the engine, and its pull_policy is never");
            BerthHarness.Outcome always = harness.apply(
                    stack,
                    "stacks/web/compose.yaml",
                    "services:\n  web:\n    image: busybox:1.35\n    pull_policy: always\n",
                    Map.of(),
                    StackFiles.EMPTY);
            assertThat(always.succeeded()).isFalse();
            assertThat(always.failure())
                    .contains(
                            "image \"busybox:1.35\" of service \"web\" could not be pulled" + " (pull_policy always)");
        } finally {
            // Removes its containers and networks; the stack named is only where its expectations are read.
            CorpusProjects.cleanUp(
                    DockerCli.LOCAL, stack.project(), Corpus.stack("01-image-command"), Set.of(), Set.of());
        }
        assertThat(DockerCli.LOCAL.containers(Map.of(Expectations.PROJECT_LABEL, stack.project())))
                .isEmpty();
        assertThat(DockerCli.LOCAL.exists("network", stack.project() + "_default"))
                .isFalse();
    }
}
