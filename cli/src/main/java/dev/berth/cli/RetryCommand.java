package dev.berth.cli;

import dev.berth.common.StackRef;
import dev.berth.common.event.StackRetryRequested;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.deployer.StackHistory;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth retry <env/stack>}: clears the quarantine and applies the quarantined revision again. */
@Command(
        name = "retry",
        mixinStandardHelpOptions = true,
        description = {
            "Ask the deployer that owns a stack to clear its quarantine and apply the quarantined revision again"
                    + " (one that failed its gate and was rolled back). The command goes to berth.changes, in order"
                    + " with the stack's changes; follow its outcome with `berth history`.",
            "Exit codes: 0 when the request was published, 1 when nothing is quarantined or Kafka cannot be"
                    + " reached, 2 for bad usage."
        })
final class RetryCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "<env/stack>", description = "The stack, such as dev/shop.")
    String stack = "";

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
        String quarantined = history.quarantined();
        if (quarantined == null) {
            spec.commandLine()
                    .getErr()
                    .println("berth: stack " + ref + " has no quarantined revision to retry; `berth history " + ref
                            + "` lists its revisions");
            return Berth.EXIT_FAILURE;
        }
        String who = CommandPublisher.actor(actor);
        Clock clock = Clock.systemUTC();
        String chain = CommandPublisher.publish(
                settings,
                new StackRetryRequested(
                        ref, CommandPublisher.commit(quarantined, who, "berth retry " + ref, clock), who),
                clock);
        PrintWriter out = spec.commandLine().getOut();
        out.println("retry of " + ref + " @" + quarantined + " requested (chain " + chain + ")");
        out.flush();
        return 0;
    }
}
