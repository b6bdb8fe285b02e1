package dev.berth.watcher.internal.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.RetriableBerthException;
import dev.berth.testkit.GitRepos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mirror against real repositories on disk, fetched over JGit's local transport. */
class GitMirrorIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path mirrors;

    private GitRepos repo;

    @BeforeEach
    void createRepository() {
        repo = GitRepos.create();
    }

    @AfterEach
    void deleteRepository() {
        repo.close();
    }

    @Test
    void fetchesAndDiffsTrees() {
        repo.write("stacks/web/compose.yaml", "a")
                .write("stacks/api/compose.yaml", "b")
                .write("README.md", "x");
        String first = repo.commit("Alice", "one");
        repo.delete("stacks/api").write("stacks/web/compose.yaml", "a2").write("stacks/db/compose.yaml", "c");
        repo.write("README.md", "y");
        String second = repo.commit("Bob", "two");

        try (GitMirror mirror = GitMirror.open(GitSource.parse(repo.path().toString()), "main", mirrors)) {
            mirror.fetch(TIMEOUT);

            assertThat(mirror.head("main")).contains(second);
            assertThat(mirror.head("nope")).isEmpty();
            assertThat(mirror.changedPaths(first, second, "stacks"))
                    .containsExactlyInAnyOrder(
                            "stacks/api/compose.yaml", "stacks/db/compose.yaml", "stacks/web/compose.yaml");
            assertThat(mirror.files(first, "stacks"))
                    .containsExactlyInAnyOrder("stacks/web/compose.yaml", "stacks/api/compose.yaml");
            assertThat(mirror.readText(second, "stacks/web/compose.yaml", 100)).contains("a2");
            assertThat(mirror.readText(second, "stacks/api/compose.yaml", 100)).isEmpty();
            assertThat(mirror.readText(second, "stacks/web", 100))
                    .as("a directory is not a file")
                    .isEmpty();
            assertThat(mirror.commit(second).author()).isEqualTo("Bob");
            assertThat(mirror.hasCommit(first)).isTrue();
            assertThat(mirror.hasCommit("0123456789012345678901234567890123456789"))
                    .isFalse();
            assertThat(mirror.hasCommit("not a sha")).isFalse();
        }
    }

    @Test
    void refusesToReadAFileOverTheLimit() {
        repo.write("stacks/web/compose.yaml", "x".repeat(1000));
        String sha = repo.commit("Alice", "big");

        try (GitMirror mirror = GitMirror.open(GitSource.parse(repo.path().toString()), "main", mirrors)) {
            mirror.fetch(TIMEOUT);

            assertThatThrownBy(() -> mirror.readText(sha, "stacks/web/compose.yaml", 999))
                    .isInstanceOf(BlobTooLargeException.class)
                    .hasMessageContaining("stacks/web/compose.yaml is 1000 bytes");
        }
    }

    @Test
    void aDamagedMirrorIsRecreated() throws Exception {
        repo.write("stacks/web/compose.yaml", "a");
        String sha = repo.commit("Alice", "one");
        GitSource source = GitSource.parse(repo.path().toString());
        Path damaged = mirrors.resolve(source.mirrorName("main"));
        Files.createDirectories(damaged);
        Files.writeString(damaged.resolve("junk"), "not a repository");

        try (GitMirror mirror = GitMirror.open(source, "main", mirrors)) {
            mirror.fetch(TIMEOUT);

            assertThat(mirror.directory()).isEqualTo(damaged);
            assertThat(mirror.head("main")).contains(sha);
            assertThat(damaged.resolve("junk")).doesNotExist();
        }
    }

    @Test
    void aForcePushMovesTheBranchAndPrunesDeletedOnes() {
        repo.write("stacks/web/compose.yaml", "a");
        String first = repo.commit("Alice", "one");
        repo.branch("feature");
        repo.write("stacks/web/compose.yaml", "b");
        repo.commit("Alice", "two");

        try (GitMirror mirror = GitMirror.open(GitSource.parse(repo.path().toString()), "main", mirrors)) {
            mirror.fetch(TIMEOUT);
            assertThat(mirror.head("feature")).contains(first);

            repo.resetHard(first);
            repo.deleteBranch("feature");
            mirror.fetch(TIMEOUT);

            assertThat(mirror.head("main")).contains(first);
            assertThat(mirror.head("feature")).isEmpty();
        }
    }

    @Test
    void anUnreachableRemoteIsRetriable() {
        try (GitMirror mirror = GitMirror.open(GitSource.parse("http://127.0.0.1:9/config.git"), "main", mirrors)) {
            assertThatThrownBy(() -> mirror.fetch(TIMEOUT))
                    .isInstanceOf(RetriableBerthException.class)
                    .hasMessageStartingWith("could not fetch http://127.0.0.1:9/config.git: ")
                    .hasMessageContaining("Connection refused");
        }
    }
}
