package dev.berth.watcher.internal.git;

import dev.berth.common.BerthException;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.RepoFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.jspecify.annotations.Nullable;

/**
 * The files of one commit in a {@link GitMirror}, by repository path, read without a work tree: what
 * the parser reads {@code env_file} and {@code extends} targets through, and what the watcher collects
 * a change's files from. A symbolic link is never followed: {@link #isFile} and
 * {@link #isDirectory} are false through one, and {@link #regularFiles} leaves links out.
 *
 * <p>Not thread-safe (one poll thread uses it); valid while its mirror is open.
 */
public final class CommitFiles implements RepoFiles {
    /** The most {@link #text} reads: the parser's own limit for one file. */
    public static final long MAX_TEXT_BYTES = 1024L * 1024;

    /** A regular file under a path, with its size in bytes. */
    public record FileEntry(String path, long size) {
        public FileEntry {
            Objects.requireNonNull(path, "path");
        }
    }

    private record Entry(FileMode mode, ObjectId id) {}

    private final GitMirror mirror;
    private final Repository repository;
    private final String sha;
    private final RevTree tree;
    private final Map<String, Optional<Entry>> entries = new HashMap<>();

    CommitFiles(GitMirror mirror, Repository repository, String sha, RevTree tree) {
        this.mirror = mirror;
        this.repository = repository;
        this.sha = sha;
        this.tree = tree;
    }

    /** The commit these files are of. */
    public String sha() {
        return sha;
    }

    /**
     * A regular file's text, or empty when {@code path} is not a regular file at this commit.
     *
     * @throws ComposeException when the file is over 1 MiB or is not valid UTF-8
     */
    @Override
    public Optional<String> text(String path) {
        Optional<Entry> entry = entry(path).filter(e -> isRegular(e.mode()));
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        ObjectLoader loader = open(path, entry.get().id());
        if (loader.getSize() > MAX_TEXT_BYTES) {
            throw new ComposeException(
                    path, 0, 0, "file is " + loader.getSize() + " bytes, larger than 1 MiB; split it or shorten it");
        }
        try {
            return Optional.of(StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(loader.getCachedBytes()))
                    .toString());
        } catch (CharacterCodingException e) {
            throw new ComposeException(path, 0, 0, "not valid UTF-8: save the file as UTF-8");
        }
    }

    /** True when {@code path} is a regular (or executable) file, reached without a symbolic link. */
    @Override
    public boolean isFile(String path) {
        return entry(path).filter(e -> isRegular(e.mode())).isPresent();
    }

    /** True when {@code path} is a directory, reached without a symbolic link; git keeps no empty ones. */
    @Override
    public boolean isDirectory(String path) {
        return entry(path).filter(e -> FileMode.TREE.equals(e.mode())).isPresent();
    }

    /** True when {@code path}, or a directory on the way to it, is a symbolic link at this commit. */
    @Override
    public boolean isSymlink(String path) {
        String normalized = normalize(path);
        if (normalized == null || normalized.isEmpty()) {
            return false;
        }
        int from = 0;
        while (true) {
            int slash = normalized.indexOf('/', from);
            String prefix = slash < 0 ? normalized : normalized.substring(0, slash);
            Optional<Entry> entry = entry(prefix);
            if (entry.isEmpty()) {
                return false;
            }
            if (FileMode.SYMLINK.equals(entry.get().mode())) {
                return true;
            }
            if (slash < 0) {
                return false;
            }
            from = slash + 1;
        }
    }

    /**
     * The regular files at {@code path}: the file itself, or every regular file under the directory,
     * in tree order. Symbolic links and submodules are left out; a missing path has none.
     */
    public List<FileEntry> regularFiles(String path) {
        String normalized = normalize(path);
        Optional<Entry> entry = entry(normalized);
        if (normalized == null || entry.isEmpty()) {
            return List.of();
        }
        if (isRegular(entry.get().mode())) {
            return List.of(
                    new FileEntry(normalized, open(normalized, entry.get().id()).getSize()));
        }
        if (!FileMode.TREE.equals(entry.get().mode())) {
            return List.of();
        }
        String prefix = normalized.isEmpty() ? "" : normalized + "/";
        try (TreeWalk walk = new TreeWalk(repository)) {
            walk.addTree(entry.get().id());
            walk.setRecursive(true);
            List<FileEntry> files = new ArrayList<>();
            while (walk.next()) {
                if (isRegular(walk.getFileMode(0))) {
                    String file = prefix + walk.getPathString();
                    files.add(new FileEntry(
                            file, walk.getObjectReader().getObjectSize(walk.getObjectId(0), Constants.OBJ_BLOB)));
                }
            }
            return files;
        } catch (IOException e) {
            throw mirror.failure("list " + (normalized.isEmpty() ? "the files" : normalized) + " at " + sha, e);
        }
    }

    /** The names of the directories directly in the directory {@code path}, in tree order. */
    public List<String> subdirectories(String path) {
        return List.copyOf(subdirectoryIds(path).keySet());
    }

    /**
     * The directories directly in the directory {@code path}, in tree order, each with its tree's id
     * (hex): equal ids mean equal contents, at any commit.
     */
    public Map<String, String> subdirectoryIds(String path) {
        String normalized = normalize(path);
        Optional<Entry> entry = entry(normalized);
        if (normalized == null
                || entry.isEmpty()
                || !FileMode.TREE.equals(entry.get().mode())) {
            return Map.of();
        }
        try (TreeWalk walk = new TreeWalk(repository)) {
            walk.addTree(entry.get().id());
            Map<String, String> ids = new LinkedHashMap<>();
            while (walk.next()) {
                if (FileMode.TREE.equals(walk.getFileMode(0))) {
                    ids.put(walk.getNameString(), walk.getObjectId(0).name());
                }
            }
            return ids;
        } catch (IOException e) {
            throw mirror.failure("list " + (normalized.isEmpty() ? "the root" : normalized) + " at " + sha, e);
        }
    }

    /**
     * A regular file's bytes.
     *
     * @throws BerthException when {@code path} is not a regular file at this commit
     */
    public byte[] bytes(String path) {
        Entry entry = entry(path)
                .filter(e -> isRegular(e.mode()))
                .orElseThrow(() -> new BerthException(path + " is not a file at " + sha));
        try {
            return open(path, entry.id()).getBytes();
        } catch (org.eclipse.jgit.errors.LargeObjectException e) {
            throw new BerthException("could not read " + path + " at " + sha + ": " + GitMirror.describe(e), e);
        }
    }

    private ObjectLoader open(String path, ObjectId id) {
        try {
            return repository.open(id, Constants.OBJ_BLOB);
        } catch (IOException e) {
            throw mirror.failure("read " + path + " at " + sha, e);
        }
    }

    private Optional<Entry> entry(@Nullable String path) {
        String normalized = path == null ? null : normalize(path);
        return normalized == null ? Optional.empty() : entries.computeIfAbsent(normalized, this::lookUp);
    }

    private Optional<Entry> lookUp(String path) {
        if (path.isEmpty()) {
            return Optional.of(new Entry(FileMode.TREE, tree));
        }
        try (TreeWalk walk = TreeWalk.forPath(repository, path, tree)) {
            return walk == null ? Optional.empty() : Optional.of(new Entry(walk.getFileMode(0), walk.getObjectId(0)));
        } catch (IOException e) {
            throw mirror.failure("read " + path + " at " + sha, e);
        }
    }

    private static boolean isRegular(FileMode mode) {
        return FileMode.REGULAR_FILE.equals(mode) || FileMode.EXECUTABLE_FILE.equals(mode);
    }

    /**
     * Repository paths come normalised; a doubled or trailing '/' and "." are tolerated. A ".." is
     * never resolved (it could lead out of the repository): such a path names nothing.
     */
    private static @Nullable String normalize(String path) {
        List<String> segments = new ArrayList<>();
        for (String segment : path.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                return null;
            }
            segments.add(segment);
        }
        return String.join("/", segments);
    }

    @Override
    public String toString() {
        return "CommitFiles[" + sha + "]";
    }
}
