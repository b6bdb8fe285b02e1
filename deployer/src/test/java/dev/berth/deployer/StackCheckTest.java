package dev.berth.deployer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.ComposeStack;
import java.util.List;
import org.junit.jupiter.api.Test;

class StackCheckTest {
    private static final ComposeStack DESIRED =
            new ComposeParser(ComposePolicy.DEFAULT).parse("stacks/x/compose.yaml", """
                    services:
                      web:
                        image: busybox:1.35
                        restart: unless-stopped
                        deploy:
                          replicas: 3
                        depends_on:
                          migrate:
                            condition: service_completed_successfully
                      migrate:
                        image: busybox:1.35
                    """);

    private static StackCheck.Container running(String service, int number) {
        return new StackCheck.Container("x-" + service + "-" + number, service, number, "running", null, "");
    }

    private static StackCheck.Container web(int number) {
        return new StackCheck.Container(
                "x-web-" + number, "web", number, "running", null, "migrate:service_completed_successfully:false");
    }

    private static StackCheck.Container migrateExited(int code) {
        return new StackCheck.Container("x-migrate-1", "migrate", 1, "exited", code, "");
    }

    @Test
    void aStackAsItsRevisionSaysHasNoProblem() {
        assertThat(StackCheck.problems(List.of(web(1), web(2), web(3), migrateExited(0)), DESIRED))
                .isEmpty();
    }

    @Test
    void missingStoppedNeverStartedAndStrayContainersAreEachNamed() {
        List<StackCheck.Container> containers = List.of(
                web(1),
                new StackCheck.Container("x-web-3", "web", 3, "exited", 0, ""),
                migrateExited(0),
                new StackCheck.Container("x-web-4", "web", 4, "running", null, ""),
                running("intruder", 1),
                new StackCheck.Container("x-cron-1", "cron", 1, "created", 0, ""));
        assertThat(StackCheck.problems(containers, DESIRED))
                .containsExactlyInAnyOrder(
                        "container x-web-3 is exited (exit code 0) but service \"web\" should run",
                        "container x-cron-1 was created but never started",
                        "service \"web\": replica 2 of 3 is missing",
                        "stray container x-cron-1: service \"cron\" is not in the revision that should run",
                        "stray container x-intruder-1: service \"intruder\" is not in the revision that should run",
                        "stray container x-web-4: service \"web\" has 3 replicas, not a number 4");
    }

    @Test
    void aServiceWhoseRestartPolicyLetsItEndIsDoneOnceItExitedZero() {
        ComposeStack jobs = new ComposeParser(ComposePolicy.DEFAULT).parse("stacks/x/compose.yaml", """
                services:
                  createbuckets:
                    image: busybox:1.35
                  fix:
                    image: busybox:1.35
                    restart: "no"
                  seed:
                    image: busybox:1.35
                    deploy:
                      restart_policy: {condition: on-failure}
                  web:
                    image: busybox:1.35
                    restart: always
                """);
        assertThat(StackCheck.problems(
                        List.of(
                                new StackCheck.Container("x-createbuckets-1", "createbuckets", 1, "exited", 0, ""),
                                new StackCheck.Container("x-fix-1", "fix", 1, "exited", 0, ""),
                                new StackCheck.Container("x-seed-1", "seed", 1, "exited", 2, ""),
                                new StackCheck.Container("x-web-1", "web", 1, "exited", 0, "")),
                        jobs))
                .containsExactly(
                        "container x-seed-1 is exited (exit code 2) but service \"seed\" should run",
                        "container x-web-1 is exited (exit code 0) but service \"web\" should run");
    }

    @Test
    void aOneShotServiceThatFailedIsAProblemAndAWholeServiceMissingToo() {
        assertThat(StackCheck.problems(List.of(web(1), web(2), web(3), migrateExited(1)), DESIRED))
                .containsExactly("container x-migrate-1 is exited (exit code 1) but service \"migrate\" should run");
        assertThat(StackCheck.problems(List.of(web(1), web(2), web(3)), DESIRED))
                .containsExactly("service \"migrate\": replica 1 of 1 is missing");
    }

    @Test
    void withoutTheRevisionOnlyStoppedAndKeptAsideContainersAreFound() {
        List<StackCheck.Container> containers = List.of(
                web(1),
                new StackCheck.Container("x-web-2-berth-old", "web", 2, "exited", 137, ""),
                running("other", 9));
        assertThat(StackCheck.problems(containers, null))
                .containsExactly(
                        "container x-web-2-berth-old was kept aside by a rollout that did not end (service \"web\")");
    }
}
