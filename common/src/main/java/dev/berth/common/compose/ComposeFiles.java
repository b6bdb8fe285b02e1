package dev.berth.common.compose;

import java.util.List;

/** The compose file names Compose itself looks for in a directory, in its order of preference. */
public final class ComposeFiles {
    public static final List<String> NAMES =
            List.of("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml");

    private ComposeFiles() {}

    /**
     * Refuses a stack directory whose compose file (or {@code .env}) is a symbolic link, before a
     * regular compose file is found: Berth never follows one, so without this the stack would
     * silently count as having no compose file. The watcher and {@code berth validate} both call it,
     * so both say the same.
     *
     * @param directory the stack's repository path ({@code stacks/web})
     * @throws ComposeException naming the link
     */
    public static void requireNoSymlink(RepoFiles files, String directory) {
        for (String name : NAMES) {
            String path = directory + "/" + name;
            if (files.isFile(path)) {
                break;
            }
            if (files.isSymlink(path)) {
                throw linked(path, "the compose file itself");
            }
        }
        String env = directory + "/" + DotEnv.FILE_NAME;
        if (files.isSymlink(env)) {
            throw linked(env, "the .env file itself");
        }
    }

    private static ComposeException linked(String path, String what) {
        return new ComposeException(
                path, 0, 0, "is a symbolic link, which Berth never follows: commit " + what + " in its place");
    }
}
