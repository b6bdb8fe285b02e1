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
import java.util.ArrayList;
import java.util.List;
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

    private static StackFiles files(Map<String, String> texts) {
        Map<String, byte[]> bytes = new java.util.TreeMap<>();
        texts.forEach((k, v) -> bytes.put(k, v.getBytes(StandardCharsets.UTF_8)));
        return new StackFiles(bytes);
    }

    private static String sha(int n) {
        return String.format("%040x", n);
    }

    @Test
    void writesTheFilesAtTheirRepositoryPaths() throws IOException {
        StackWorkspace.Revision revision = workspace()
                .prepare(
                        STACK,
                        sha(1),
                        files(Map.of("stacks/web/html/index.html", "hi", "shared/app.conf", "x=1")),
                        Set.of());
        Path dir = root.resolve("dev/web").resolve(sha(1));
        assertThat(revision.dir()).isEqualTo(dir);
        assertThat(revision.hostPath("stacks/web/html")).isEqualTo(dir.resolve("stacks/web/html"));
        assertThat(dir.resolve("stacks/web/html/index.html")).hasContent("hi");
        assertThat(dir.resolve("shared/app.conf")).hasContent("x=1");
        assertThat(revision.hostPath("/srv/data")).isEqualTo(Path.of("/srv/data"));
        assertThat(Files.getPosixFilePermissions(root.resolve("dev/web")))
                .isEqualTo(PosixFilePermissions.fromString("rwx------"));
        try (Stream<Path> entries = Files.list(root.resolve("dev/web"))) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .as("no temporary directory is left")
                    .containsExactlyInAnyOrder(sha(1), sha(1) + ".generated");
        }
    }

    @Test
    void aRevisionIsWrittenOnce() throws IOException {
        workspace().prepare(STACK, sha(1), files(Map.of("a/b", "one")), Set.of());
        Path file = root.resolve("dev/web").resolve(sha(1)).resolve("a/b");
        Files.writeString(file, "changed by hand");
        workspace().prepare(STACK, sha(1), files(Map.of("a/b", "one")), Set.of());
        assertThat(file).hasContent("changed by hand");
    }

    @Test
    void keepsTheLastFiveRevisionsAndThoseInUse() {
        List<String> written = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            now = now.plus(Duration.ofMinutes(1));
            workspace().prepare(STACK, sha(i), files(Map.of("f", "v" + i)), Set.of(sha(1)));
            written.add(sha(i));
        }
        assertThat(root.resolve("dev/web").toFile().list())
                .containsExactlyInAnyOrder(
                        sha(1), sha(1) + ".generated",
                        sha(4), sha(4) + ".generated",
                        sha(5), sha(5) + ".generated",
                        sha(6), sha(6) + ".generated",
                        sha(7), sha(7) + ".generated",
                        sha(8), sha(8) + ".generated");
        // Re-applying an old revision makes it recent again.
        now = now.plus(Duration.ofMinutes(1));
        workspace().prepare(STACK, sha(4), files(Map.of("f", "v4")), Set.of());
        now = now.plus(Duration.ofMinutes(1));
        workspace().prepare(STACK, sha(9), files(Map.of("f", "v9")), Set.of());
        assertThat(root.resolve("dev/web").toFile().list())
                .filteredOn(n -> !n.endsWith(".generated"))
                .containsExactlyInAnyOrder(sha(4), sha(6), sha(7), sha(8), sha(9));
    }

    @Test
    void refusesPathsThatLeaveTheRepository() {
        assertThatThrownBy(() -> workspace().prepare(STACK, sha(1), files(Map.of("stacks/../../etc/x", "")), Set.of()))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("\"stacks/../../etc/x\" is refused");
        assertThat(root.resolve("dev/web").toFile().list()).isEmpty();
        StackWorkspace.Revision revision = workspace().prepare(STACK, sha(1), StackFiles.EMPTY, Set.of());
        assertThatThrownBy(() -> revision.hostPath("a/../../b")).isInstanceOf(BerthException.class);
        assertThatThrownBy(() -> workspace().prepare(STACK, "../x", StackFiles.EMPTY, Set.of()))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("is not a hexadecimal sha");
    }

    @Test
    void neverFollowsALinkWhenPruning() throws IOException {
        Path outside = Files.createDirectories(root.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "precious");
        for (int i = 1; i <= 6; i++) {
            now = now.plus(Duration.ofMinutes(1));
            StackWorkspace.Revision revision = workspace().prepare(STACK, sha(i), files(Map.of("f", "v")), Set.of());
            if (i == 1) {
                Files.createSymbolicLink(revision.dir().resolve("link"), outside);
                Files.setLastModifiedTime(revision.dir(), java.nio.file.attribute.FileTime.from(now));
            }
        }
        assertThat(root.resolve("dev/web").resolve(sha(1))).doesNotExist();
        assertThat(outside.resolve("keep.txt")).hasContent("precious");
    }

    @Test
    void aStackDirectoryThatIsALinkIsRefused() throws IOException {
        Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
        Files.createDirectories(root.resolve("dev"));
        Files.createSymbolicLink(root.resolve("dev/web"), elsewhere);
        assertThatThrownBy(() -> workspace().prepare(STACK, sha(1), files(Map.of("f", "v")), Set.of()))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("is not a directory");
        assertThat(elsewhere.toFile().list()).isEmpty();
    }

    @Test
    void generatedSecretsAreReadableByTheirOwnerOnly() throws IOException {
        StackWorkspace.Revision revision = workspace().prepare(STACK, sha(1), StackFiles.EMPTY, Set.of());
        Path secret = revision.writeGenerated("secrets", "web.pw", "s3cret".getBytes(StandardCharsets.UTF_8), true);
        assertThat(secret).hasContent("s3cret");
        assertThat(Files.getPosixFilePermissions(secret)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Path again = revision.writeGenerated("secrets", "web.pw", "other".getBytes(StandardCharsets.UTF_8), true);
        assertThat(again).isEqualTo(secret).hasContent("other");
    }
}
