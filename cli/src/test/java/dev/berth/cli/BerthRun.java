package dev.berth.cli;

import dev.berth.testkit.DockerFixture;
import dev.berth.testkit.GitRepos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What a test of the packaged {@code berth run} needs: a fresh config repository, a data directory and the
 * local engine, for one environment. It owns the processes it starts and the stacks it is told about, and
 * {@link #close()} stops the processes and removes the stacks' containers, the repository and the data
 * directory.
 */
final class BerthRun implements AutoCloseable {
    final String environment;
    final GitRepos repo;
    final Path dataDir;
    final DockerFixture docker = new DockerFixture();
    private final List<BerthProcess> processes = new ArrayList<>();
    private final Set<String> stacks = new LinkedHashSet<>();

    private BerthRun(String environment, GitRepos repo, Path dataDir) {
        this.environment = environment;
        this.repo = repo;
        this.dataDir = dataDir;
    }

    static BerthRun create(String environment) throws IOException {
        return new BerthRun(environment, GitRepos.create(), Files.createTempDirectory("berth-" + environment + "-"));
    }

    /** The key {@code <environment>/<name>} of a stack the test deploys; its containers go at {@link #close()}. */
    String stack(String name) {
        String key = environment + "/" + name;
        stacks.add(key);
        return key;
    }

    /**
     * {@code berth run} on the repository and data directory, polling every second, its ops port chosen
     * by the system, with {@code extra} flags after those.
     */
    BerthProcess run(Map<String, String> processEnvironment, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "run",
                "--repo",
                repo.path().toString(),
                "--environment",
                environment,
                "--poll-interval",
                "1s",
                "--data-dir",
                dataDir.toString(),
                "--ops-port",
                "0"));
        args.addAll(List.of(extra));
        return start(processEnvironment, args.toArray(String[]::new));
    }

    BerthProcess run(String... extra) throws IOException {
        return run(Map.of(), extra);
    }

    /** Any command of the jar, stopped at {@link #close()}. */
    BerthProcess start(Map<String, String> processEnvironment, String... args) throws IOException {
        BerthProcess berth = BerthProcess.start(processEnvironment, args);
        processes.add(berth);
        return berth;
    }

    BerthProcess start(String... args) throws IOException {
        return start(Map.of(), args);
    }

    @Override
    public void close() throws Exception {
        for (BerthProcess p : processes) {
            p.close();
        }
        stacks.forEach(docker::removeStack);
        docker.close();
        repo.close();
        // Not Files.walk: what the containers wrote there may belong to other users.
        new ProcessBuilder("rm", "-rf", dataDir.toString()).start().waitFor(60, TimeUnit.SECONDS);
    }
}
