package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.compose.ComposeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkTreeFilesTest {
    @TempDir
    Path base;

    private Path repo;
    private WorkTreeFiles files;

    @BeforeEach
    void createRepository() throws IOException {
        repo = Files.createDirectories(base.resolve("repo"));
        write("stacks/web/compose.yaml", "services: {}\n");
        write("stacks/web/html/index.html", "<p>hi</p>\n");
        write("shared/common.env", "A=1\n");
        write("../outside.txt", "not in the repository\n");
        Files.createDirectories(repo.resolve("empty/dir"));
        Files.createSymbolicLink(repo.resolve("stacks/web/shared"), Path.of("../../shared"));
        Files.createSymbolicLink(repo.resolve("stacks/web/escape"), Path.of("../../../outside.txt"));
        files = new WorkTreeFiles(repo);
    }

    private void write(String path, String content) throws IOException {
        Path file = repo.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    @Test
    void readsFilesByRepositoryPath() {
        assertThat(files.text("stacks/web/compose.yaml")).contains("services: {}\n");
        assertThat(files.text("./stacks//web/compose.yaml")).contains("services: {}\n");
        assertThat(files.isFile("shared/common.env")).isTrue();
        assertThat(files.isDirectory("stacks/web/html")).isTrue();
        assertThat(files.isDirectory("empty")).as("no file in it").isFalse();
        assertThat(files.isFile("stacks/web/html")).isFalse();
        assertThat(files.text("nowhere")).isEmpty();
    }

    @Test
    void aSymbolicLinkOnThePathIsSeenAndNeverFollowed() {
        assertThat(files.isSymlink("stacks/web/shared")).isTrue();
        assertThat(files.isSymlink("stacks/web/shared/common.env")).isTrue();
        assertThat(files.isSymlink("stacks/web/escape")).isTrue();
        assertThat(files.isSymlink("stacks/web/html/index.html")).isFalse();
        assertThat(files.isFile("stacks/web/shared/common.env")).isFalse();
        assertThat(files.isDirectory("stacks/web/shared")).isFalse();
        assertThat(files.text("stacks/web/escape")).isEmpty();
    }

    @Test
    void nothingOutsideTheRepositoryIsReachable() {
        assertThat(files.isFile("../outside.txt")).isFalse();
        assertThat(files.text("stacks/../../outside.txt")).isEmpty();
        assertThat(files.isFile(base.resolve("outside.txt").toString())).isFalse();
        assertThat(files.isDirectory("..")).isFalse();
    }

    @Test
    void textIsUtf8AndAtMost1MiB() throws IOException {
        Files.write(repo.resolve("shared/latin1.env"), new byte[] {'A', '=', (byte) 0xe9, '\n'});
        write("shared/big.yaml", "x".repeat(1024 * 1024 + 1));

        assertThatThrownBy(() -> files.text("shared/latin1.env"))
                .isInstanceOf(ComposeException.class)
                .hasMessage("shared/latin1.env: not valid UTF-8: save the file as UTF-8");
        assertThatThrownBy(() -> files.text("shared/big.yaml"))
                .isInstanceOf(ComposeException.class)
                .hasMessage("shared/big.yaml: file is 1048577 bytes, larger than 1 MiB; split it or shorten it");
    }
}
