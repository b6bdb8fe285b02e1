package dev.berth.cli;

import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.notifier.NotificationReplay;
import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth notifications ...}: the notifier's dead letters. */
@Command(
        name = "notifications",
        mixinStandardHelpOptions = true,
        description = "Notifications that could not be delivered (berth.notifications.dlq).",
        subcommands = {NotificationsCommand.Replay.class, CommandLine.HelpCommand.class})
final class NotificationsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Berth.EXIT_USAGE;
    }

    /** {@code berth notifications replay}: asks the running notifier to send the dead letters again. */
    @Command(
            name = "replay",
            mixinStandardHelpOptions = true,
            description = {
                "Send the notifications in berth.notifications.dlq again: each one not replayed before is handed to"
                        + " the running notifier, which sends it unless its channel already has it. One that fails"
                        + " again goes back to the dead letters.",
                "Exit codes: 0 when the requests were written (or there was nothing to replay), 1 when Kafka cannot"
                        + " be reached, 2 for bad usage."
            })
    static final class Replay implements Callable<Integer> {
        @Option(names = "--channel", paramLabel = "<name>", description = "Only this channel's dead letters.")
        @Nullable
        String channel;

        @Option(names = "--dry-run", description = "List what would be replayed; send nothing.")
        boolean dryRun;

        @Mixin
        KafkaOptions kafka = new KafkaOptions();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            KafkaSettings settings = kafka.connect();
            NotificationReplay replay = new NotificationReplay(settings, new EventCodec());
            replay.ensureTopics();
            List<NotificationReplay.Pending> pending = dryRun ? replay.pending(channel) : replay.replay(channel);
            PrintWriter out = spec.commandLine().getOut();
            for (NotificationReplay.Pending p : pending) {
                out.printf(
                        "%s %-16s %-40s %s (%s)%n",
                        p.letter().time().truncatedTo(ChronoUnit.SECONDS),
                        p.letter().channel(),
                        p.letter().message().id(),
                        p.letter().message().title(),
                        p.letter().reason());
            }
            out.println((dryRun ? "would replay " : "replay requested for ") + pending.size() + " notification"
                    + (pending.size() == 1 ? "" : "s"));
            out.flush();
            return 0;
        }
    }
}
