package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposeFiles;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.DotEnv;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code berth validate}: checks every stack of a config repository's work tree as the watcher
 * would, without Kafka or Docker, so a config repository's own CI can run it.
 */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Check every stack of a config repository as Berth's watcher would, printing file:line:column errors.",
            "Exit codes: 0 when every stack is valid, 1 when one is not, 2 for bad usage."
        })
final class ValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "<repo>", description = "The config repository's directory.")
    Path repository = Path.of(".");

    @Option(
            names = "--stacks-path",
            defaultValue = "stacks",
            paramLabel = "<path>",
            description = "Where the stacks are in the repository (default: ${DEFAULT-VALUE}).")
    String stacksPath = "stacks";

    @Spec
    CommandSpec spec;

    private final ComposeParser parser = new ComposeParser();

    @Override
    public Integer call() throws IOException {
        Path stacks = repository.resolve(stacksPath);
        if (!Files.isDirectory(stacks)) {
            throw new Berth.UsageException(
                    stacks + " is not a directory: give the config repository's path, and --stacks-path if its"
                            + " stacks are not under stacks/");
        }
        PrintWriter out = spec.commandLine().getOut();
        int valid = 0;
        int invalid = 0;
        List<Path> directories;
        try (Stream<Path> list = Files.list(stacks)) {
            directories = list.filter(Files::isDirectory).sorted().toList();
        }
        for (Path directory : directories) {
            Optional<String> problem = check(directory);
            if (problem.isEmpty()) {
                continue;
            }
            if (problem.get().isEmpty()) {
                valid++;
            } else {
                invalid++;
                out.println(problem.get());
            }
        }
        out.printf("%d valid, %d invalid stack%s%n", valid, invalid, invalid == 1 ? "" : "s");
        return invalid == 0 ? 0 : Berth.EXIT_FAILURE;
    }

    /** Empty when the directory holds no stack, "" when it is valid, else the error line. */
    private Optional<String> check(Path directory) {
        String name = directory.getFileName().toString();
        String relative = stacksPath + "/" + name;
        Optional<String> composeName = ComposeFiles.NAMES.stream()
                .filter(n -> Files.isRegularFile(directory.resolve(n)))
                .findFirst();
        if (composeName.isEmpty()) {
            return Optional.empty();
        }
        String composeFile = relative + "/" + composeName.get();
        try {
            StackRef.requireName("stack", name);
            Path env = directory.resolve(DotEnv.FILE_NAME);
            Map<String, String> variables = Files.isRegularFile(env)
                    ? DotEnv.parse(relative + "/" + DotEnv.FILE_NAME, read(env, relative + "/" + DotEnv.FILE_NAME))
                    : Map.of();
            ComposeStack stack =
                    parser.parse(composeFile, read(directory.resolve(composeName.get()), composeFile), variables);
            spec.commandLine()
                    .getOut()
                    .printf(
                            "ok %s (%d service%s)%n",
                            composeFile,
                            stack.services().size(),
                            stack.services().size() == 1 ? "" : "s");
            return Optional.of("");
        } catch (ComposeException e) {
            return Optional.of(e.getMessage());
        } catch (BerthException e) {
            return Optional.of(relative + ": " + e.getMessage());
        }
    }

    private static String read(Path file, String shown) {
        try {
            return Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new ComposeException(shown, 0, 0, "not valid UTF-8: save the file as UTF-8");
        } catch (IOException e) {
            throw new ComposeException(shown, 0, 0, "could not read: " + e.getMessage());
        }
    }
}
