package dev.berth.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --environments} and {@code --environment-file}: the environment files of the commands that run
 * Berth's services ({@code berth run}, {@code berth watcher|deployer|notifier}), with one meaning for all.
 */
final class EnvironmentFileOptions {
    @Option(
            names = "--environments",
            paramLabel = "<dir>",
            description = "Run every environment file (<name>.yaml) of this directory: each environment with its"
                    + " source, variables, Docker endpoint, update defaults and notification routes (see"
                    + " docs/environments.md).")
    @Nullable
    Path directory;

    @Option(
            names = "--environment-file",
            paramLabel = "<file>",
            description = "Run the environment this file describes (repeatable; with or without --environments).")
    List<Path> files = new ArrayList<>();

    @Spec(Spec.Target.MIXEE)
    @Nullable
    CommandSpec command;

    /** True when environment files were given. */
    boolean given() {
        return directory != null || !files.isEmpty();
    }

    /**
     * Reads every file named, the directory's first; the first problem stops it.
     *
     * @throws Berth.UsageException naming the file, line, column and key of the first problem
     */
    List<EnvironmentFile> read() {
        return Environments.read(Environments.paths(directory, files));
    }

    /**
     * Refuses, without environment files, an option that means something only with them.
     *
     * @param means what the option does with files: {@code holds the secrets environment files name}
     * @throws Berth.UsageException naming the option and the fix, when it is given without files
     */
    void requireFor(String option, boolean given, String means) {
        if (given && !given()) {
            throw new Berth.UsageException(option + " " + means + ", and none are given: give --environments <dir>"
                    + " or --environment-file <file>, or leave " + option + " out");
        }
    }

    /**
     * Refuses, next to environment files, a flag whose value the files set: the processes that read one
     * set of files (a watcher, deployers, a notifier) must agree on it.
     *
     * @param key the key of the environment file that sets the flag's value
     * @throws Berth.UsageException naming the flag, the key, and the fix, when both are given
     */
    void refuse(String flag, String key) {
        CommandSpec spec = command;
        if (spec == null || !given() || !spec.commandLine().getParseResult().hasMatchedOption(flag)) {
            return;
        }
        throw new Berth.UsageException(flag + " cannot be combined with environment files, which set " + key
                + " for each environment (so that every process reading them agrees): set " + key + " in "
                + String.join(
                        ", ",
                        Environments.paths(directory, files).stream()
                                .map(Path::toString)
                                .toList())
                + ", or leave out --environments and --environment-file to run on flags alone");
    }
}
