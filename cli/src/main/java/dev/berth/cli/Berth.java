package dev.berth.cli;

import dev.berth.common.BerthException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code berth} command. Exit codes: 0 success, 1 failure, 2 bad usage or input. */
@Command(
        name = "berth",
        mixinStandardHelpOptions = true,
        versionProvider = Berth.Version.class,
        description = "GitOps deployments for Docker Compose stacks: commit a stack, Berth deploys it.",
        subcommands = {
            RunCommand.class,
            WatcherCommand.class,
            DeployerCommand.class,
            NotifierCommand.class,
            ValidateCommand.class,
            HistoryCommand.class,
            RollbackCommand.class,
            RetryCommand.class,
            StatusCommand.class,
            DiffCommand.class,
            NotificationsCommand.class,
            AuditCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Berth {
    /** A failure the user can act on. */
    public static final int EXIT_FAILURE = 1;
    /** Bad usage or bad input. */
    public static final int EXIT_USAGE = 2;

    /** The logging configuration of {@code BERTH_LOG_FORMAT=json}: one JSON object per line. */
    static final String JSON_LOGGING = "logback-json.xml";

    public static void main(String[] args) {
        // Before the first logger exists: logback reads this property once, when it starts.
        if ("json".equalsIgnoreCase(System.getenv("BERTH_LOG_FORMAT"))
                && System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", JSON_LOGGING);
        }
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Berth());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            PrintWriter err = line.getErr();
            if (e instanceof BerthException) {
                err.println("berth: " + e.getMessage());
                return e instanceof UsageException ? EXIT_USAGE : EXIT_FAILURE;
            }
            err.println("berth: unexpected failure: " + e);
            e.printStackTrace(err);
            return EXIT_FAILURE;
        });
        return cli;
    }

    /** Bad input detected after parsing (a path that does not exist, a bad value). */
    static final class UsageException extends BerthException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Berth.class.getPackage().getImplementationVersion();
            return new String[] {"berth " + (version == null ? "development build" : version)};
        }
    }
}
