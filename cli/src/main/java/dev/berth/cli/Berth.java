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
            ValidateCommand.class,
            HistoryCommand.class,
            RollbackCommand.class,
            RetryCommand.class,
            NotificationsCommand.class,
            AuditCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Berth {
    /** A failure the user can act on. */
    public static final int EXIT_FAILURE = 1;
    /** Bad usage or bad input. */
    public static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
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
