package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposeFiles;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ContainerNames;
import dev.berth.common.compose.DotEnv;
import dev.berth.common.compose.PortMapping;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.common.compose.UpdatePolicy;
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
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
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
            "With --environments (or --environment-file), it checks each environment file too (every key, with"
                    + " file:line:column errors; secrets are not read), then the stacks of each environment whose"
                    + " stacks_path is in this work tree, with that environment's variables, update defaults and"
                    + " deploy.allow.",
            "Exit codes: 0 when every environment file and stack is valid, 1 when one is not, 2 for bad usage."
        })
final class ValidateCommand implements Callable<Integer> {
    /** How messages name the engine of an environment that names none. */
    private static final String LOCAL = "the local engine";

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

    @Option(
            names = "--environments",
            paramLabel = "<dir>",
            description =
                    "Check every environment file (<name>.yaml) of this directory, and each environment's stacks.")
    @Nullable
    Path environmentsDir;

    @Option(
            names = "--environment-file",
            paramLabel = "<file>",
            description = "Check this environment file and its environment's stacks (repeatable).")
    List<Path> environmentFiles = new ArrayList<>();

    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Spec
    CommandSpec spec;

    /** What the stack being checked uses that Compose ignores on one engine: printed after its ok line. */
    private final List<String> warnings = new ArrayList<>();

    /** A host port a stack publishes. */
    private record Published(String stack, String composeFile, String service, PortMapping port) {}

    /**
     * A {@code container_name} a stack asks for.
     *
     * @param stack {@code <stack>}, or {@code <environment>/<stack>} with environment files
     * @param engine the Docker endpoint the stack deploys to ({@code the local engine} when the file names none)
     */
    private record Named(String stack, String engine, String composeFile, String service, String name) {}

    /** The container names of every stack checked, across environments. */
    private final List<Named> names = new ArrayList<>();

    /** What checking a set of stacks found. */
    private record Outcome(int valid, int invalid, int conflicts) {
        boolean ok() {
            return invalid == 0 && conflicts == 0;
        }
    }

    @Override
    public Integer call() throws IOException {
        Path root = repository.toAbsolutePath().normalize();
        PrintWriter out = spec.commandLine().getOut();
        if (environmentsDir == null && environmentFiles.isEmpty()) {
            Path stacks = root.resolve(stacksPath);
            if (!Files.isDirectory(stacks)) {
                throw new Berth.UsageException(stacks + " is not a directory: give the config repository's path, and"
                        + " --stacks-path if its stacks are not under stacks/");
            }
            Outcome outcome =
                    stacks(root, stacksPath, policyOptions.policy(), Map.of(), UpdatePolicy.DEFAULT, "", LOCAL, out);
            summary(outcome, out);
            int clashes = nameClashes(out);
            return outcome.ok() && clashes == 0 ? 0 : Berth.EXIT_FAILURE;
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--stacks-path")) {
            throw new Berth.UsageException(
                    "--stacks-path is for a repository without environment files: each environment file names its"
                            + " source.stacks_path");
        }
        policyOptions.policy();
        List<EnvironmentFile> files = new ArrayList<>();
        int badFiles = 0;
        for (Path path : Environments.paths(environmentsDir, environmentFiles)) {
            try {
                EnvironmentFile file = EnvironmentFileReader.read(path);
                out.printf(
                        "ok %s (environment %s: %s, branch %s, stacks in %s/)%n",
                        path,
                        file.name(),
                        file.source().repository(),
                        file.source().branch(),
                        file.source().stacksPath().isEmpty()
                                ? "."
                                : file.source().stacksPath());
                files.add(file);
            } catch (ComposeException e) {
                badFiles++;
                out.println(e.getMessage());
            } catch (RuntimeException | StackOverflowError e) {
                badFiles++;
                out.println(path + ": Berth could not check this environment file (" + e
                        + "): simplify it, and report it as a bug");
            }
        }
        try {
            Environments.requireDistinct(files);
        } catch (Berth.UsageException e) {
            badFiles++;
            out.println(e.getMessage());
        }
        boolean ok = badFiles == 0;
        int checked = 0;
        for (EnvironmentFile file : files) {
            String path = file.source().stacksPath();
            if (!Files.isDirectory(root.resolve(path.isEmpty() ? "." : path))) {
                out.printf(
                        "environment %s: %s/ is not in %s, so its stacks are not checked here: give the work tree of"
                                + " its branch %s%n",
                        file.name(), path, root, file.source().branch());
                continue;
            }
            checked++;
            out.printf("environment %s: stacks in %s/%n", file.name(), path.isEmpty() ? "." : path);
            List<String> allow = new ArrayList<>(file.deploy().allow());
            allow.addAll(policyOptions.allowances);
            Outcome outcome = stacks(
                    root,
                    path,
                    ComposePolicy.parse(allow),
                    file.variables(),
                    file.deploy().updateDefaults(),
                    file.name() + "/",
                    file.docker().host() == null ? LOCAL : file.docker().host(),
                    out);
            ok &= outcome.ok();
            summary(outcome, out);
        }
        ok &= nameClashes(out) == 0;
        out.printf(
                "%d environment file%s, %d invalid; stacks of %d environment%s checked%n",
                files.size() + badFiles,
                files.size() + badFiles == 1 ? "" : "s",
                badFiles,
                checked,
                checked == 1 ? "" : "s");
        return ok ? 0 : Berth.EXIT_FAILURE;
    }

    private static void summary(Outcome outcome, PrintWriter out) {
        out.printf(
                "%d valid, %d invalid stack%s%s%n",
                outcome.valid(),
                outcome.invalid(),
                outcome.invalid() == 1 ? "" : "s",
                outcome.conflicts() == 0
                        ? ""
                        : ", " + outcome.conflicts() + " host port" + (outcome.conflicts() == 1 ? "" : "s")
                                + " published twice");
    }

    /** Checks every stack under {@code stacksPath} as the watcher of one environment would. */
    private Outcome stacks(
            Path root,
            String stacksPath,
            ComposePolicy policy,
            Map<String, String> environmentVariables,
            UpdatePolicy updateDefaults,
            String environment,
            String engine,
            PrintWriter out)
            throws IOException {
        ComposeParser parser = new ComposeParser(policy, updateDefaults, warnings::add);
        Path stacks = root.resolve(stacksPath.isEmpty() ? "." : stacksPath);
        WorkTreeFiles files = new WorkTreeFiles(root);
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
            warnings.clear();
            try {
                Optional<Read> read = check(parser, files, name, relative, environmentVariables, published, out);
                if (read.isPresent()) {
                    names.addAll(named(read.get(), environment + name, engine));
                    valid++;
                }
            } catch (ComposeException e) {
                invalid++;
                out.println(e.getMessage());
            } catch (BerthException e) {
                invalid++;
                out.println(relative + ": " + e.getMessage());
            } catch (RuntimeException | StackOverflowError e) {
                // A fault of Berth's own on one stack: said for that stack, and the others are checked.
                invalid++;
                out.println(relative + ": Berth could not check this stack (" + e
                        + "): simplify its files, and report it as a bug");
            }
        }
        List<String> conflicts = conflicts(published);
        conflicts.forEach(out::println);
        return new Outcome(valid, invalid, conflicts.size());
    }

    /**
     * Checks one stack directory, printing its line and adding the host ports it publishes.
     *
     * @return the stack with the compose file it was read from; empty when the directory has no compose
     *     file (not a stack)
     * @throws ComposeException when the stack is not valid
     */
    private Optional<Read> check(
            ComposeParser parser,
            WorkTreeFiles files,
            String name,
            String relative,
            Map<String, String> environmentVariables,
            List<Published> published,
            PrintWriter out) {
        ComposeFiles.requireNoSymlink(files, relative);
        Optional<String> composeFile = ComposeFiles.NAMES.stream()
                .map(n -> relative + "/" + n)
                .filter(files::isFile)
                .findFirst();
        if (composeFile.isEmpty()) {
            return Optional.empty();
        }
        StackRef.requireName("stack", name);
        ComposeStack stack = parse(parser, files, relative, composeFile.get(), environmentVariables);
        out.printf(
                "ok %s (%d service%s)%n",
                composeFile.get(), stack.services().size(), stack.services().size() == 1 ? "" : "s");
        if (!stack.hostVariables().isEmpty()) {
            out.printf("   left to the deployer's host: %s%n", String.join(", ", stack.hostVariables()));
        }
        warnings.forEach(warning -> out.printf("   warning: %s%n", warning));
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
        return Optional.of(new Read(stack, composeFile.get()));
    }

    /** A valid stack and its compose file. */
    private record Read(ComposeStack stack, String composeFile) {}

    /** The container names a stack asks for (by services that run). */
    private static List<Named> named(Read read, String stack, String engine) {
        List<Named> result = new ArrayList<>();
        for (ServiceSpec service : read.stack().services()) {
            // A name of host variables is empty here, as in the watcher: the deployer checks it on its host.
            String name = service.containerName();
            if (name != null
                    && service.replicas() > 0
                    && ContainerNames.DOCKER_NAME.matcher(name).matches()) {
                result.add(new Named(stack, engine, read.composeFile(), service.name(), name));
            }
        }
        return result;
    }

    /**
     * Prints one line per container name that two stacks deploying to one engine ask for (across
     * environments on the same engine), naming both stacks and files; returns how many.
     */
    private int nameClashes(PrintWriter out) {
        int clashes = 0;
        for (int i = 0; i < names.size(); i++) {
            Named later = names.get(i);
            for (int j = 0; j < i; j++) {
                Named earlier = names.get(j);
                if (earlier.name().equals(later.name())
                        && earlier.engine().equals(later.engine())
                        && !earlier.stack().equals(later.stack())) {
                    out.println(later.composeFile() + ": stack " + later.stack() + ": service \"" + later.service()
                            + "\" has container_name \"" + later.name() + "\", already the container_name of stack "
                            + earlier.stack() + " (service \"" + earlier.service() + "\" in " + earlier.composeFile()
                            + "); both deploy to " + earlier.engine() + ", where two stacks cannot share a container"
                            + " name: give one of them another container_name");
                    clashes++;
                    break;
                }
            }
        }
        if (clashes > 0) {
            out.printf("%d container name%s asked for by two stacks%n", clashes, clashes == 1 ? "" : "s");
        }
        return clashes;
    }

    private ComposeStack parse(
            ComposeParser parser,
            WorkTreeFiles files,
            String directory,
            String composeFile,
            Map<String, String> environmentVariables) {
        String text = files.text(composeFile).orElseThrow();
        String envFile = directory + "/" + DotEnv.FILE_NAME;
        Optional<String> env = files.text(envFile);
        Map<String, String> variables = new TreeMap<>(env.isPresent() ? DotEnv.parse(envFile, env.get()) : Map.of());
        // As the watcher: the environment's variables win over the stack's .env.
        variables.putAll(environmentVariables);
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
