package dev.berth.cli;

import dev.berth.common.BerthException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/** Where Berth keeps its data by default, following the XDG base directory convention. */
final class DataDirs {
    private DataDirs() {}

    static Path defaultDataDir(Map<String, String> env, String userHome) {
        String explicit = env.get("BERTH_DATA_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_DATA_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "berth");
        }
        return Path.of(userHome, ".local", "share", "berth");
    }

    /**
     * This data directory's id as a member of Berth's consumer groups ({@code group.instance.id}): read
     * from {@code <dataDir>/instance-id}, written there (a random UUID) the first time. The same after a
     * restart, so {@code berth run} restarted after a crash takes its partitions back at once.
     */
    static String instanceId(Path dataDir) {
        Path file = dataDir.resolve("instance-id");
        try {
            if (Files.isRegularFile(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (id.matches("[A-Za-z0-9._-]{1,100}")) {
                    return id;
                }
            }
            String id = "berth-run-" + UUID.randomUUID();
            Files.createDirectories(dataDir);
            Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            throw new BerthException(
                    "could not read or write " + file + " (the id of this data directory's"
                            + " consumer-group members): " + e.getMessage() + "; check the directory's permissions and"
                            + " free space",
                    e);
        }
    }

    /** The file where the all-in-one mode writes its broker's address for other berth commands. */
    static Path bootstrapFile(Path dataDir) {
        return dataDir.resolve("bootstrap-servers");
    }
}
