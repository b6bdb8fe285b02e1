package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.StackFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackWorkspaceTest {
    private static final StackRef STACK = new StackRef("dev", "web");

    @TempDir
    Path root;

    private Instant now = Instant.parse("2025-01-01T00:00:00Z");

    private StackWorkspace workspace() {
        return new StackWorkspace(root, Clock.fixed(now, ZoneOffset.UTC));
    }

    private StackWorkspace.Revision prepare(int sha, Map<String, String> texts) {
        return workspace().prepare(STACK, sha(sha), files(texts), Set.of(), Set.of());
    }

    private static StackFiles files(Map<String, String> texts) {
        Map<String, byte[]> bytes = new java.util.TreeMap<>();
        texts.forEach((k, v) -> bytes.put(k, v.getBytes(StandardCharsets.UTF_8)));
        return new StackFiles(bytes);
    }

    private static String sha(int n) {
        return String.format("%040x", n);
    }

    private Path stackDir() {
        return root.resolve("dev/web");
    }

    private Path file(String path) {
        return stackDir().resolve("files").resolve(path);
    }

    @Test
    void writesTheFilesAtTheirRepositoryPathsInOneDirectoryPerStack() throws IOException {
        StackWorkspace.Revision revision =
                prepare(1, Map.of("stacks/web/html/index.html", "hi", "shared/app.conf", "x=1"));
        assertThat(revision.dir()).isEqualTo(stackDir().resolve("files"));
        assertThat(revision.hostPath("stacks/web/html")).isEqualTo(file("stacks/web/html"));
        assertThat(file("stacks/web/html/index.html")).hasContent("hi");
        assertThat(file("shared/app.conf")).hasContent("x=1");
        assertThat(revision.hostPath("/srv/data")).isEqualTo(Path.of("/srv/data"));
        assertThat(Files.getPosixFilePermissions(stackDir())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(stackDir().resolve(".berth/stack")).hasContent("dev/web");
        try (Stream<Path> entries = Files.walk(stackDir().resolve("files"))) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .as("no temporary file is left")
                    .noneMatch(name -> name.startsWith(".berth-tmp-"));
        }
    }

    @Test
    void whatServicesWroteSurvivesEveryRevisionAndTrackedFilesFollowTheCommit() throws IOException {
        prepare(1, Map.of("stacks/web/compose.yaml", "v1", "stacks/web/old.conf", "old"));
        Files.createDirectories(file("stacks/web/data"));
        Files.writeString(file("stacks/web/data/log.txt"), "line 1\n");
        prepare(2, Map.of("stacks/web/compose.yaml", "v2", "stacks/web/new.conf", "new"));
        assertThat(file("stacks/web/compose.yaml")).hasContent("v2");
        assertThat(file("stacks/web/new.conf")).hasContent("new");
        assertThat(file("stacks/web/old.conf")).as("removed by the commit").doesNotExist();
        assertThat(file("stacks/web/data/log.txt")).hasContent("line 1");
        // A rollback puts the tracked files back as the good revision has them, and nothing else.
        prepare(1, Map.of("stacks/web/compose.yaml", "v1", "stacks/web/old.conf", "old"));
        assertThat(file("stacks/web/compose.yaml")).hasContent("v1");
        assertThat(file("stacks/web/old.conf")).hasContent("old");
        assertThat(file("stacks/web/new.conf")).doesNotExist();
        assertThat(file("stacks/web/data/log.txt")).hasContent("line 1");
    }

    @Test
    void aTrackedFileChangedOnTheHostIsReplacedAndKeptAside() throws IOException {
        prepare(1, Map.of("app.conf", "repo", "seed.db", "seed"));
        Files.writeString(file("app.conf"), "edited on the host");
        Files.writeString(file("seed.db"), "written by the service");
        now = Instant.parse("2025-01-01T01:00:00Z");
        StackWorkspace.Revision revision = prepare(2, Map.of("app.conf", "repo"));
        assertThat(file("app.conf")).hasContent("repo");
        Path aside = stackDir().resolve(".berth/displaced/20250101T010000.000Z/app.conf");
        assertThat(aside).hasContent("edited on the host");
        // No longer tracked but changed on the host: left where it is.
        assertThat(file("seed.db")).hasContent("written by the service");
        assertThat(revision.notes())
                .anyMatch(n -> n.startsWith("app.conf: moved aside to " + aside))
                .anyMatch(n -> n.startsWith("seed.db: no longer in the repository but changed on the host"));
    }

    @Test
    void aFileAsBerthLastWroteItIsOurs() throws IOException {
        prepare(1, Map.of("a", "one"));
        // A deployer killed between writing and recording: the next run finds its own file.
        Files.writeString(
                stackDir().resolve(".berth/tracked.json"),
                "{\"a\":[\""
                        + TrackedFiles.sha256("one".getBytes(StandardCharsets.UTF_8)) + "\",\""
                        + TrackedFiles.sha256("two".getBytes(StandardCharsets.UTF_8)) + "\"]}");
        Files.writeString(file("a"), "two");
        StackWorkspace.Revision revision = prepare(1, Map.of("a", "one"));
        assertThat(file("a")).hasContent("one");
        assertThat(revision.notes()).isEmpty();
        assertThat(stackDir().resolve(".berth/displaced")).doesNotExist();
    }

    @Test
    void aLinkPlantedByAContainerIsMovedAsideNeverFollowed() throws IOException {
        Path outside = Files.createDirectories(root.resolve("outside"));
        Files.writeString(outside.resolve("passwd"), "precious");
        prepare(1, Map.of("conf/app.conf", "v1", "gone", "x"));
        // A container that mounts ./ replaces a directory and a file by links out of the stack's directory.
        Files.move(file("conf"), stackDir().resolve("conf-old"));
        Files.createSymbolicLink(file("conf"), outside);
        Files.delete(file("gone"));
        Files.createSymbolicLink(file("gone"), outside.resolve("passwd"));
        prepare(2, Map.of("conf/passwd", "overwritten?", "conf/app.conf", "v2"));
        assertThat(outside.resolve("passwd")).hasContent("precious");
        assertThat(outside.toFile().list()).containsExactly("passwd");
        assertThat(file("conf")).isDirectory();
        assertThat(file("conf/app.conf")).hasContent("v2");
        assertThat(Files.isSymbolicLink(file("gone")))
                .as("an untracked link is left, not followed")
                .isTrue();
        StackWorkspace.Revision revision = prepare(2, Map.of("conf/passwd", "x", "conf/app.conf", "v2"));
        Files.createSymbolicLink(file("data"), outside);
        assertThatThrownBy(() -> revision.mountable("data", true))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("data is mounted from " + file("data") + ", a symbolic link");
    }

    @Test
    void aMissingBindSourceIsMadeAsADirectory() {
        StackWorkspace.Revision revision = prepare(1, Map.of("stacks/web/compose.yaml", "x"));
        assertThat(revision.mountable("stacks/web/data/sub", true)).isDirectory();
        assertThat(revision.mountable("stacks/web/missing.txt", false)).doesNotExist();
    }

    @Test
    void keepsTheLastFiveGeneratedDirectoriesAndThoseInUse() {
        for (int i = 1; i <= 8; i++) {
            now = now.plus(Duration.ofMinutes(1));
            workspace().prepare(STACK, sha(i), files(Map.of("f", "v" + i)), Set.of(sha(1)), Set.of());
        }
        assertThat(stackDir().resolve(".berth/generated").toFile().list())
                .containsExactlyInAnyOrder(sha(1), sha(4), sha(5), sha(6), sha(7), sha(8));
        assertThat(stackDir().toFile().list()).containsExactlyInAnyOrder("files", ".berth");
    }

    @Test
    void migratesTheRevisionDirectoryTheContainersUse() throws IOException {
        Path old = Files.createDirectories(stackDir().resolve(sha(7)).resolve("stacks/web/data"));
        Files.writeString(old.resolve("log.txt"), "written under the old layout\n");
        Files.createDirectories(stackDir().resolve(sha(6)));
        StackWorkspace.Revision revision = workspace()
                .prepare(STACK, sha(8), files(Map.of("stacks/web/compose.yaml", "v8")), Set.of(sha(7)), Set.of());
        assertThat(file("stacks/web/data/log.txt")).hasContent("written under the old layout");
        assertThat(file("stacks/web/compose.yaml")).hasContent("v8");
        assertThat(Files.isSymbolicLink(stackDir().resolve(sha(7)))).isTrue();
        assertThat(stackDir().resolve(sha(7)).resolve("stacks/web/data/log.txt"))
                .as("a container that mounts the old path still finds its files")
                .hasContent("written under the old layout");
        assertThat(revision.notes()).anyMatch(n -> n.startsWith("moved the revision directory"));
    }

    @Test
    void aTakeoverUsesTheDirectoryTheContainersNameWhenItIsTheStacks() throws IOException {
        Path other = root.resolve("deployer-1");
        new StackWorkspace(other, Clock.fixed(now, ZoneOffset.UTC))
                .prepare(STACK, sha(1), files(Map.of("a", "1")), Set.of(), Set.of());
        Path theirs = other.resolve("dev/web");
        StackWorkspace.Revision revision =
                workspace().prepare(STACK, sha(2), files(Map.of("a", "2")), Set.of(), Set.of(theirs.toString()));
        assertThat(revision.stackDir()).isEqualTo(theirs);
        assertThat(theirs.resolve("files/a")).hasContent("2");
        // A label naming a directory that is not this stack's is not trusted.
        StackWorkspace.Revision own = workspace()
                .prepare(
                        STACK,
                        sha(2),
                        files(Map.of("a", "2")),
                        Set.of(),
                        Set.of(root.resolve("outside").toString()));
        assertThat(own.stackDir()).isEqualTo(stackDir());
    }

    @Test
    void refusesPathsThatLeaveTheRepository() {
        assertThatThrownBy(() -> prepare(1, Map.of("stacks/../../etc/x", "")))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("\"stacks/../../etc/x\" is refused");
        assertThat(stackDir().resolve("files").toFile().list()).isEmpty();
        StackWorkspace.Revision revision = prepare(1, Map.of());
        assertThatThrownBy(() -> revision.hostPath("a/../../b")).isInstanceOf(BerthException.class);
        assertThatThrownBy(() -> workspace().prepare(STACK, "../x", StackFiles.EMPTY, Set.of(), Set.of()))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("is not a hexadecimal sha");
    }

    @Test
    void aStackDirectoryThatIsALinkIsRefused() throws IOException {
        Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
        Files.createDirectories(root.resolve("dev"));
        Files.createSymbolicLink(stackDir(), elsewhere);
        assertThatThrownBy(() -> prepare(1, Map.of("f", "v")))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("is not a directory");
        assertThat(elsewhere.toFile().list()).isEmpty();
    }

    @Test
    void generatedSecretsAreReadableByTheirOwnerOnly() throws IOException {
        StackWorkspace.Revision revision = prepare(1, Map.of());
        Path secret = revision.writeGenerated("secrets", "web.pw", "s3cret".getBytes(StandardCharsets.UTF_8), true);
        assertThat(secret).hasContent("s3cret");
        assertThat(Files.getPosixFilePermissions(secret)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Path again = revision.writeGenerated("secrets", "web.pw", "other".getBytes(StandardCharsets.UTF_8), true);
        assertThat(again).isEqualTo(secret).hasContent("other");
    }
}
