package dev.berth.cli;

import java.nio.file.Path;
import java.util.Map;

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

    /** The file where the all-in-one mode writes its broker's address for other berth commands. */
    static Path bootstrapFile(Path dataDir) {
        return dataDir.resolve("bootstrap-servers");
    }
}
