package dev.berth.cli;

import dev.berth.common.StackRef;
import dev.berth.common.event.EventCodec;
import dev.berth.deployer.StackHistory;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth history <env/stack>}: the stack's recent revisions, as the deployer recorded them. */
@Command(
        name = "history",
        mixinStandardHelpOptions = true,
        description = {
            "Show a stack's last revisions, newest first, as its deployer recorded them in berth.state: revision,"
                    + " status (applied, good, failed, quarantined, rolledback), when, deployment and reason.",
            "Exit codes: 0 when the stack has a history, 1 when it has none or Kafka cannot be read, 2 for bad usage."
        })
final class HistoryCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "<env/stack>", description = "The stack, such as dev/shop.")
    String stack = "";

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        StackRef ref = KafkaOptions.stack(stack);
        EventCodec codec = new EventCodec();
        StackHistory history = CommandPublisher.history(kafka.connect(), ref);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, codec.json(), history, "the history");
            out.flush();
            return history.revisions().isEmpty() ? Berth.EXIT_FAILURE : 0;
        }
        if (history.revisions().isEmpty()) {
            spec.commandLine().getErr().println("berth: stack " + ref + " has no history: no deployer has applied it");
            return Berth.EXIT_FAILURE;
        }
        out.println(table(history));
        out.flush();
        return 0;
    }

    static String table(StackHistory history) {
        StringBuilder text = new StringBuilder();
        text.append(String.format("%-9s %-12s %-20s %-36s %s%n", "REVISION", "STATUS", "WHEN", "DEPLOYMENT", "REASON"));
        for (StackHistory.Revision r : history.revisions()) {
            String sha = r.revision().length() > 7 ? r.revision().substring(0, 7) : r.revision();
            String reason = r.reason().isEmpty() ? r.subject() : r.reason();
            int nl = reason.indexOf('\n');
            text.append(String.format(
                    "%-9s %-12s %-20s %-36s %s%n",
                    sha,
                    r.status().name().toLowerCase(java.util.Locale.ROOT),
                    r.time().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(),
                    r.deploymentId(),
                    nl < 0 ? reason : reason.substring(0, nl)));
        }
        text.append("last good: ")
                .append(history.lastGood() == null ? "none" : history.lastGood())
                .append("; quarantined: ")
                .append(history.quarantined() == null ? "none" : history.quarantined());
        return text.toString();
    }
}
