package dev.berth.cli;

import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposeFiles;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.DotEnv;
import dev.berth.common.compose.RepoFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A config repository's work tree read as the watcher reads a commit: by repository path, never
 * following a symbolic link (a path through one is no file), never leaving the repository (a path
 * with {@code ..} or an absolute one names nothing). Not thread-safe.
 */
final class WorkTreeFiles implements RepoFiles {
    static final long MAX_TEXT_BYTES = 1024L * 1024;

    private final Path root;

    WorkTreeFiles(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public Optional<String> text(String path) {
        if (!isFile(path)) {
            return Optional.empty();
        }
        Path file = resolve(path);
        try {
            long size = Files.size(file);
            if (size > MAX_TEXT_BYTES) {
                throw new ComposeException(
                        path, 0, 0, "file is " + size + " bytes, larger than 1 MiB; split it or shorten it");
            }
            return Optional.of(StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString());
        } catch (CharacterCodingException e) {
            throw new ComposeException(path, 0, 0, "not valid UTF-8: save the file as UTF-8");
        } catch (IOException e) {
            throw new ComposeException(path, 0, 0, "could not read: " + e.getMessage());
        }
    }

    @Override
    public boolean isFile(String path) {
        Path file = resolve(path);
        return file != null && !isSymlink(path) && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public boolean isDirectory(String path) {
        Path dir = resolve(path);
        if (dir == null || isSymlink(path) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.anyMatch(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | UncheckedIOException e) {
            throw new ComposeException(path, 0, 0, "could not read the directory: " + e.getMessage());
        }
    }

    @Override
    public boolean isSymlink(String path) {
        List<String> segments = segments(path);
        if (segments == null) {
            return false;
        }
        Path at = root;
        for (String segment : segments) {
            at = at.resolve(segment);
            if (Files.isSymbolicLink(at)) {
                return true;
            }
            if (!Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
        }
        return false;
    }

    /**
     * The stack in {@code directory} (a repository path such as {@code stacks/web}) parsed as the watcher
     * parses it: with its {@code .env}, a variable neither sets left to the deployer's host.
     *
     * @return empty when the directory has no compose file
     * @throws ComposeException when the stack is not valid
     */
    Optional<ComposeStack> parseStack(ComposeParser parser, String directory) {
        Optional<String> composeFile = ComposeFiles.NAMES.stream()
                .map(n -> directory + "/" + n)
                .filter(this::isFile)
                .findFirst();
        if (composeFile.isEmpty()) {
            return Optional.empty();
        }
        String text = text(composeFile.get()).orElseThrow();
        String envFile = directory + "/" + DotEnv.FILE_NAME;
        Optional<String> env = text(envFile);
        Map<String, String> variables = env.isPresent() ? DotEnv.parse(envFile, env.get()) : Map.of();
        return Optional.of(parser.parse(composeFile.get(), text, variables, this, null));
    }

    /**
     * The contents of every regular file under the given repository paths (directories whole),
     * symbolic links and absolute paths left out, as the watcher collects a stack's files.
     */
    Map<String, byte[]> regularFiles(Collection<String> roots) {
        Map<String, byte[]> files = new TreeMap<>();
        for (String rootPath : roots) {
            Path start = resolve(rootPath);
            if (start == null || isSymlink(rootPath) || !Files.exists(start, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(start)) {
                for (Path file : walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                        .toList()) {
                    files.put(root.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
                }
            } catch (IOException | UncheckedIOException e) {
                throw new ComposeException(rootPath, 0, 0, "could not read: " + e.getMessage());
            }
        }
        return files;
    }

    /** The file of a repository path, or null when the path would leave the repository. */
    private @Nullable Path resolve(String path) {
        List<String> segments = segments(path);
        if (segments == null) {
            return null;
        }
        Path at = root;
        for (String segment : segments) {
            at = at.resolve(segment);
        }
        return at;
    }

    private static @Nullable List<String> segments(String path) {
        if (path.startsWith("/") || path.contains("\\")) {
            return null;
        }
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
        return segments;
    }
}
