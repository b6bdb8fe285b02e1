package dev.berth.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.StackChanged;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.deployer.KafkaStackHistoryStore;
import dev.berth.deployer.StackDiff;
import dev.berth.deployer.StackHealth;
import dev.berth.deployer.StackHistory;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth diff <env/stack>}: what applying the next revision would change, service by service. */
@Command(
        name = "diff",
        mixinStandardHelpOptions = true,
        description = {
            "Show what applying a stack's next revision would change on the Docker Engine, service by service:"
                    + " create, recreate (with the fields and files that changed), scale, remove, unchanged.",
            "What runs is read from the containers' labels and the desired state the deployer kept in"
                    + " berth.state; the next revision is the stack in --repo's work tree (a change not yet"
                    + " committed), else the newest revision in the stack's history.",
            "Exit codes: 0 shown, 1 Kafka or the engine cannot be read or the stack is invalid, 2 bad usage,"
                    + " 3 with --exit-code when applying would change something."
        })
final class DiffCommand implements Callable<Integer> {
    /** The exit code of {@code --exit-code} when there are changes. */
    static final int EXIT_CHANGES = 3;

    @Parameters(index = "0", paramLabel = "<env/stack>", description = "The stack, such as dev/shop.")
    String stack = "";

    @Option(
            names = "--repo",
            paramLabel = "<dir>",
            description = "Compare with the stack in this config repository's work tree.")
    @Nullable
    Path repository;

    @Option(
            names = "--stacks-path",
            defaultValue = "stacks",
            paramLabel = "<path>",
            description = "Where the stacks are in --repo (default: ${DEFAULT-VALUE}).")
    String stacksPath = "stacks";

    @Option(
            names = "--docker-host",
            paramLabel = "<url>",
            description = "The Docker Engine the stack runs on (default: $DOCKER_HOST, else the local socket).")
    @Nullable
    String dockerHost;

    @Mixin
    OutputOptions output = new OutputOptions();

    @Option(names = "--exit-code", description = "Exit with " + EXIT_CHANGES + " when applying would change something.")
    boolean exitCode;

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        StackRef ref = KafkaOptions.stack(stack);
        if (repository != null && !Files.isDirectory(repository)) {
            throw new Berth.UsageException(
                    "--repo " + repository + " is not a directory: give a config repository's" + " work tree");
        }
        ComposeParser parser = new ComposeParser(policyOptions.policy());
        EventCodec codec = new EventCodec();
        StackHealth live = StackHealth.read(dockerHost != null ? dockerHost : System.getenv("DOCKER_HOST"))
                .get(ref);
        Map<String, Integer> running = live == null ? Map.of() : live.services();
        String from = live == null || live.revisions().isEmpty()
                ? null
                : live.revisions().last();
        StackDiff diff;
        try (KafkaStackHistoryStore store = new KafkaStackHistoryStore(
                new KafkaStateStore(kafka.connect(), "berth-cli-" + UUID.randomUUID()), codec)) {
            store.refresh();
            StackHistory history = store.history(ref);
            if (live != null && live.revisions().size() > 1 && history.lastGood() != null) {
                from = live.revisions().contains(history.lastGood()) ? history.lastGood() : from;
            }
            StackDiff.Side current = from == null
                    ? null
                    : store.desired(ref, from).map(c -> side(parser, c)).orElse(null);
            String to;
            StackDiff.Side next;
            if (repository != null) {
                to = "the work tree of " + repository;
                next = workTree(parser, ref);
            } else {
                StackChanged newest = history.revisions().stream()
                        .map(r -> store.desired(ref, r.revision()))
                        .flatMap(Optional::stream)
                        .findFirst()
                        .orElseThrow(() -> new BerthException("stack " + ref + " has no revision in berth.state to"
                                + " compare with: give --repo a config repository's work tree"));
                to = newest.commit().sha();
                next = side(parser, newest);
            }
            diff = StackDiff.compute(ref, from, to, current, next, running, codec.json());
        }
        print(diff, codec.json());
        return exitCode && diff.hasChanges() ? EXIT_CHANGES : 0;
    }

    private static StackDiff.Side side(ComposeParser parser, StackChanged change) {
        ComposeStack compose =
                parser.parse(change.composeFile(), change.compose(), change.variables(), change.files(), null);
        Map<String, byte[]> files = new TreeMap<>();
        StackFiles stackFiles = change.files();
        stackFiles.paths().forEach(p -> files.put(p, stackFiles.bytes(p).orElseThrow()));
        return new StackDiff.Side(compose, files);
    }

    private StackDiff.Side workTree(ComposeParser parser, StackRef ref) {
        WorkTreeFiles files = new WorkTreeFiles(repository);
        String directory = (stacksPath.isEmpty() ? "" : stacksPath + "/") + ref.name();
        ComposeStack compose;
        try {
            compose = files.parseStack(parser, directory)
                    .orElseThrow(() -> new Berth.UsageException(repository.resolve(directory)
                            + " has no compose file: give --repo the config repository and --stacks-path the"
                            + " directory of its stacks"));
        } catch (ComposeException e) {
            throw new BerthException("the stack in the work tree is not valid: " + e.getMessage());
        }
        List<String> roots = new ArrayList<>();
        roots.add(directory);
        roots.addAll(compose.usedPaths());
        return new StackDiff.Side(compose, files.regularFiles(roots));
    }

    private void print(StackDiff diff, ObjectMapper json) {
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, json, diff, "the diff");
        } else {
            out.print(text(diff));
        }
        out.flush();
    }

    static String text(StackDiff diff) {
        StringBuilder text = new StringBuilder();
        text.append(diff.stack())
                .append(": ")
                .append(diff.from() == null ? "nothing runs" : shortSha(diff.from()) + " runs")
                .append(", compared with ")
                .append(shortSha(diff.to()))
                .append(System.lineSeparator());
        for (StackDiff.ServiceChange change : diff.services()) {
            String mark = switch (change.action()) {
                case CREATE -> "+";
                case REMOVE -> "-";
                case RECREATE -> "~";
                case SCALE -> "^";
                case UNCHANGED -> "=";
            };
            String action = change.action().name().toLowerCase(Locale.ROOT);
            String counts = change.action() == StackDiff.Action.UNCHANGED
                    ? change.running() + " running"
                    : change.running() + " -> " + change.replicas() + " container"
                            + (change.replicas() == 1 ? "" : "s");
            text.append(String.format("%s %-20s %-9s %s%n", mark, change.service(), action, counts));
            change.details().forEach(d -> text.append("      ").append(d).append(System.lineSeparator()));
        }
        if (!diff.hasChanges()) {
            text.append("no changes").append(System.lineSeparator());
        }
        return text.toString();
    }

    private static String shortSha(String revision) {
        return revision.matches("[0-9a-f]{40}") ? revision.substring(0, 7) : revision;
    }
}
