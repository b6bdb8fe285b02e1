package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposeFiles;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.DotEnv;
import dev.berth.common.compose.PortMapping;
import dev.berth.common.compose.ServiceSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code berth validate}: checks every stack of a config repository's work tree as the watcher
 * would, without Kafka or Docker, so a config repository's own CI can run it.
 */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Check every stack of a config repository as Berth's watcher would, printing file:line:column errors:"
                    + " compose files, the files they use (env_file, extends, bind mounts, build contexts, secrets,"
                    + " configs; never through a symbolic link, never outside the repository), the policy given"
                    + " with --allow, and host ports published by two stacks.",
            "Variables that neither the environment nor a stack's .env sets are left to the deployer's host,"
                    + " as the watcher does.",
            "Exit codes: 0 when every stack is valid, 1 when one is not, 2 for bad usage."
        })
final class ValidateCommand implements Callable<Integer> {
    /** Host addresses that mean every address: they collide with any other. */
    private static final Set<String> ANY_ADDRESS = Set.of("", "0.0.0.0", "::");

    @Parameters(index = "0", paramLabel = "<repo>", description = "The config repository's directory.")
    Path repository = Path.of(".");

    @Option(
            names = "--stacks-path",
            defaultValue = "stacks",
            paramLabel = "<path>",
            description = "Where the stacks are in the repository (default: ${DEFAULT-VALUE}).")
    String stacksPath = "stacks";

    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Spec
    CommandSpec spec;

    /** A host port a stack publishes. */
    private record Published(String stack, String composeFile, String service, PortMapping port) {}

    @Override
    public Integer call() throws IOException {
        ComposeParser parser = new ComposeParser(policyOptions.policy());
        Path root = repository.toAbsolutePath().normalize();
        Path stacks = root.resolve(stacksPath);
        if (!Files.isDirectory(stacks)) {
            throw new Berth.UsageException(
                    stacks + " is not a directory: give the config repository's path, and --stacks-path if its"
                            + " stacks are not under stacks/");
        }
        WorkTreeFiles files = new WorkTreeFiles(root);
        PrintWriter out = spec.commandLine().getOut();
        int valid = 0;
        int invalid = 0;
        List<Path> directories;
        try (Stream<Path> list = Files.list(stacks)) {
            directories = list.filter(d -> Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS))
                    .sorted()
                    .toList();
        }
        List<Published> published = new ArrayList<>();
        for (Path directory : directories) {
            String name = directory.getFileName().toString();
            String relative = root.relativize(directory).toString().replace('\\', '/');
            Optional<String> composeFile = ComposeFiles.NAMES.stream()
                    .map(n -> relative + "/" + n)
                    .filter(files::isFile)
                    .findFirst();
            if (composeFile.isEmpty()) {
                continue;
            }
            try {
                StackRef.requireName("stack", name);
                ComposeStack stack = parse(parser, files, relative, composeFile.get());
                out.printf(
                        "ok %s (%d service%s)%n",
                        composeFile.get(),
                        stack.services().size(),
                        stack.services().size() == 1 ? "" : "s");
                if (!stack.hostVariables().isEmpty()) {
                    out.printf("   left to the deployer's host: %s%n", String.join(", ", stack.hostVariables()));
                }
                valid++;
                for (ServiceSpec service : stack.services()) {
                    if (service.replicas() == 0) {
                        continue;
                    }
                    for (PortMapping port : service.ports()) {
                        if (port.hostPort() != null && port.hostPortEnd() == null) {
                            published.add(new Published(name, composeFile.get(), service.name(), port));
                        }
                    }
                }
            } catch (ComposeException e) {
                invalid++;
                out.println(e.getMessage());
            } catch (BerthException e) {
                invalid++;
                out.println(relative + ": " + e.getMessage());
            }
        }
        List<String> conflicts = conflicts(published);
        conflicts.forEach(out::println);
        out.printf(
                "%d valid, %d invalid stack%s%s%n",
                valid,
                invalid,
                invalid == 1 ? "" : "s",
                conflicts.isEmpty()
                        ? ""
                        : ", " + conflicts.size() + " host port" + (conflicts.size() == 1 ? "" : "s")
                                + " published twice");
        return invalid == 0 && conflicts.isEmpty() ? 0 : Berth.EXIT_FAILURE;
    }

    private ComposeStack parse(ComposeParser parser, WorkTreeFiles files, String directory, String composeFile) {
        String text = files.text(composeFile).orElseThrow();
        String envFile = directory + "/" + DotEnv.FILE_NAME;
        Optional<String> env = files.text(envFile);
        Map<String, String> variables = env.isPresent() ? DotEnv.parse(envFile, env.get()) : Map.of();
        return parser.parse(composeFile, text, variables, files, null);
    }

    /** One line per host port that two stacks publish, naming both. */
    private static List<String> conflicts(List<Published> published) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < published.size(); i++) {
            Published later = published.get(i);
            for (int j = 0; j < i; j++) {
                Published earlier = published.get(j);
                if (!earlier.stack().equals(later.stack()) && collide(earlier.port(), later.port())) {
                    lines.add(later.composeFile() + ": stack " + later.stack() + ": service \"" + later.service()
                            + "\" publishes host port " + describe(later.port()) + ", already published by stack "
                            + earlier.stack() + " (service \"" + earlier.service() + "\" in " + earlier.composeFile()
                            + "); give one of them another host port");
                    break;
                }
            }
        }
        return lines;
    }

    private static boolean collide(PortMapping a, PortMapping b) {
        return Objects.equals(a.hostPort(), b.hostPort())
                && a.protocol().equalsIgnoreCase(b.protocol())
                && (ANY_ADDRESS.contains(a.hostIp())
                        || ANY_ADDRESS.contains(b.hostIp())
                        || a.hostIp().equals(b.hostIp()));
    }

    private static String describe(PortMapping port) {
        String address = port.hostIp().isEmpty()
                ? ""
                : (port.hostIp().contains(":") ? "[" + port.hostIp() + "]" : port.hostIp()) + ":";
        return address + port.hostPort() + "/" + port.protocol().toLowerCase(Locale.ROOT);
    }
}
