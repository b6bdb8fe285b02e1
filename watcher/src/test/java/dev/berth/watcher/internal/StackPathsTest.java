package dev.berth.watcher.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StackPathsTest {
    @Test
    void groupsPathsByStackDirectoryInNameOrder() {
        var paths = new StackPaths("stacks");

        var byStack = paths.byStack(List.of(
                "stacks/web/compose.yaml",
                "stacks/api/compose.yaml",
                "stacks/web/config/nginx.conf",
                "stacks/api/.env"));

        assertThat(byStack)
                .containsExactly(
                        Map.entry("api", List.of("stacks/api/.env", "stacks/api/compose.yaml")),
                        Map.entry("web", List.of("stacks/web/compose.yaml", "stacks/web/config/nginx.conf")));
    }

    @Test
    void ignoresPathsOutsideTheStacksPathAndFilesDirectlyInIt() {
        var paths = new StackPaths("stacks");

        var byStack = paths.byStack(
                List.of("README.md", "stacks/README.md", "stacksx/web/compose.yaml", "other/stacks/web/compose.yaml"));

        assertThat(byStack).isEmpty();
    }

    @Test
    void nestedStacksPath() {
        var paths = new StackPaths("deploy/stacks");

        assertThat(paths.byStack(List.of("deploy/stacks/shop/compose.yml", "stacks/shop/compose.yml")))
                .containsOnlyKeys("shop");
        assertThat(paths.file("shop", "compose.yml")).isEqualTo("deploy/stacks/shop/compose.yml");
    }

    @Test
    void repositoryRootAsStacksPath() {
        var paths = new StackPaths("");

        assertThat(paths.byStack(List.of("web/compose.yaml", "README.md"))).containsOnlyKeys("web");
        assertThat(paths.directory("web")).isEqualTo("web");
    }

    @Test
    void keepsInvalidNamesForTheCallerToReport() {
        var paths = new StackPaths("stacks");

        assertThat(paths.byStack(List.of("stacks/My Stack/compose.yaml"))).containsOnlyKeys("My Stack");
    }

    @Test
    void removesDuplicatePaths() {
        var paths = new StackPaths("stacks");

        assertThat(paths.byStack(List.of("stacks/a/compose.yaml", "stacks/a/compose.yaml")))
                .containsEntry("a", List.of("stacks/a/compose.yaml"));
    }
}
