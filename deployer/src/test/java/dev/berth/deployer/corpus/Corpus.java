package dev.berth.deployer.corpus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The corpus of compose stacks under {@code src/test/resources/corpus}, and which of the features they use
 * have not landed in Berth yet (their stacks are skipped, with the reason, rather than failed).
 */
final class Corpus {
    /**
     * Features the corpus uses that Berth does not apply yet, with why. A stack that needs one is skipped
     * by a JUnit assumption that names it. Empty once issue 3 is done.
     */
    static final Map<String, String> PENDING = Map.of();

    private Corpus() {}

    static Path root() {
        URL url = Objects.requireNonNull(Corpus.class.getResource("/corpus"), "corpus on the test class path");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every stack, by name. */
    static List<CorpusStack> stacks() {
        Path root = root();
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve(CorpusStack.COMPOSE)))
                    .map(d -> d.getFileName().toString())
                    .sorted()
                    .map(name -> new CorpusStack(
                            name, root, DockerCli.json(read(root.resolve(name).resolve(CorpusStack.EXPECT)))))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The stacks the ITs run: every stack, or those whose name matches the regular expression of the
     * system property {@code berth.corpus} ({@code -Dberth.corpus='4[0-9]-.*'}), to run a few on a busy machine.
     */
    static List<CorpusStack> selected() {
        String only = System.getProperty("berth.corpus", "");
        return only.isBlank()
                ? stacks()
                : stacks().stream().filter(s -> s.name().matches(only)).toList();
    }

    static CorpusStack stack(String name) {
        return stacks().stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no corpus stack " + name));
    }

    /** The first feature of the stack that has not landed, with why, if any. */
    static Optional<String> pending(CorpusStack stack) {
        return stack.features().stream()
                .filter(PENDING::containsKey)
                .findFirst()
                .map(f -> "feature \"" + f + "\" has not landed: " + PENDING.get(f));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
