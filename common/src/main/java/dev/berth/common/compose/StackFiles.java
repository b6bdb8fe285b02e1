package dev.berth.common.compose;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The repository files a stack uses, at one commit: its directory, and the files outside it that its
 * compose file names ({@code env_file}, {@code extends}, bind mounts, build contexts, secrets and
 * configs). The watcher reads them from its mirror and publishes them with the change, so the
 * deployer applies exactly the files of the commit without access to the repository. Keys are
 * repository paths ({@code stacks/web/html/index.html}); only regular files are kept (a symbolic link
 * is never followed). Immutable; thread-safe.
 */
public final class StackFiles implements RepoFiles {
    /** No files: a stack that is its compose file alone. */
    public static final StackFiles EMPTY = new StackFiles(Map.of());

    /** The most a stack's files may hold together; the change event carries them. */
    public static final long MAX_TOTAL_BYTES = 8L * 1024 * 1024;

    /** The most a text file that the parser reads may hold. */
    public static final int MAX_TEXT_BYTES = 1024 * 1024;

    private final Map<String, byte[]> files;

    public StackFiles(Map<String, byte[]> files) {
        TreeMap<String, byte[]> copy = new TreeMap<>();
        files.forEach((path, bytes) -> copy.put(path, bytes.clone()));
        this.files = Collections.unmodifiableMap(copy);
    }

    /** The event form: path to base64 content. */
    @JsonCreator
    static StackFiles fromJson(Map<String, String> encoded) {
        TreeMap<String, byte[]> decoded = new TreeMap<>();
        encoded.forEach((path, text) -> decoded.put(path, Base64.getDecoder().decode(text)));
        return new StackFiles(decoded);
    }

    @JsonValue
    Map<String, String> toJson() {
        TreeMap<String, String> encoded = new TreeMap<>();
        files.forEach((path, bytes) -> encoded.put(path, Base64.getEncoder().encodeToString(bytes)));
        return encoded;
    }

    /** Every path, sorted. */
    public List<String> paths() {
        return List.copyOf(files.keySet());
    }

    /** A file's bytes, if the stack has it. */
    public Optional<byte[]> bytes(String path) {
        byte[] bytes = files.get(path);
        return bytes == null ? Optional.empty() : Optional.of(bytes.clone());
    }

    /**
     * A file's text, if the stack has it.
     *
     * @throws ComposeException when the file is not valid UTF-8 or is over 1 MiB
     */
    @Override
    public Optional<String> text(String path) {
        byte[] bytes = files.get(path);
        if (bytes == null) {
            return Optional.empty();
        }
        if (bytes.length > MAX_TEXT_BYTES) {
            throw new ComposeException(path, 0, 0, "file is larger than 1 MiB; Berth reads text files up to 1 MiB");
        }
        try {
            return Optional.of(StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString());
        } catch (CharacterCodingException e) {
            throw new ComposeException(path, 0, 0, "not valid UTF-8: save the file as UTF-8");
        }
    }

    @Override
    public boolean isSymlink(String path) {
        // Only regular files are carried: the watcher refuses a stack whose used paths hold a link.
        return false;
    }

    /** True when {@code path} is a file of the stack. */
    @Override
    public boolean isFile(String path) {
        return files.containsKey(path);
    }

    /** True when some file lies under the directory {@code path}. */
    @Override
    public boolean isDirectory(String path) {
        String prefix = path.isEmpty() || path.endsWith("/") ? path : path + "/";
        String next = files.keySet().stream()
                .filter(p -> p.compareTo(prefix) >= 0)
                .findFirst()
                .orElse("");
        return next.startsWith(prefix);
    }

    /** The files under the directory {@code path}, sorted. */
    public List<String> under(String path) {
        String prefix = path.isEmpty() || path.endsWith("/") ? path : path + "/";
        return files.keySet().stream().filter(p -> p.startsWith(prefix)).toList();
    }

    /** The bytes of all files together. */
    public long totalBytes() {
        return files.values().stream().mapToLong(b -> b.length).sum();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StackFiles that && toJson().equals(that.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return "StackFiles" + files.keySet();
    }
}
