package dev.berth.common.compose;

import java.util.Optional;

/**
 * Read access to a config repository's files at one commit, by repository path
 * ({@code stacks/web/compose.yaml}, {@code /}-separated, relative to the root). The parser reads
 * {@code env_file} and {@code extends} targets through it and checks that bind mounts, build contexts,
 * secrets and configs exist and stay inside the repository. The watcher implements it on its mirror,
 * {@code berth validate} on a work tree, and {@link StackFiles} on the files a change event carries.
 */
public interface RepoFiles {
    /**
     * A file's text.
     *
     * @throws ComposeException when the file is not valid UTF-8 or is over 1 MiB
     */
    Optional<String> text(String path);

    /** True when {@code path} is a regular file. */
    boolean isFile(String path);

    /** True when {@code path} is a directory holding at least one file. */
    boolean isDirectory(String path);

    /**
     * True when {@code path}, or a directory on the way to it, is a symbolic link: Berth never follows
     * one, so a link cannot lead a bind mount out of the repository.
     */
    boolean isSymlink(String path);
}
