package dev.berth.common.compose;

import java.util.List;

/** The compose file names Compose itself looks for in a directory, in its order of preference. */
public final class ComposeFiles {
    public static final List<String> NAMES =
            List.of("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml");

    private ComposeFiles() {}
}
