package dev.berth.cli;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.deployer.KafkaStackHistoryStore;
import dev.berth.deployer.StackCheck;
import dev.berth.deployer.StackHealth;
import dev.berth.deployer.StackHistory;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth status}: every stack, what it runs, how healthy it is and how its last deployment went. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Show every stack Berth knows: its environment and name, the revision its containers run, their"
                    + " health on the Docker Engine, its last deployment (as the deployer recorded it in"
                    + " berth.state) and how long ago that was.",
            "HEALTH is healthy n/n, running n/n (no healthcheck), starting, unhealthy, degraded (a container"
                    + " that should run does not), absent (no container) or unknown (the engine cannot be read).",
            "With --check, each stack's containers are also compared with its last good revision: a missing"
                    + " replica, a container stopped (or created and never started) that should run, and a stray"
                    + " container (a service or replica the revision does not have, or one kept aside) are each"
                    + " printed on stderr.",
            "Exit codes: 0 shown, 1 Kafka cannot be read, 2 bad usage, 3 with --check when a stack is"
                    + " unhealthy, degraded or absent, has a missing, stopped or stray container, or its last"
                    + " deployment failed, or when the engine cannot be read."
        })
final class StatusCommand implements Callable<Integer> {
    /** The exit code of {@code --check} when a stack needs attention. */
    static final int EXIT_ATTENTION = 3;

    /**
     * One stack's line.
     *
     * @param health null when the engine could not be read; absent stacks have no containers
     */
    @JsonPropertyOrder({"stack", "revision", "health", "lastDeployment", "needsAttention"})
    record Row(
            StackRef stack,
            @Nullable StackHistory history,
            @JsonProperty("containers") @Nullable StackHealth health,
            @JsonIgnore boolean engineRead) {
        @JsonProperty("revision")
        String revision() {
            if (health != null && !health.revisions().isEmpty()) {
                return String.join(
                        ",",
                        health.revisions().stream().map(StatusCommand::shortSha).toList());
            }
            return history != null && history.lastGood() != null ? shortSha(history.lastGood()) : "-";
        }

        @JsonProperty("health")
        String healthText() {
            if (!engineRead) {
                return "unknown";
            }
            return health == null ? "absent" : health.summary();
        }

        @JsonProperty("lastDeployment")
        StackHistory.@Nullable Revision last() {
            return history == null || history.revisions().isEmpty()
                    ? null
                    : history.revisions().get(0);
        }

        @JsonProperty("needsAttention")
        boolean needsAttention() {
            String text = healthText();
            StackHistory.Revision last = last();
            return text.startsWith("unhealthy")
                    || text.startsWith("degraded")
                    || text.equals("absent")
                    || (last != null
                            && (last.status() == StackHistory.Status.FAILED
                                    || last.status() == StackHistory.Status.QUARANTINED));
        }
    }

    @Option(
            names = {"-e", "--environment"},
            paramLabel = "<name>",
            description = "Only the stacks of this environment (repeatable).")
    List<String> environments = new ArrayList<>();

    @Mixin
    OutputOptions output = new OutputOptions();

    @Option(
            names = "--docker-host",
            paramLabel = "<url>",
            description = "The Docker Engine the stacks run on (default: $DOCKER_HOST, else the local socket).")
    @Nullable
    String dockerHost;

    @Option(names = "--check", description = "Exit with " + EXIT_ATTENTION + " when any stack shown needs attention.")
    boolean check;

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Map<StackRef, ComposeStack> desired = new TreeMap<>(java.util.Comparator.comparing(StackRef::key));
        List<StackHistory> histories = histories(kafka.connect(), check ? desired : null);
        Map<StackRef, StackHealth> live = null;
        try {
            live = StackHealth.read(dockerHost != null ? dockerHost : System.getenv("DOCKER_HOST"));
        } catch (BerthException e) {
            spec.commandLine()
                    .getErr()
                    .println("berth: health unknown: " + e.getMessage()
                            + "; give --docker-host the engine the stacks run on");
        }
        List<Row> rows = rows(histories, live).stream()
                .filter(r -> environments.isEmpty()
                        || environments.contains(r.stack().environment()))
                .toList();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, new EventCodec().json(), rows, "the status");
        } else if (rows.isEmpty()) {
            out.println("no stacks: no deployer has recorded one, and no container carries a berth.stack label");
        } else {
            out.print(table(rows, Clock.systemUTC().instant()));
        }
        out.flush();
        if (!check) {
            return 0;
        }
        boolean attention = rows.stream().anyMatch(Row::needsAttention);
        // An engine that cannot be read is no proof that all runs: --check says so (the reason is printed above).
        attention |= live == null || reportProblems(rows, desired);
        return attention ? EXIT_ATTENTION : 0;
    }

    /** Prints each shown stack's container problems on stderr; true when there is one. */
    private boolean reportProblems(List<Row> rows, Map<StackRef, ComposeStack> desired) {
        Map<StackRef, List<StackCheck.Container>> containers =
                StackCheck.read(dockerHost != null ? dockerHost : System.getenv("DOCKER_HOST"));
        PrintWriter err = spec.commandLine().getErr();
        boolean found = false;
        for (Row row : rows) {
            List<String> problems =
                    StackCheck.problems(containers.getOrDefault(row.stack(), List.of()), desired.get(row.stack()));
            for (String problem : problems) {
                err.println("berth: stack " + row.stack() + ": " + problem);
                found = true;
            }
        }
        err.flush();
        return found;
    }

    /**
     * The stacks' histories; with {@code desired} given, also fills it with each stack's last good
     * revision, parsed (a revision that cannot be parsed here is left out, and said so on stderr).
     */
    private List<StackHistory> histories(KafkaSettings settings, @Nullable Map<StackRef, ComposeStack> desired) {
        try (KafkaStackHistoryStore store = new KafkaStackHistoryStore(
                new KafkaStateStore(settings, "berth-cli-" + UUID.randomUUID()), new EventCodec())) {
            store.refresh();
            List<StackHistory> histories = store.histories();
            if (desired != null) {
                for (StackHistory h : histories) {
                    if (h.lastGood() != null) {
                        store.desired(h.stack(), h.lastGood()).ifPresent(change -> parse(change, desired));
                    }
                }
            }
            return histories;
        }
    }

    /** Reads a revision as it was deployed: its policy was checked then, so nothing is refused here. */
    private void parse(StackChanged change, Map<StackRef, ComposeStack> desired) {
        try {
            ComposeParser parser = new ComposeParser(ComposePolicy.UNRESTRICTED);
            desired.put(
                    change.stack(),
                    parser.parse(change.composeFile(), change.compose(), change.variables(), change.files(), null));
        } catch (BerthException e) {
            spec.commandLine()
                    .getErr()
                    .println("berth: stack " + change.stack() + ": its last good revision cannot be read here ("
                            + e.getMessage() + "); missing and stray containers are not checked");
        }
    }

    /** One row per stack that has a history, containers, or both; live is null when the engine was not read. */
    static List<Row> rows(List<StackHistory> histories, @Nullable Map<StackRef, StackHealth> live) {
        Map<String, Row> rows = new TreeMap<>();
        for (StackHistory h : histories) {
            StackHealth health = live == null ? null : live.get(h.stack());
            rows.put(h.stack().key(), new Row(h.stack(), h, health, live != null));
        }
        if (live != null) {
            live.forEach((stack, health) -> rows.putIfAbsent(stack.key(), new Row(stack, null, health, true)));
        }
        return List.copyOf(rows.values());
    }

    static String table(List<Row> rows, Instant now) {
        String format = "%-12s %-20s %-9s %-15s %-24s %s%n";
        StringBuilder text = new StringBuilder();
        text.append(String.format(format, "ENVIRONMENT", "STACK", "REVISION", "HEALTH", "LAST DEPLOYMENT", "AGE"));
        for (Row row : rows) {
            StackHistory.Revision last = row.last();
            text.append(String.format(
                    format,
                    row.stack().environment(),
                    row.stack().name(),
                    row.revision(),
                    row.healthText(),
                    last == null
                            ? "-"
                            : last.status().name().toLowerCase(Locale.ROOT) + " " + shortSha(last.revision()),
                    last == null ? "-" : age(Duration.between(last.time(), now))));
        }
        return text.toString();
    }

    /** {@code 42s}, {@code 5m}, {@code 3h}, {@code 2d}, as kubectl and docker show ages. */
    static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 2 * 3600) {
            return s / 60 + "m";
        }
        if (s < 2 * 86400) {
            return s / 3600 + "h";
        }
        return s / 86400 + "d";
    }

    private static String shortSha(String sha) {
        return sha.length() > 7 ? sha.substring(0, 7) : sha;
    }
}
