package dev.berth.deployer.internal.docker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DockerIgnoreTest {
    private static boolean excluded(String rules, String path) {
        return DockerIgnore.parse(rules).excludes(path, "Dockerfile");
    }

    @Test
    void readsPatternsAsTheDockerCliDoes() {
        String rules = """
                # comment
                *.log
                /tmp
                node_modules
                docs/**/*.md
                !docs/keep/README.md
                sub/?.txt
                [ab].bin
                """;
        assertThat(excluded(rules, "app.log")).isTrue();
        assertThat(excluded(rules, "src/app.log"))
                .as("* does not cross directories")
                .isFalse();
        assertThat(excluded(rules, "tmp/x"))
                .as("a directory's files go with it")
                .isTrue();
        assertThat(excluded(rules, "node_modules/a/b.js")).isTrue();
        assertThat(excluded(rules, "src/node_modules/a.js")).isFalse();
        assertThat(excluded(rules, "docs/a.md"))
                .as("** matches no directory too")
                .isTrue();
        assertThat(excluded(rules, "docs/x/y/a.md")).isTrue();
        assertThat(excluded(rules, "docs/keep/README.md"))
                .as("! takes a path back")
                .isFalse();
        assertThat(excluded(rules, "sub/a.txt")).isTrue();
        assertThat(excluded(rules, "sub/ab.txt")).isFalse();
        assertThat(excluded(rules, "a.bin")).isTrue();
        assertThat(excluded(rules, "c.bin")).isFalse();
        assertThat(excluded(rules, "main.go")).isFalse();
    }

    @Test
    void theLastMatchingLineDecidesAndTheDockerfileIsAlwaysSent() {
        assertThat(excluded("*\n!src\n", "src/main.c")).isFalse();
        assertThat(excluded("*\n!src\n", "README")).isTrue();
        assertThat(excluded("!src\n*\n", "src/main.c")).isTrue();
        assertThat(excluded("*\n", "Dockerfile")).isFalse();
        assertThat(excluded("*\n", ".dockerignore")).isFalse();
        assertThat(excluded("./a/../b\n", "b")).isTrue();
        assertThat(DockerIgnore.NONE.excludes("anything", "Dockerfile")).isFalse();
    }
}
