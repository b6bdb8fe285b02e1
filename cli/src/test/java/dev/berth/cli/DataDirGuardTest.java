package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirGuardTest {
    @TempDir
    Path dir;

    private final List<String> heard = new ArrayList<>();

    @Test
    void bytesReadAsAPersonReadsThem() {
        assertThat(DataDirGuard.bytes(0)).isEqualTo("0 B");
        assertThat(DataDirGuard.bytes(1023)).isEqualTo("1023 B");
        assertThat(DataDirGuard.bytes(16L << 20)).isEqualTo("16 MiB");
        assertThat(DataDirGuard.bytes((16L << 20) - (200L << 10))).isEqualTo("15.8 MiB");
        assertThat(DataDirGuard.bytes(3L << 30)).isEqualTo("3 GiB");
    }

    @Test
    void aWritableDirectoryWithSpacePassesAndIsCreatedWhenMissing() {
        Path data = dir.resolve("new/data");
        DataDirGuard guard = DataDirGuard.check(data, DataDirGuard.MINIMUM_FREE, heard::add);
        assertThat(data).isDirectory();
        assertThat(guard.healthy()).isTrue();
        assertThat(guard.failure()).isEmpty();
        assertThat(guard.problem(DataDirGuard.FULL_BELOW)).isEmpty();
        // The probe leaves nothing behind.
        assertThat(data.toFile().list()).isEmpty();
    }

    @Test
    void tooLittleFreeSpaceIsRefusedNamingTheDirectoryAndItsFreeSpace() {
        assertThatThrownBy(() -> DataDirGuard.check(dir, Long.MAX_VALUE, heard::add))
                .isInstanceOf(BerthException.class)
                .hasMessageStartingWith("data directory " + dir.toAbsolutePath() + " is almost full: ")
                .hasMessageContaining(" free of ")
                .hasMessageEndingWith("; free space or choose another --data-dir");
    }

    @Test
    void aDataDirectoryThatIsAFileCannotBeCreated() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> DataDirGuard.check(file.resolve("data"), 0, heard::add))
                .isInstanceOf(BerthException.class)
                .hasMessageStartingWith("data directory " + file.resolve("data") + " cannot be created (")
                .hasMessageEndingWith("); choose another --data-dir");
    }

    @Test
    void theFirstFailureIsKeptTurnsHealthDownAndIsHeardOnce() {
        DataDirGuard guard = DataDirGuard.check(dir, 0, heard::add);
        guard.fail("the embedded Kafka stopped with code 1 (all log dirs have failed)");
        guard.fail("the embedded Kafka stopped with code 1 (again)");
        assertThat(guard.healthy()).isFalse();
        assertThat(heard)
                .singleElement()
                .asString()
                .startsWith("the embedded Kafka stopped with code 1 (all log dirs have failed): check the disk of"
                        + " data directory " + dir.toAbsolutePath() + " (")
                .contains(" free of ");
        assertThat(guard.failure()).contains(heard.get(0));
    }

    @Test
    void freeAndTotalSpaceAreGaugesTaggedWithTheDirectory() {
        DataDirGuard guard = DataDirGuard.check(dir, 0, heard::add);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        guard.register(registry);
        String tag = dir.toAbsolutePath().toString();
        assertThat(registry.get("berth.data.dir.free").tag("dir", tag).gauge().value())
                .isPositive();
        assertThat(registry.get("berth.data.dir.size").tag("dir", tag).gauge().value())
                .isGreaterThanOrEqualTo(
                        registry.get("berth.data.dir.free").gauge().value());
    }
}
