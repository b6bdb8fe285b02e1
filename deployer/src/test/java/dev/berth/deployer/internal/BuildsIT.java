package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.compose.ServiceSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * {@code build}: images built from the revision's files with their Dockerfile, args, target and
 * labels, tagged by content hash, not built again when the tag exists, and a failed build reported
 * with its last output lines.
 */
@Isolated
class BuildsIT extends EngineSupport {
    private static final String DOCKERFILE = """
            FROM busybox:1.35 AS base
            ARG GREETING=none
            RUN echo "base $GREETING" > /greeting
            COPY hello.txt /hello.txt
            FROM base AS final
            RUN echo final > /stage
            """;

    private ComposeStack only(ServiceSpec service) {
        return stackOf(List.of(service), Map.of(), Map.of(), Map.of(), Map.of());
    }

    @Test
    void buildsTagsByContentAndNeverRebuildsATagItHas() throws Exception {
        Draft web = new Draft("web");
        web.image = null;
        web.build = new ServiceSpec.BuildSpec(
                "stacks/web/app", "Dockerfile", Map.of("GREETING", "hi"), "base", Map.of("team", "web"));
        Map<String, String> files =
                Map.of("stacks/web/app/Dockerfile", DOCKERFILE, "stacks/web/app/hello.txt", "hello from the repo");
        StackResources resources = resources(only(web.spec()), files);
        ComposeStack built = resources.buildImages();
        ServiceSpec service = built.services().get(0);
        String tag = service.image();
        assertThat(tag).matches("berth/" + stack.project() + "-web:berth-[0-9a-f]{12}");
        images.add(tag);
        assertThat(inspect("--type", "image", tag).at("/Config/Labels/team").asText())
                .isEqualTo("web");

        resources.createNetworksAndVolumes();
        String id = run(resources, service);
        assertThat(exec(id, "cat", "/greeting")).isEqualTo("base hi");
        assertThat(exec(id, "cat", "/hello.txt")).isEqualTo("hello from the repo");
        assertThat(cliResult("exec", id, "cat", "/stage").exit())
                .as("target base stops before the final stage")
                .isNotZero();

        // The same content at another commit maps to the same tag, which is not built again: point the
        // tag at another image, and it stays there.
        images.add(inspect("--type", "image", tag).get("Id").asText());
        cli("tag", "busybox:1.35", tag);
        String busybox = inspect("--type", "image", "busybox:1.35").get("Id").asText();
        StackResources next = resources(only(web.spec()), files, Map.of(), HostVariables.NONE, randomSha());
        assertThat(next.buildImages().services().get(0).image()).isEqualTo(tag);
        assertThat(inspect("--type", "image", tag).get("Id").asText()).isEqualTo(busybox);

        // Any change of the context, args or target is a new tag.
        StackResources changed = resources(
                only(web.spec()),
                Map.of("stacks/web/app/Dockerfile", DOCKERFILE, "stacks/web/app/hello.txt", "changed"),
                Map.of(),
                HostVariables.NONE,
                randomSha());
        String changedTag = changed.buildImages().services().get(0).image();
        images.add(changedTag);
        assertThat(changedTag).isNotEqualTo(tag);
        web.build = new ServiceSpec.BuildSpec(
                "stacks/web/app", "Dockerfile", Map.of("GREETING", "hi"), "final", Map.of("team", "web"));
        StackResources otherTarget = resources(only(web.spec()), files, Map.of(), HostVariables.NONE, randomSha());
        String finalTag = otherTarget.buildImages().services().get(0).image();
        images.add(finalTag);
        assertThat(finalTag).isNotIn(tag, changedTag);
        engine.remove(id);
        String finalId = run(otherTarget, web.spec().withImage(finalTag));
        assertThat(exec(finalId, "cat", "/stage")).isEqualTo("final");
    }

    @Test
    void theClassicBuildersOptionsReachTheRunSteps() throws Exception {
        Draft app = new Draft("app");
        app.image = null;
        app.build = new ServiceSpec.BuildSpec(
                "stacks/app",
                "Dockerfile",
                Map.of(),
                null,
                Map.of(),
                List.of("busybox:1.35"),
                "none",
                64L * 1024 * 1024,
                List.of("berth-build-host:10.1.2.3"),
                true,
                false);
        Map<String, String> files = Map.of(
                "stacks/app/Dockerfile",
                "FROM busybox:1.35\n"
                        + "RUN grep berth-build-host /etc/hosts > /hosts; df -k /dev/shm | tail -1 | awk '{print $2}' > /shm;"
                        + " ip -o link | grep -vc ' lo:' > /links || true\n");
        StackResources resources = resources(only(app.spec()), files);
        ServiceSpec service = resources.buildImages().services().get(0);
        images.add(service.image());
        resources.createNetworksAndVolumes();
        String id = run(resources, service);
        assertThat(exec(id, "cat", "/hosts")).contains("10.1.2.3").contains("berth-build-host");
        assertThat(exec(id, "cat", "/shm")).isEqualTo("65536");
        assertThat(exec(id, "cat", "/links"))
                .as("network: none leaves only lo to RUN steps")
                .isEqualTo("0");
    }

    @Test
    void anImageNameGivesTheRepositoryAndADockerfileMayLieOutsideTheContext() throws Exception {
        Draft app = new Draft("app");
        String repository = "localhost:5000/berth-it/" + stack.name();
        app.image = repository + ":1.0";
        app.build = new ServiceSpec.BuildSpec("stacks/web/app", "../Dockerfile.shared", Map.of(), null, Map.of());
        StackResources resources = resources(
                only(app.spec()),
                Map.of(
                        "stacks/web/Dockerfile.shared", "FROM busybox:1.35\nCOPY hello.txt /hello.txt\n",
                        "stacks/web/app/hello.txt", "shared"));
        String tag = resources.buildImages().services().get(0).image();
        images.add(tag);
        assertThat(tag).matches(java.util.regex.Pattern.quote(repository) + ":berth-[0-9a-f]{12}");
        resources.createNetworksAndVolumes();
        String id = run(resources, app.spec().withImage(tag));
        assertThat(exec(id, "cat", "/hello.txt")).isEqualTo("shared");
    }

    @Test
    void theContextLeavesOutWhatDockerignoreNames() throws Exception {
        Draft app = new Draft("app");
        app.image = null;
        app.build = new ServiceSpec.BuildSpec("stacks/app", "Dockerfile", Map.of(), null, Map.of());
        Map<String, String> files = Map.of(
                "stacks/app/Dockerfile", "FROM busybox:1.35\nCOPY . /ctx/\n",
                "stacks/app/.dockerignore", "# local only\n*.tmp\nnotes\n",
                "stacks/app/hello.txt", "kept",
                "stacks/app/scratch.tmp", "left out",
                "stacks/app/notes/todo.txt", "left out");
        StackResources resources = resources(only(app.spec()), files);
        String tag = resources.buildImages().services().get(0).image();
        images.add(tag);
        resources.createNetworksAndVolumes();
        String id = run(resources, app.spec().withImage(tag));
        assertThat(exec(id, "sh", "-c", "cd /ctx && find . -type f | sort"))
                .isEqualTo("./.dockerignore\n./Dockerfile\n./hello.txt");

        Map<String, String> ignoredChanged = new java.util.HashMap<>(files);
        ignoredChanged.put("stacks/app/scratch.tmp", "changed, still left out");
        StackResources next = resources(only(app.spec()), ignoredChanged, Map.of(), HostVariables.NONE, randomSha());
        assertThat(next.buildImages().services().get(0).image()).isEqualTo(tag);
    }

    @Test
    void aFailedBuildSaysWhyWithItsLastLines() {
        Draft bad = new Draft("bad");
        bad.image = null;
        bad.build = new ServiceSpec.BuildSpec("stacks/bad", "Dockerfile", Map.of(), null, Map.of());
        StackResources resources = resources(
                only(bad.spec()),
                Map.of("stacks/bad/Dockerfile", "FROM busybox:1.35\nRUN echo about to fail && exit 3\n"));
        assertThatThrownBy(resources::buildImages)
                .isInstanceOf(BerthException.class)
                .hasMessageStartingWith("service \"bad\": building stacks/bad failed: ")
                .hasMessageContaining("returned a non-zero code: 3")
                .hasMessageContaining("\nlast output:\n")
                .hasMessageContaining("  about to fail");

        bad.build = new ServiceSpec.BuildSpec("stacks/bad", "Dockerfile.missing", Map.of(), null, Map.of());
        StackResources missing = resources(
                only(bad.spec()),
                Map.of("stacks/bad/Dockerfile", "FROM busybox:1.35\n"),
                Map.of(),
                HostVariables.NONE,
                randomSha());
        assertThatThrownBy(missing::buildImages)
                .isInstanceOf(BerthException.class)
                .hasMessage("service \"bad\": Dockerfile \"Dockerfile.missing\" is not in build context \"stacks/bad\";"
                        + " commit it or fix build.dockerfile");
    }
}
