package dev.berth.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.event.EventCodec;
import dev.berth.notifier.AuditTrail;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth audit}: what happened, who caused it and the evidence, from {@code berth.audit}. */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = {
            "Show the audit trail (berth.audit), oldest first: when, stack, event kind, actor (commit author or the"
                    + " operator behind a rollback/retry), what happened and its evidence.",
            "Exit codes: 0 when it could be read (even empty), 1 when Kafka cannot be read, 2 for bad usage."
        })
final class AuditCommand implements Callable<Integer> {

    @Option(names = "--stack", paramLabel = "<env/stack>", description = "Only this stack, such as prod/shop.")
    @Nullable
    String stack;

    @Option(
            names = "--since",
            paramLabel = "<when>",
            description = "Only events appended since then: a duration back from now (30m, 2h, 7d), a date"
                    + " (2026-11-22) or an instant (2026-11-22T10:00:00Z).")
    @Nullable
    String since;

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        StackRef ref = stack == null ? null : KafkaOptions.stack(stack);
        Instant from = since == null ? null : since(since, Clock.systemUTC());
        EventCodec codec = new EventCodec();
        List<AuditTrail.Entry> entries = new AuditTrail(kafka.connect(), codec).read(ref, from);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            try {
                for (AuditTrail.Entry e : entries) {
                    out.println(codec.json().writeValueAsString(e));
                }
            } catch (JsonProcessingException e) {
                throw new BerthException("could not write the audit trail as JSON: " + e.getOriginalMessage());
            }
        } else {
            out.printf("%-20s %-16s %-14s %-16s %s%n", "WHEN", "STACK", "KIND", "ACTOR", "WHAT");
            for (AuditTrail.Entry e : entries) {
                out.printf(
                        "%-20s %-16s %-14s %-16s %s%n",
                        e.time().truncatedTo(ChronoUnit.SECONDS),
                        e.stack(),
                        e.kind(),
                        e.actor().isEmpty() ? "-" : e.actor(),
                        e.summary());
                if (!e.evidence().isBlank()) {
                    String first = e.evidence().strip().lines().findFirst().orElse("");
                    out.println("    evidence: " + (first.length() > 160 ? first.substring(0, 160) + "…" : first));
                }
            }
        }
        out.flush();
        return 0;
    }

    /** {@code 2h} back from now, a date (its start, UTC) or an instant. */
    static Instant since(String value, Clock clock) {
        String v = value.strip();
        if (v.matches("\\d+d")) {
            return clock.instant().minus(Long.parseLong(v.substring(0, v.length() - 1)), ChronoUnit.DAYS);
        }
        if (v.matches("\\d+(ms|s|m|h)")) {
            return clock.instant().minus(new DurationConverter().convert(v));
        }
        try {
            return v.length() == 10 ? LocalDate.parse(v).atStartOfDay().toInstant(ZoneOffset.UTC) : Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new Berth.UsageException("--since \"" + value + "\" is not a time; write a duration back from now"
                    + " (30m, 2h, 7d), a date (2026-11-22) or an instant (2026-11-22T10:00:00Z)");
        }
    }
}
