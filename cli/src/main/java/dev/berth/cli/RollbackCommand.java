package dev.berth.cli;

import dev.berth.common.StackRef;
import dev.berth.common.event.StackRollbackRequested;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.deployer.StackHistory;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth rollback <env/stack> [--to <revision>]}: asks the stack's deployer to go back. */
@Command(
        name = "rollback",
        mixinStandardHelpOptions = true,
        description = {
            "Ask the deployer that owns a stack to put it back on an earlier revision: --to names one from"
                    + " `berth history` (a sha or a unique prefix); without it, the last good revision before the"
                    + " current one. The revision rolled back from is quarantined until a newer commit or"
                    + " `berth retry`. The command goes to berth.changes, in order with the stack's changes;"
                    + " follow its outcome with `berth history`.",
            "Exit codes: 0 when the request was published, 1 when the revision is not in the history or Kafka"
                    + " cannot be reached, 2 for bad usage."
        })
final class RollbackCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "<env/stack>", description = "The stack, such as dev/shop.")
    String stack = "";

    @Option(names = "--to", paramLabel = "<revision>", description = "The revision to go back to.")
    @Nullable
    String to;

    @Option(
            names = "--actor",
            paramLabel = "<name>",
            description = "Who asks, for the audit trail (default: the user's login name).")
    @Nullable
    String actor;

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        StackRef ref = KafkaOptions.stack(stack);
        KafkaSettings settings = kafka.connect();
        StackHistory history = CommandPublisher.history(settings, ref);
        Optional<StackHistory.Revision> target =
                to == null ? history.previousGood(history.lastGood()) : history.find(to);
        if (target.isEmpty()) {
            spec.commandLine()
                    .getErr()
                    .println("berth: "
                            + (to == null
                                    ? "stack " + ref + " has no earlier good revision to roll back to"
                                    : "stack " + ref + " has no revision \"" + to
                                            + "\" in its history (a sha or a unique prefix of at least 4 characters)")
                            + "; `berth history " + ref + "` lists its revisions");
            return Berth.EXIT_FAILURE;
        }
        String who = CommandPublisher.actor(actor);
        Clock clock = Clock.systemUTC();
        String sha = target.get().revision();
        String chain = CommandPublisher.publish(
                settings,
                new StackRollbackRequested(
                        ref,
                        CommandPublisher.commit(sha, who, "berth rollback " + ref + " --to " + sha, clock),
                        sha,
                        who),
                clock);
        PrintWriter out = spec.commandLine().getOut();
        out.println("rollback of " + ref + " to " + sha + " requested (chain " + chain + ")");
        out.flush();
        return 0;
    }
}
