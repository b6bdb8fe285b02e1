package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirsTest {
    @TempDir
    Path dir;

    @Test
    void theInstanceIdIsWrittenOnceAndTheSameAfterARestart() throws Exception {
        String first = DataDirs.instanceId(dir.resolve("data"));
        assertThat(first).startsWith("berth-run-");
        assertThat(DataDirs.instanceId(dir.resolve("data"))).isEqualTo(first);
        assertThat(Files.readString(dir.resolve("data/instance-id")).strip()).isEqualTo(first);
        assertThat(DataDirs.instanceId(dir.resolve("other"))).isNotEqualTo(first);
    }

    @Test
    void anUnusableFileIsReplacedAndAnUnwritableDirectoryNamed() throws Exception {
        Files.writeString(dir.resolve("instance-id"), "not an id!\n");
        assertThat(DataDirs.instanceId(dir)).startsWith("berth-run-");

        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        assertThatThrownBy(() -> DataDirs.instanceId(file.resolve("data")))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining(
                        file.resolve("data").resolve("instance-id").toString());
    }
}
