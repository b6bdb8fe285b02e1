package dev.berth.deployer.internal;

import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.StackFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Where a stack's files live on the deployer's host, as a compose file's directory does for
 * {@code docker compose}: one persistent directory per environment and stack,
 * {@code <root>/<env>/<stack>/}, holding
 * <ul>
 *   <li>{@code files/}: the repository's files at their repository paths ({@code stacks/web/html} is
 *       {@code files/stacks/web/html}), which bind mounts, build contexts, secrets and configs read. Each
 *       revision updates the files the repository tracks ({@link TrackedFiles}) and leaves everything
 *       else, so what services write into bind mounts survives deployments, rollbacks and restarts; a
 *       relative bind source the repository lacks is made there as a directory;
 *   <li>{@code .berth/}: Berth's own: {@code stack} (the stack it belongs to), {@code lock},
 *       {@code tracked.json}, {@code displaced/} (host versions of tracked files the repository
 *       replaced), and {@code generated/<sha>/} (files Berth writes for a revision: config contents,
 *       secrets from variables), of which the last {@link #KEEP} stay, and any a container uses.
 * </ul>
 * A deployer that takes a stack over uses the directory the stack's containers name in their
 * {@link Labels#STACK_DIR} label when it can reach it (deployers sharing an engine, each with its own
 * data directory), and its own otherwise. The per-revision directories of earlier versions
 * ({@code <stack>/<sha>/}) are migrated on first use: the one the running containers mount becomes
 * {@code files/} (what they wrote included) and its old path a link to it. Symbolic links are never
 * followed, and a path with {@code ..} is refused. The lock keeps two deployers from writing one stack
 * at once; one stack is prepared by one thread at a time in a deployer.
 */
final class StackWorkspace {
    /** How many revisions' generated files of a stack stay on disk, besides those containers use. */
    static final int KEEP = 5;

    /** The directory of the repository's files in a stack's directory. */
    static final String FILES = "files";

    private static final Pattern SHA = Pattern.compile("[0-9a-fA-F]{4,64}");
    private static final String STATE = ".berth";
    private static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

    private final Path root;
    private final Clock clock;

    StackWorkspace(Path root, Clock clock) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Brings the stack's tracked files to those of {@code sha}, and removes generated files of older
     * revisions beyond the last {@link #KEEP}, except those in {@code inUse}.
     *
     * @param inUse the revisions (commit shas) that containers of the stack still run
     * @param labelled the stack directories its containers name ({@link Labels#STACK_DIR})
     * @throws BerthException when the files cannot be written, or a path would leave the directory
     */
    Revision prepare(StackRef stack, String sha, StackFiles files, Set<String> inUse, Set<String> labelled) {
        if (!SHA.matcher(sha).matches()) {
            throw new BerthException("commit \"" + sha + "\" of " + stack + " is not a hexadecimal sha");
        }
        List<String> notes = new ArrayList<>();
        Path stackDir = locate(stack, labelled, notes);
        try {
            createPrivateDirectories(stackDir);
            Path state = stackDir.resolve(STATE);
            createPrivateDirectories(state);
            claim(stack, state);
            try (FileChannel channel = FileChannel.open(
                            state.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = lock(stack, channel)) {
                Path filesDir = stackDir.resolve(FILES);
                migrate(stackDir, filesDir, inUse, notes);
                createPrivateDirectories(filesDir);
                notes.addAll(new TrackedFiles(filesDir, state, clock.instant()).sync(files));
                Path generatedRoot = state.resolve("generated");
                createPrivateDirectories(generatedRoot);
                Path generated = generatedRoot.resolve(sha);
                createPrivateDirectories(generated);
                Files.setLastModifiedTime(generated, FileTime.from(clock.instant()));
                prune(generatedRoot, sha, inUse);
                return new Revision(sha, stackDir, filesDir, generated, notes);
            }
        } catch (IOException e) {
            throw new BerthException(
                    "could not write the files of " + stack + " @" + sha + " under " + stackDir + ": " + e.getMessage()
                            + "; check that the deployer's work directory is writable",
                    e);
        }
    }

    /** The labelled directory of the stack when this deployer can reach it, else its own. */
    private Path locate(StackRef stack, Set<String> labelled, List<String> notes) {
        Path own = root.resolve(stack.environment()).resolve(stack.name());
        for (String label : labelled) {
            Path dir = Path.of(label);
            if (!dir.isAbsolute() || dir.normalize().equals(own) || !dir.equals(dir.normalize())) {
                continue;
            }
            if (isStackDirectoryOf(dir, stack)) {
                notes.add("using " + dir + ", the stack directory its containers name, with what they wrote");
                return dir;
            }
            notes.add("the stack's containers name " + dir + " as their stack directory, which this deployer cannot"
                    + " use (give the deployers of one engine a shared data directory); using " + own);
        }
        return own;
    }

    private static boolean isStackDirectoryOf(Path dir, StackRef stack) {
        Path marker = dir.resolve(STATE).resolve("stack");
        try {
            return Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)
                    && Files.size(marker) < 1024
                    && Files.readString(marker).strip().equals(stack.key())
                    && Files.isWritable(dir);
        } catch (IOException e) {
            return false;
        }
    }

    private static void claim(StackRef stack, Path state) throws IOException {
        Path marker = state.resolve("stack");
        if (!Files.exists(marker, LinkOption.NOFOLLOW_LINKS)) {
            Files.writeString(marker, stack.key() + "\n");
        }
    }

    private FileLock lock(StackRef stack, FileChannel channel) throws IOException {
        Instant deadline = clock.instant().plus(LOCK_WAIT);
        while (true) {
            try {
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    return lock;
                }
            } catch (OverlappingFileLockException e) {
                // Held by another thread of this process: wait for it as for another process.
            }
            if (clock.instant().isAfter(deadline)) {
                throw new IOException("another deployer has been writing the files of " + stack + " for "
                        + LOCK_WAIT.toSeconds() + " s (it holds the lock)");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the lock of " + stack, e);
            }
        }
    }

    /**
     * Before {@code files/} exists: the per-revision directory of an earlier version that the running
     * containers use (or the newest) becomes it, and its path a link to it, so a container that still
     * mounts the old path keeps its files; the other revisions' directories stay until removed by hand.
     */
    private static void migrate(Path stackDir, Path filesDir, Set<String> inUse, List<String> notes)
            throws IOException {
        if (Files.exists(filesDir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> revisions = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(stackDir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (SHA.matcher(name).matches() && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    revisions.add(entry);
                } else if (name.startsWith(".tmp-")) {
                    // Left by an earlier version's crash mid-write: never renamed into place, so unused.
                    delete(entry);
                }
            }
        }
        revisions.sort(
                Comparator.comparing((Path p) -> inUse.contains(p.getFileName().toString()))
                        .thenComparing(StackWorkspace::modified)
                        .reversed());
        if (revisions.isEmpty()) {
            return;
        }
        Path current = revisions.get(0);
        Files.move(current, filesDir, StandardCopyOption.ATOMIC_MOVE);
        Files.createSymbolicLink(current, filesDir.getFileName());
        notes.add("moved the revision directory " + current + " to " + filesDir
                + " (one directory per stack now; the old path links to it)");
        if (revisions.size() > 1) {
            notes.add("kept " + (revisions.size() - 1) + " older revision directories in " + stackDir
                    + "; remove them when you no longer need what they hold");
        }
    }

    /** Removes generated directories past the newest {@link #KEEP}, never {@code current} nor those in use. */
    private static void prune(Path generatedRoot, String current, Set<String> inUse) throws IOException {
        List<Path> revisions = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(generatedRoot)) {
            for (Path entry : entries) {
                if (SHA.matcher(entry.getFileName().toString()).matches()
                        && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    revisions.add(entry);
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
     * @param stackDir the stack's directory
     * @param dir the repository's files, as of the commit where the repository tracks them
     * @param generated where Berth writes files for the revision (config contents, secrets)
     * @param notes what preparing it moved aside, left or migrated, for the deployment's log
     */
    record Revision(String sha, Path stackDir, Path dir, Path generated, List<String> notes) {
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
         * The host path of a repository path that a container mounts, checked component by component
         * without following links: a symbolic link there (a container can make one in its bind mount)
         * is refused, since the engine would follow it out of the stack's directory. With
         * {@code create}, a missing path is made as a directory, as Docker makes a missing bind source.
         *
         * @throws BerthException for a link, for a file where a directory belongs, or when the
         *     directory cannot be made
         */
        Path mountable(String repoPath, boolean create) {
            Path target = resolve(dir, repoPath);
            Path current = dir;
            try {
                for (Path part : dir.relativize(target)) {
                    current = current.resolve(part);
                    BasicFileAttributes attributes;
                    try {
                        attributes =
                                Files.readAttributes(current, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    } catch (NoSuchFileException e) {
                        if (!create) {
                            return target;
                        }
                        Files.createDirectory(current);
                        continue;
                    }
                    if (attributes.isSymbolicLink()) {
                        throw new BerthException(repoPath + " is mounted from " + current + ", a symbolic link on the"
                                + " deployer's host (to " + Files.readSymbolicLink(current) + "), which a container"
                                + " may have made: Berth never mounts through a link; remove it, or commit the files");
                    }
                    if (!attributes.isDirectory() && !current.equals(target)) {
                        throw new BerthException(repoPath + " cannot be mounted: " + current + " on the deployer's"
                                + " host is a file where a directory belongs; move it away");
                    }
                }
                return target;
            } catch (IOException e) {
                throw new BerthException(
                        "could not make " + repoPath + " at " + current + ": " + e.getMessage()
                                + "; check that the deployer's work directory is writable",
                        e);
            }
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
