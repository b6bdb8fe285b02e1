package dev.berth.deployer.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.BerthException;
import dev.berth.common.compose.StackFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The files the repository tracks in a stack's persistent directory, kept as the revision being
 * applied has them, while everything else there (what services write into bind mounts) stays, as a
 * {@code git pull} beside a compose file would leave it. A manifest ({@code tracked.json}) records the
 * SHA-256 of each file Berth wrote:
 * <ul>
 *   <li>a tracked file the revision adds or changes is written (to a temporary name, then renamed);
 *   <li>a tracked file changed on the host since Berth wrote it is put back as the repository has it,
 *       and the host's version is moved aside under {@code displaced/<time>/<path>}, never deleted;
 *   <li>a file the revision no longer tracks is removed when it is as Berth wrote it, and left where it
 *       is (now untracked) when the host changed it;
 *   <li>a directory, link or other file standing where a tracked file or one of its parent
 *       directories belongs is moved aside the same way.
 * </ul>
 * Every step goes through directory handles opened without following links
 * ({@link SecureDirectoryStream}), so a container that plants a symbolic link in its bind mount cannot
 * make the deployer write or delete outside the stack's directory. Before writing, the manifest lists
 * both the old and the new digest of each file, so a deployer killed mid-way takes its own half-written
 * files for its own on the next run. Not thread-safe: the caller holds the stack's lock.
 */
final class TrackedFiles {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final String TEMP_PREFIX = ".berth-tmp-";

    private final Path dir;
    private final Path manifest;
    private final Path displaced;
    private final List<String> notes = new ArrayList<>();

    /**
     * @param dir the directory the tracked files live in
     * @param state where the manifest and displaced files go (outside {@code dir})
     * @param now names this run's displaced directory
     */
    TrackedFiles(Path dir, Path state, Instant now) {
        this.dir = dir;
        this.manifest = state.resolve("tracked.json");
        this.displaced = state.resolve("displaced").resolve(STAMP.format(now));
    }

    /**
     * Makes the tracked files those of {@code files}; returns what it moved aside or left, one line
     * each, for the deployment's log.
     */
    List<String> sync(StackFiles files) throws IOException {
        Map<String, Set<String>> known = readManifest();
        // Every path is checked before anything is written.
        files.paths().forEach(path -> StackWorkspace.resolve(dir, path));
        known.keySet().forEach(path -> StackWorkspace.resolve(dir, path));
        Map<String, Set<String>> pending = new TreeMap<>();
        known.forEach((path, digests) -> pending.put(path, new TreeSet<>(digests)));
        Map<String, String> wanted = new TreeMap<>();
        for (String path : files.paths()) {
            String digest = sha256(files.bytes(path).orElseThrow());
            wanted.put(path, digest);
            pending.computeIfAbsent(path, p -> new TreeSet<>()).add(digest);
        }
        writeManifest(pending);
        try (SecureDirectoryStream<Path> root = open(dir)) {
            for (String path : files.paths()) {
                write(root, path, files.bytes(path).orElseThrow(), known.getOrDefault(path, Set.of()));
            }
            for (Map.Entry<String, Set<String>> old : known.entrySet()) {
                if (!wanted.containsKey(old.getKey())) {
                    untrack(root, old.getKey(), old.getValue());
                }
            }
        }
        Map<String, Set<String>> done = new TreeMap<>();
        wanted.forEach((path, digest) -> done.put(path, Set.of(digest)));
        writeManifest(done);
        return List.copyOf(notes);
    }

    private void write(SecureDirectoryStream<Path> root, String path, byte[] content, Set<String> ours)
            throws IOException {
        List<String> parts = Arrays.asList(path.split("/"));
        String name = parts.get(parts.size() - 1);
        try (SecureDirectoryStream<Path> parent = directory(root, parts.subList(0, parts.size() - 1), true)) {
            Optional<BasicFileAttributes> existing = attributes(parent, name);
            if (existing.isPresent()) {
                if (existing.get().isRegularFile()) {
                    byte[] current = read(parent, name);
                    if (Arrays.equals(current, content)) {
                        return;
                    }
                    if (!ours.contains(sha256(current))) {
                        moveAside(path, "it was changed on the host; the repository's version replaces it");
                    }
                } else {
                    moveAside(path, "a tracked file of the repository belongs there");
                }
            }
            Path temp = Path.of(TEMP_PREFIX + UUID.randomUUID());
            try (SeekableByteChannel out = parent.newByteChannel(
                    temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS))) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
            parent.move(temp, parent, Path.of(name));
        }
    }

    /** Removes a file the repository no longer tracks, unless the host changed it. */
    private void untrack(SecureDirectoryStream<Path> root, String path, Set<String> ours) throws IOException {
        List<String> parts = Arrays.asList(path.split("/"));
        String name = parts.get(parts.size() - 1);
        try (SecureDirectoryStream<Path> parent = directory(root, parts.subList(0, parts.size() - 1), false)) {
            if (parent == null) {
                return;
            }
            Optional<BasicFileAttributes> existing = attributes(parent, name);
            if (existing.isEmpty() || !existing.get().isRegularFile()) {
                return;
            }
            if (ours.contains(sha256(read(parent, name)))) {
                parent.deleteFile(Path.of(name));
            } else {
                notes.add(path + ": no longer in the repository but changed on the host, so left in place");
            }
        }
    }

    /**
     * The directory {@code parts} below {@code root}, opened without following links; with
     * {@code create}, made (and anything else in the way moved aside), otherwise {@code null} when it is
     * not a directory.
     */
    private SecureDirectoryStream<Path> directory(SecureDirectoryStream<Path> root, List<String> parts, boolean create)
            throws IOException {
        SecureDirectoryStream<Path> current = root;
        Path host = dir;
        StringBuilder path = new StringBuilder();
        try {
            for (String part : parts) {
                path.append(path.length() == 0 ? "" : "/").append(part);
                host = host.resolve(part);
                Optional<BasicFileAttributes> attributes = attributes(current, part);
                if (attributes.isEmpty() || !attributes.get().isDirectory()) {
                    if (!create) {
                        close(current, root);
                        return null;
                    }
                    if (attributes.isPresent()) {
                        moveAside(path.toString(), "a directory of the repository belongs there");
                    }
                    Files.createDirectory(host);
                }
                SecureDirectoryStream<Path> next =
                        secure(current.newDirectoryStream(Path.of(part), LinkOption.NOFOLLOW_LINKS));
                close(current, root);
                current = next;
            }
            return current == root ? reopen(root) : current;
        } catch (IOException | RuntimeException e) {
            close(current, root);
            throw e;
        }
    }

    private SecureDirectoryStream<Path> reopen(SecureDirectoryStream<Path> root) throws IOException {
        return secure(root.newDirectoryStream(Path.of("."), LinkOption.NOFOLLOW_LINKS));
    }

    private static void close(SecureDirectoryStream<Path> stream, SecureDirectoryStream<Path> root) throws IOException {
        if (stream != root) {
            stream.close();
        }
    }

    /** Moves what stands at {@code path} (a file, a directory, a link, not followed) under {@link #displaced}. */
    private void moveAside(String path, String why) throws IOException {
        Path target = StackWorkspace.resolve(displaced, path);
        Files.createDirectories(target.getParent());
        Files.move(StackWorkspace.resolve(dir, path), target, StandardCopyOption.ATOMIC_MOVE);
        notes.add(path + ": moved aside to " + target + ": " + why);
    }

    private static Optional<BasicFileAttributes> attributes(SecureDirectoryStream<Path> parent, String name)
            throws IOException {
        try {
            return Optional.of(
                    parent.getFileAttributeView(Path.of(name), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                            .readAttributes());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static byte[] read(SecureDirectoryStream<Path> parent, String name) throws IOException {
        try (SeekableByteChannel in =
                parent.newByteChannel(Path.of(name), Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            if (in.size() > StackFiles.MAX_TOTAL_BYTES) {
                // Larger than any tracked file can be: certainly not as Berth wrote it.
                return new byte[0];
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) in.size());
            int read;
            do {
                read = in.read(buffer);
            } while (read >= 0 && buffer.hasRemaining());
            return Arrays.copyOf(buffer.array(), buffer.position());
        }
    }

    static SecureDirectoryStream<Path> open(Path directory) throws IOException {
        return secure(Files.newDirectoryStream(directory));
    }

    private static SecureDirectoryStream<Path> secure(DirectoryStream<Path> stream) throws IOException {
        if (stream instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        stream.close();
        throw new BerthException("this platform cannot open directories without following links"
                + " (no SecureDirectoryStream); Berth's deployer runs on Linux");
    }

    private Map<String, Set<String>> readManifest() throws IOException {
        if (!Files.isRegularFile(manifest, LinkOption.NOFOLLOW_LINKS)) {
            return new TreeMap<>();
        }
        try {
            return new TreeMap<>(JSON.readValue(manifest.toFile(), new TypeReference<Map<String, Set<String>>>() {}));
        } catch (IOException e) {
            throw new IOException(
                    "the list of tracked files " + manifest + " is unreadable (" + e.getMessage()
                            + "); move it away to have every tracked file rewritten, with host changes moved aside",
                    e);
        }
    }

    private void writeManifest(Map<String, Set<String>> digests) throws IOException {
        Path temp = manifest.resolveSibling(TEMP_PREFIX + UUID.randomUUID());
        try {
            Files.write(temp, JSON.writeValueAsBytes(digests), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.move(temp, manifest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
