package dev.berth.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --environment} of {@code berth run}, {@code berth watcher} and {@code berth deployer}: on flags
 * alone the one environment the process serves; with environment files, which of them it serves.
 */
final class EnvironmentSelection {
    /** The environment of a service run on flags alone, when {@code --environment} is not given. */
    static final String DEFAULT_ENVIRONMENT = "dev";

    @Option(
            names = "--environment",
            paramLabel = "<name>",
            description = {
                "The environment this service serves (default: " + DEFAULT_ENVIRONMENT + ").",
                "With --environments or --environment-file: serve only this environment of the files (repeatable;"
                        + " default: every environment they declare)."
            })
    List<String> names = new ArrayList<>();

    /**
     * The one environment of a service run on flags alone.
     *
     * @throws Berth.UsageException when {@code --environment} is given more than once
     */
    String single() {
        if (names.size() > 1) {
            throw new Berth.UsageException("--environment is given " + names.size() + " times: without environment"
                    + " files a service serves one environment: give it once, or declare the environments in files"
                    + " (--environments <dir>) and select them with --environment");
        }
        return names.isEmpty() ? DEFAULT_ENVIRONMENT : names.get(0);
    }

    /**
     * The environments of the files this service serves.
     *
     * @throws Berth.UsageException naming an environment no file declares
     */
    List<EnvironmentFile> select(List<EnvironmentFile> files) {
        return Environments.select(files, names, "--environment");
    }
}
