package dev.berth.deployer.internal;

import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.StackFiles;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Where the deployer writes each revision of a stack's files, so bind mounts, build contexts, secrets
 * and configs read them from the host: {@code <root>/<env>/<stack>/<sha>/} holds the repository's files
 * at their repository paths ({@code stacks/web/html} is {@code <sha>/stacks/web/html}), and
 * {@code <sha>.generated/} the files Berth writes for the stack (config contents, secrets from
 * variables). A revision is written into a temporary directory and renamed into place, so it is either
 * whole or absent; it is never rewritten. The last {@link #KEEP} revisions of each stack stay, and any
 * revision a container still uses. Symbolic links are never followed, and a path with {@code ..} is
 * refused. One stack is prepared by one thread at a time.
 */
final class StackWorkspace {
    /** How many revisions of a stack stay on disk, besides those containers use. */
    static final int KEEP = 5;

    private static final Pattern SHA = Pattern.compile("[0-9a-fA-F]{4,64}");
    private static final String GENERATED = ".generated";
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

    private final Path root;
    private final Clock clock;

    StackWorkspace(Path root, Clock clock) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Writes the stack's files at {@code sha}, unless that revision is already there, and removes the
     * stack's older revisions beyond the last {@link #KEEP}, except those in {@code inUse}.
     *
     * @param inUse the revisions (commit shas) that containers of the stack still mount
     * @throws BerthException when the files cannot be written, or a path would leave the revision
     */
    Revision prepare(StackRef stack, String sha, StackFiles files, Set<String> inUse) {
        if (!SHA.matcher(sha).matches()) {
            throw new BerthException("commit \"" + sha + "\" of " + stack + " is not a hexadecimal sha");
        }
        Path stackDir = root.resolve(stack.environment()).resolve(stack.name());
        Path dir = stackDir.resolve(sha);
        try {
            createPrivateDirectories(stackDir);
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                // Already written whole (renamed into place); mark it recent for pruning.
                Files.setLastModifiedTime(dir, FileTime.from(clock.instant()));
            } else {
                write(stackDir, dir, files);
            }
            Path generated = stackDir.resolve(sha + GENERATED);
            createPrivateDirectories(generated);
            prune(stackDir, sha, inUse);
            return new Revision(sha, dir, generated);
        } catch (IOException e) {
            throw new BerthException(
                    "could not write the files of " + stack + " @" + sha + " under " + stackDir + ": " + e.getMessage()
                            + "; check that the deployer's work directory is writable",
                    e);
        }
    }

    private void write(Path stackDir, Path dir, StackFiles files) throws IOException {
        Path temp = stackDir.resolve(".tmp-" + UUID.randomUUID());
        Files.createDirectory(temp);
        try {
            for (String path : files.paths()) {
                Path target = resolve(temp, path);
                Files.createDirectories(target.getParent());
                Files.write(
                        target,
                        files.bytes(path).orElseThrow(),
                        StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS);
            }
            Files.setLastModifiedTime(temp, FileTime.from(clock.instant()));
            try {
                Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
                // Written meanwhile by another worker sharing the directory: theirs is as good.
                delete(temp);
            }
        } catch (IOException | RuntimeException e) {
            delete(temp);
            throw e;
        }
    }

    /** Removes revisions past the newest {@link #KEEP}, never {@code current} nor those in use. */
    private void prune(Path stackDir, String current, Set<String> inUse) throws IOException {
        List<Path> revisions = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(stackDir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (SHA.matcher(name).matches() && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    revisions.add(entry);
                } else if (name.startsWith(".tmp-")) {
                    // Left by a crash mid-write: never renamed into place, so no container uses it.
                    delete(entry);
                }
            }
        }
        revisions.sort(Comparator.comparing(StackWorkspace::modified).reversed());
        int kept = 0;
        for (Path revision : revisions) {
            String name = revision.getFileName().toString();
            if (name.equals(current) || inUse.contains(name)) {
                continue;
            }
            if (++kept < KEEP) {
                continue;
            }
            delete(revision);
            delete(stackDir.resolve(name + GENERATED));
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    /**
     * {@code repoPath} under {@code dir}.
     *
     * @throws BerthException when the path is absolute or has an empty, {@code .} or {@code ..} part
     */
    static Path resolve(Path dir, String repoPath) {
        if (repoPath.isEmpty()) {
            return dir;
        }
        if (repoPath.startsWith("/") || repoPath.contains("\\")) {
            throw new BerthException("path \"" + repoPath + "\" is not a repository path: write it relative to the"
                    + " repository root, with /");
        }
        Path result = dir;
        for (String part : repoPath.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new BerthException("path \"" + repoPath + "\" is refused: a repository path may not hold an"
                        + " empty, '.' or '..' part");
            }
            result = result.resolve(part);
        }
        if (!result.normalize().startsWith(dir)) {
            throw new BerthException("path \"" + repoPath + "\" leaves the repository");
        }
        return result;
    }

    /** Deletes a file or directory tree without following links (a link is deleted, not its target). */
    static void delete(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " exists and is not a directory");
        }
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PRIVATE_DIR);
    }

    /**
     * One revision of a stack's files on the host.
     *
     * @param sha the commit
     * @param dir the repository's files at the commit
     * @param generated where Berth writes files for the revision (config contents, secrets)
     */
    record Revision(String sha, Path dir, Path generated) {
        /**
         * The host path of a repository path ({@code stacks/web/html}), or an absolute host path as it
         * is.
         *
         * @throws BerthException for a path with {@code ..}
         */
        Path hostPath(String path) {
            if (path.startsWith("/")) {
                return Path.of(path);
            }
            return resolve(dir, path);
        }

        /**
         * Writes a generated file ({@code kind} is {@code secrets} or {@code configs}), atomically; a
         * secret is readable by its owner only.
         */
        Path writeGenerated(String kind, String key, byte[] content, boolean secret) {
            Path kindDir = resolve(generated, kind);
            Path target = resolve(kindDir, key);
            try {
                createPrivateDirectories(kindDir);
                Path temp = kindDir.resolve(".tmp-" + UUID.randomUUID());
                try {
                    Files.createFile(
                            temp,
                            PosixFilePermissions.asFileAttribute(
                                    secret ? PRIVATE_FILE : PosixFilePermissions.fromString("rw-r--r--")));
                    Files.write(temp, content, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(temp);
                }
                return target;
            } catch (IOException e) {
                throw new BerthException(
                        "could not write " + kind + " \"" + key + "\" under " + kindDir + ": " + e.getMessage(), e);
            }
        }
    }
}
