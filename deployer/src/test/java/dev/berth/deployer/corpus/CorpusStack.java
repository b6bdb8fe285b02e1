package dev.berth.deployer.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.DotEnv;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.compose.StackFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One stack of the corpus: a directory {@code corpus/<name>/} with its compose file, the files it uses
 * and {@code expect.json}, what {@code docker inspect} must show once it runs. In the repository Berth
 * sees, the directory is {@code stacks/<name>/} and {@code corpus/shared/} is {@code shared/}.
 *
 * @param root the corpus directory, which holds {@code shared/} beside the stacks
 */
record CorpusStack(String name, Path root, JsonNode expect) {
    static final String EXPECT = "expect.json";
    static final String COMPOSE = "compose.yaml";
    static final String SHARED = "shared";

    Path dir() {
        return root.resolve(name);
    }

    /** The repository path of a file of the stack, such as {@code stacks/01-image-command/compose.yaml}. */
    String repoPath(String file) {
        return "stacks/" + name + "/" + file;
    }

    String composeFile() {
        return repoPath(COMPOSE);
    }

    String text(String file) {
        try {
            return Files.readString(dir().resolve(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The files the stack's change event carries: its directory (without expect.json) and {@code shared/}. */
    StackFiles files() {
        Map<String, byte[]> files = new TreeMap<>();
        add(files, dir(), "stacks/" + name + "/");
        add(files, root.resolve(SHARED), SHARED + "/");
        return new StackFiles(files);
    }

    private static void add(Map<String, byte[]> files, Path dir, String prefix) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                String relative = dir.relativize(file).toString().replace('\\', '/');
                if (!relative.equals(EXPECT)) {
                    files.put(prefix + relative, Files.readAllBytes(file));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stack's {@code .env}, then the environment's variables over it, as Compose lets the shell win. */
    Map<String, String> variables() {
        Map<String, String> variables = new LinkedHashMap<>();
        if (Files.exists(dir().resolve(DotEnv.FILE_NAME))) {
            variables.putAll(DotEnv.parse(repoPath(DotEnv.FILE_NAME), text(DotEnv.FILE_NAME)));
        }
        variables.putAll(environmentVariables());
        return variables;
    }

    /** The variables the environment sets ({@code variables} in expect.json). */
    Map<String, String> environmentVariables() {
        return strings(expect.path("variables"));
    }

    /** The deployer host's variables ({@code hostVariables}): secrets. */
    Map<String, String> hostVariableValues() {
        return strings(expect.path("hostVariables"));
    }

    HostVariables hostVariables() {
        return new HostVariables(hostVariableValues());
    }

    List<String> allowances() {
        List<String> list = new ArrayList<>();
        expect.path("policy").forEach(n -> list.add(n.asText()));
        return list;
    }

    ComposePolicy policy() {
        return ComposePolicy.parse(allowances());
    }

    List<String> features() {
        List<String> list = new ArrayList<>();
        expect.path("features").forEach(n -> list.add(n.asText()));
        return list;
    }

    /** Why the stack is only parsed on these machines, if it is. */
    Optional<String> deploySkip() {
        JsonNode skip = expect.path("deploy").path("skip");
        return skip.isMissingNode() ? Optional.empty() : Optional.of(skip.asText());
    }

    /** Empty when Compose v2, the reference {@link DifferentialIT} compares with, runs the file; otherwise why not. */
    Optional<String> composeRefusal() {
        JsonNode compose = expect.path("compose");
        return compose.path("runs").asBoolean(true)
                ? Optional.empty()
                : Optional.of(compose.path("reason").asText("Compose v2 cannot run it"));
    }

    List<String> preparedNetworks() {
        List<String> list = new ArrayList<>();
        expect.path("prepare").path("networks").forEach(n -> list.add(n.asText()));
        return list;
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> map = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    @Override
    public String toString() {
        return name;
    }
}
