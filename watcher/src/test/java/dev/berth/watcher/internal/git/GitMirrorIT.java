package dev.berth.watcher.internal.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.RetriableBerthException;
import dev.berth.common.compose.ComposeException;
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
            CommitFiles files = mirror.filesAt(second);
            assertThat(files.text("stacks/web/compose.yaml")).contains("a2");
            assertThat(files.text("stacks/api/compose.yaml")).isEmpty();
            assertThat(files.text("stacks/web")).as("a directory is not a file").isEmpty();
            assertThat(mirror.filesAt(first).text("stacks/api/compose.yaml")).contains("b");
            assertThat(mirror.commit(second).author()).isEqualTo("Bob");
            assertThat(mirror.hasCommit(first)).isTrue();
            assertThat(mirror.hasCommit("0123456789012345678901234567890123456789"))
                    .isFalse();
            assertThat(mirror.hasCommit("not a sha")).isFalse();
        }
    }

    @Test
    void remoteHeadReadsTheSourcesBranchWithoutFetching() {
        repo.write("stacks/web/compose.yaml", "a");
        String first = repo.commit("Alice", "one");

        for (String source : new String[] {repo.path().toString(), repo.fileUrl()}) {
            try (GitMirror mirror = GitMirror.open(GitSource.parse(source), "main", mirrors)) {
                assertThat(mirror.remoteHead("main", TIMEOUT)).contains(first);
                assertThat(mirror.remoteHead("nope", TIMEOUT)).isEmpty();
                assertThat(mirror.head("main")).as("nothing fetched").isEmpty();
            }
        }
    }

    @Test
    void remoteHeadOfARepositoryThatIsGoneIsRetriable() throws Exception {
        Path gone = Files.createTempDirectory(mirrors, "gone-");
        try (GitMirror mirror = GitMirror.open(GitSource.parse(gone.toString()), "main", mirrors)) {
            assertThatThrownBy(() -> mirror.remoteHead("main", TIMEOUT))
                    .isInstanceOf(RetriableBerthException.class)
                    .hasMessageContaining("no longer a git repository");
        }
    }

    @Test
    void commitFilesReadTextOnlyFromUtf8FilesUpTo1MiB() {
        repo.write("stacks/web/compose.yaml", "x".repeat(1024 * 1024))
                .write("stacks/big/compose.yaml", "x".repeat(1024 * 1024 + 1))
                .writeBytes("stacks/web/.env", new byte[] {'A', '=', (byte) 0xc3, '\n'});
        String sha = repo.commit("Alice", "edges");

        try (GitMirror mirror = GitMirror.open(GitSource.parse(repo.path().toString()), "main", mirrors)) {
            mirror.fetch(TIMEOUT);
            CommitFiles files = mirror.filesAt(sha);

            assertThat(files.text("stacks/web/compose.yaml"))
                    .hasValueSatisfying(t -> assertThat(t).hasSize(1024 * 1024));
            assertThatThrownBy(() -> files.text("stacks/big/compose.yaml"))
                    .isInstanceOfSatisfying(ComposeException.class, e -> {
                        assertThat(e.file()).isEqualTo("stacks/big/compose.yaml");
                        assertThat(e.detail())
                                .isEqualTo("file is 1048577 bytes, larger than 1 MiB; split it or shorten it");
                    });
            assertThatThrownBy(() -> files.text("stacks/web/.env"))
                    .isInstanceOf(ComposeException.class)
                    .hasMessage("stacks/web/.env: not valid UTF-8: save the file as UTF-8");
        }
    }

    @Test
    void commitFilesSeeSymbolicLinksOnThePathAndNeverFollowThem() {
        repo.write("stacks/web/compose.yaml", "a")
                .write("stacks/web/html/index.html", "<p>hi</p>")
                .write("stacks/web/html/css/site.css", "p {}")
                .write("shared/common.env", "A=1\n")
                .symlink("stacks/web/html/passwd", "/etc/passwd")
                .symlink("stacks/web/outside", "../../..")
                .symlink("stacks/web/shared", "../../shared");
        String sha = repo.commit("Alice", "links");

        try (GitMirror mirror = GitMirror.open(GitSource.parse(repo.path().toString()), "main", mirrors)) {
            mirror.fetch(TIMEOUT);
            CommitFiles files = mirror.filesAt(sha);

            assertThat(files.isSymlink("stacks/web/html/passwd")).isTrue();
            assertThat(files.isSymlink("stacks/web/shared")).isTrue();
            assertThat(files.isSymlink("stacks/web/shared/common.env"))
                    .as("through a linked directory")
                    .isTrue();
            assertThat(files.isSymlink("stacks/web/outside/etc/passwd")).isTrue();
            assertThat(files.isSymlink("stacks/web/html")).isFalse();
            assertThat(files.isSymlink("stacks/web/html/index.html")).isFalse();
            assertThat(files.isSymlink("stacks/web/missing")).isFalse();
            assertThat(files.isSymlink("")).isFalse();

            assertThat(files.isFile("stacks/web/html/passwd")).isFalse();
            assertThat(files.isFile("stacks/web/shared/common.env")).isFalse();
            assertThat(files.text("stacks/web/shared/common.env")).isEmpty();
            assertThat(files.isDirectory("stacks/web/shared")).isFalse();
            assertThat(files.isFile("shared/common.env")).isTrue();
            assertThat(files.isDirectory("stacks/web/html")).isTrue();
            assertThat(files.isDirectory("stacks/web/html/")).isTrue();
            assertThat(files.isDirectory("stacks/web/html/index.html")).isFalse();
            assertThat(files.isDirectory("")).isTrue();
            assertThat(files.isFile("stacks/web/../web/compose.yaml"))
                    .as("'..' is never resolved")
                    .isFalse();

            assertThat(files.regularFiles("stacks/web"))
                    .containsExactly(
                            new CommitFiles.FileEntry("stacks/web/compose.yaml", 1),
                            new CommitFiles.FileEntry("stacks/web/html/css/site.css", 4),
                            new CommitFiles.FileEntry("stacks/web/html/index.html", 9));
            assertThat(files.regularFiles("shared/common.env"))
                    .containsExactly(new CommitFiles.FileEntry("shared/common.env", 4));
            assertThat(files.regularFiles("stacks/web/shared")).isEmpty();
            assertThat(files.regularFiles("nowhere")).isEmpty();
            assertThat(files.bytes("stacks/web/html/index.html")).asString().isEqualTo("<p>hi</p>");
            assertThat(files.subdirectories("stacks")).containsExactly("web");
            assertThat(files.subdirectories("")).containsExactly("shared", "stacks");
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
