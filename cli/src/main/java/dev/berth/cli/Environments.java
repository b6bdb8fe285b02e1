package dev.berth.cli;

import dev.berth.cli.EnvironmentFile.Channel;
import dev.berth.cli.EnvironmentFile.Credentials;
import dev.berth.cli.EnvironmentFile.Route;
import dev.berth.cli.EnvironmentFile.Value;
import dev.berth.common.BerthException;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.HostVariables;
import dev.berth.deployer.DeployerConfig;
import dev.berth.notifier.ChannelConfig;
import dev.berth.notifier.NotifierConfig;
import dev.berth.notifier.RouteConfig;
import dev.berth.watcher.GitCredentials;
import dev.berth.watcher.WatcherConfig;
import dev.berth.watcher.WebhookConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The environments {@code berth run} and the service commands ({@code berth watcher|deployer|notifier})
 * run: read from environment files ({@code --environments}, {@code --environment-file}) or made of flags
 * alone, and turned into each component's config record. The composition root's mapping; stateless.
 */
final class Environments {
    private Environments() {}

    /**
     * One environment as the pipeline runs it: one watcher and one deployer worker of its own.
     *
     * @param file the environment file it came from; null when it is made of flags
     */
    record Run(
            WatcherConfig watcher,
            DeployerConfig deployer,
            @Nullable Path file) {
        Run {
            Objects.requireNonNull(watcher, "watcher");
            Objects.requireNonNull(deployer, "deployer");
        }

        String name() {
            return watcher.environment();
        }
    }

    /**
     * The values {@code berth run}'s flags give for every environment file: a flag given on the command
     * line wins over the file's value; null (or empty) when the flag was not given.
     *
     * @param allow allowances added to each file's {@code deploy.allow}
     * @param adopt {@code --adopt}: adoption for every environment, whatever its {@code deploy.adopt}
     */
    record Overrides(
            @Nullable String repository,
            @Nullable String branch,
            @Nullable Duration pollInterval,
            @Nullable String dockerHost,
            @Nullable Duration healthTimeout,
            List<String> allow,
            boolean adopt) {
        static final Overrides NONE = new Overrides(null, null, null, null, null, List.of(), false);

        Overrides {
            allow = List.copyOf(allow);
        }

        /** Overrides that leave {@code deploy.adopt} as the file says. */
        Overrides(
                @Nullable String repository,
                @Nullable String branch,
                @Nullable Duration pollInterval,
                @Nullable String dockerHost,
                @Nullable Duration healthTimeout,
                List<String> allow) {
            this(repository, branch, pollInterval, dockerHost, healthTimeout, allow, false);
        }
    }

    /** The environment files of a directory: every {@code *.yaml} and {@code *.yml} in it, by name. */
    static List<Path> list(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new Berth.UsageException(directory + " is not a directory: give --environments the directory of"
                    + " environment files (<name>.yaml), such as environments");
        }
        try (Stream<Path> files = Files.list(directory)) {
            List<Path> found = files.filter(Files::isRegularFile)
                    .filter(f -> EnvironmentFileReader.EXTENSIONS.stream()
                            .anyMatch(x -> f.getFileName().toString().endsWith(x)))
                    .sorted()
                    .toList();
            if (found.isEmpty()) {
                throw new Berth.UsageException(directory + " holds no environment file: add <name>.yaml files, such"
                        + " as dev.yaml (see docs/environments.md)");
            }
            return found;
        } catch (IOException e) {
            throw new Berth.UsageException("could not list " + directory + ": " + e.getMessage());
        }
    }

    /** Every file {@code --environments} and {@code --environment-file} name, the directory's first. */
    static List<Path> paths(@Nullable Path directory, List<Path> files) {
        List<Path> all = new ArrayList<>();
        if (directory != null) {
            all.addAll(list(directory));
        }
        all.addAll(files);
        return all;
    }

    /**
     * Reads environment files; the first problem stops it.
     *
     * @throws Berth.UsageException with the file, line, column and key of the first problem, or naming two
     *     files of the same environment
     */
    static List<EnvironmentFile> read(List<Path> paths) {
        List<EnvironmentFile> result = new ArrayList<>();
        for (Path path : paths) {
            try {
                result.add(EnvironmentFileReader.read(path));
            } catch (ComposeException e) {
                throw new Berth.UsageException(e.getMessage());
            }
        }
        requireDistinct(result);
        return result;
    }

    /** Refuses two files for one environment (dev.yaml and dev.yml, or a file given twice). */
    static void requireDistinct(List<EnvironmentFile> files) {
        Map<String, Path> seen = new LinkedHashMap<>();
        for (EnvironmentFile file : files) {
            Path earlier = seen.putIfAbsent(file.name(), file.file());
            if (earlier != null) {
                throw new Berth.UsageException("environment " + file.name() + " is declared twice, in " + earlier
                        + " and " + file.file() + ": keep one file per environment");
            }
        }
    }

    /**
     * The environment {@code berth run} makes of its flags alone, exactly as before environment files:
     * mirrors under {@code dataDir}, the deployer group {@code berth-deployer-<environment>}.
     */
    static Run fromFlags(
            String repository,
            String branch,
            String environment,
            Duration pollInterval,
            Path dataDir,
            ComposePolicy policy,
            @Nullable WebhookConfig webhook,
            @Nullable String dockerHost,
            Duration healthTimeout,
            HostVariables hostVariables,
            Path workDir) {
        try {
            WatcherConfig watcher = new WatcherConfig(
                    repository,
                    branch,
                    environment,
                    pollInterval,
                    dataDir,
                    WatcherConfig.DEFAULT_STACKS_PATH,
                    policy,
                    webhook);
            DeployerConfig deployer = DeployerConfig.defaults()
                    .withEnvironment(environment)
                    .withDockerHost(dockerHost)
                    .withHealthTimeout(healthTimeout)
                    .withPolicy(policy)
                    .withHostVariables(hostVariables)
                    .withWorkDir(workDir);
            return new Run(watcher, deployer, null);
        } catch (BerthException e) {
            throw new Berth.UsageException(e.getMessage());
        }
    }

    /**
     * The environment an environment file describes, with the flags' overrides and its secrets read.
     *
     * @param defaultDockerHost the engine when neither the file nor {@code --docker-host} names one
     *     ({@code $DOCKER_HOST}); null for the local socket
     * @param webhook push webhooks for this environment's watcher; null for none
     * @throws Berth.UsageException naming the file and key of a value that does not hold (a secret that
     *     is not set, an unreadable key file, a branch the watcher refuses)
     */
    static Run fromFile(
            EnvironmentFile file,
            Overrides overrides,
            Path dataDir,
            @Nullable String defaultDockerHost,
            Duration defaultHealthTimeout,
            HostVariables hostVariables,
            Path workDir,
            @Nullable WebhookConfig webhook) {
        return new Run(
                watcher(file, overrides, dataDir, hostVariables, webhook),
                deployer(file, overrides, defaultDockerHost, defaultHealthTimeout, hostVariables, workDir),
                file.file());
    }

    /**
     * The watcher of the environment an environment file describes, with the flags' overrides and its
     * git credentials read (the only secrets a watcher needs).
     *
     * @param webhook push webhooks for this environment's watcher; null for none
     * @throws Berth.UsageException naming the file and key of a value that does not hold (a secret that
     *     is not set, an unreadable key file, a branch the watcher refuses)
     */
    static WatcherConfig watcher(
            EnvironmentFile file,
            Overrides overrides,
            Path dataDir,
            HostVariables hostVariables,
            @Nullable WebhookConfig webhook) {
        EnvironmentFile.Source source = file.source();
        try {
            return new WatcherConfig(
                            first(overrides.repository(), source.repository(), source.repository()),
                            first(overrides.branch(), source.branch(), source.branch()),
                            file.name(),
                            first(overrides.pollInterval(), source.pollInterval(), source.pollInterval()),
                            dataDir,
                            source.stacksPath(),
                            policy(file, overrides),
                            webhook)
                    .withCredentials(credentials(file, dataDir, hostVariables))
                    .withVariables(file.variables());
        } catch (Berth.UsageException e) {
            throw e;
        } catch (BerthException e) {
            throw new Berth.UsageException(file.file() + ": " + e.getMessage());
        }
    }

    /**
     * The deployer worker of the environment an environment file describes, with the flags' overrides.
     *
     * @param defaultDockerHost the engine when neither the file nor {@code --docker-host} names one
     *     ({@code $DOCKER_HOST}); null for the local socket
     * @param workDir where the deployer writes each revision's stack files
     */
    static DeployerConfig deployer(
            EnvironmentFile file,
            Overrides overrides,
            @Nullable String defaultDockerHost,
            Duration defaultHealthTimeout,
            HostVariables hostVariables,
            Path workDir) {
        String dockerHost = overrides.dockerHost() != null
                ? overrides.dockerHost()
                : file.docker().host() != null ? file.docker().host() : defaultDockerHost;
        Duration healthTimeout = first(overrides.healthTimeout(), file.deploy().healthTimeout(), defaultHealthTimeout);
        try {
            return DeployerConfig.defaults()
                    .withEnvironment(file.name())
                    .withDockerHost(dockerHost)
                    .withHealthTimeout(healthTimeout)
                    .withPolicy(policy(file, overrides))
                    .withHostVariables(hostVariables)
                    .withWorkDir(workDir)
                    .withUpdateDefaults(file.deploy().updateDefaults())
                    .withAdopt(file.deploy().adopt() || overrides.adopt());
        } catch (BerthException e) {
            throw new Berth.UsageException(file.file() + ": " + e.getMessage());
        }
    }

    /** The file's {@code deploy.allow} and the flags' {@code --allow}: watcher and deployer check the same. */
    private static ComposePolicy policy(EnvironmentFile file, Overrides overrides) {
        List<String> allow = new ArrayList<>(file.deploy().allow());
        allow.addAll(overrides.allow());
        return ComposePolicy.parse(allow);
    }

    /**
     * The environments a service process serves: those named (in the files' order), or every one when
     * none is named.
     *
     * @param option the option that names them, for messages
     * @throws Berth.UsageException naming an environment no file declares, with those that are
     */
    static List<EnvironmentFile> select(List<EnvironmentFile> files, List<String> names, String option) {
        if (names.isEmpty()) {
            return files;
        }
        List<String> declared = files.stream().map(EnvironmentFile::name).toList();
        for (String name : names) {
            if (!declared.contains(name)) {
                throw new Berth.UsageException(option + " " + name + ": no environment file declares " + name
                        + " (the files declare " + describe(files) + "): give one of " + String.join(", ", declared)
                        + ", or add " + name + ".yaml to the environment files");
            }
        }
        return files.stream().filter(f -> names.contains(f.name())).toList();
    }

    /** {@code dev (environments/dev.yaml), prod (environments/prod.yaml)}. */
    static String describe(List<EnvironmentFile> files) {
        return String.join(
                ", ", files.stream().map(f -> f.name() + " (" + f.file() + ")").toList());
    }

    private static GitCredentials credentials(EnvironmentFile file, Path dataDir, HostVariables host) {
        Credentials credentials = file.source().credentials();
        if (credentials instanceof Credentials.Token token) {
            String value = token.token().resolve(host);
            return token.username() == null
                    ? GitCredentials.token(value)
                    : GitCredentials.token(token.username(), value);
        }
        if (credentials instanceof Credentials.UserPassword user) {
            return GitCredentials.userPassword(user.username(), user.password().resolve(host));
        }
        if (credentials instanceof Credentials.SshKey ssh) {
            Path knownHosts = ssh.knownHosts().toAbsolutePath();
            if (!Files.isRegularFile(knownHosts)) {
                throw new Berth.UsageException(file.file() + ": source.credentials.known_hosts: " + knownHosts
                        + " is not a file: give the known_hosts file that lists the git server's host key (ssh-keyscan"
                        + " writes one)");
            }
            String passphrase =
                    ssh.passphrase() == null ? null : ssh.passphrase().resolve(host);
            return GitCredentials.sshKey(sshKey(file.name(), ssh.key(), dataDir, host), passphrase, knownHosts);
        }
        return GitCredentials.none();
    }

    /** The key's file: the one named, or the secret's value written to a file only Berth's user reads. */
    private static Path sshKey(String environment, SecretRef key, Path dataDir, HostVariables host) {
        Path named = key.file();
        if (named != null) {
            Path path = named.toAbsolutePath();
            if (!Files.isRegularFile(path)) {
                throw new Berth.UsageException(key.where() + ": " + path
                        + " is not a file: give the private key's path, or {secret: NAME} holding the key");
            }
            return path;
        }
        String value = key.resolve(host);
        Path directory = dataDir.resolve("credentials").resolve(environment);
        Path path = directory.resolve("ssh_key");
        try {
            Files.createDirectories(directory);
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
            Files.deleteIfExists(path);
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(path, value.endsWith("\n") ? value : value + "\n");
            return path;
        } catch (IOException | UnsupportedOperationException e) {
            throw new Berth.UsageException(key.where() + ": could not write the key to " + path + " ("
                    + e.getClass().getSimpleName() + "): choose a --data-dir Berth may write");
        }
    }

    /**
     * The notifier's channels and routes from every environment file: each channel is named {@code
     * <environment>.<channel>} and each route {@code <environment>.<route>}, taking that environment's
     * events only, so two files may use the same names. The {@code --webhook} and {@code --slack-webhook}
     * flags add their catch-all channels for every environment.
     */
    static NotifierConfig notifier(
            List<EnvironmentFile> files, HostVariables host, List<URI> webhooks, List<URI> slackWebhooks) {
        List<ChannelConfig> channels = new ArrayList<>();
        List<RouteConfig> routes = new ArrayList<>();
        for (EnvironmentFile file : files) {
            String env = file.name();
            for (Channel channel : file.notifications().channels().values()) {
                channels.add(channel(env, channel, host));
            }
            for (Route route : file.notifications().routes()) {
                try {
                    routes.add(new RouteConfig(
                            env + "." + route.name(),
                            Set.of(env),
                            route.events(),
                            route.minSeverity(),
                            route.channels().stream().map(c -> env + "." + c).toList(),
                            route.template()));
                } catch (BerthException e) {
                    throw new Berth.UsageException(route.where() + ": " + e.getMessage());
                }
            }
        }
        try {
            return NotifierConfig.defaults()
                    .withChannelsAndRoutes(channels, routes)
                    .withWebhooks(webhooks)
                    .withSlackWebhooks(slackWebhooks);
        } catch (BerthException e) {
            throw new Berth.UsageException(e.getMessage());
        }
    }

    private static ChannelConfig channel(String environment, Channel channel, HostVariables host) {
        URI url = url(channel, host);
        Map<String, String> headers = new LinkedHashMap<>();
        channel.headers().forEach((k, v) -> headers.put(k, value(v, host)));
        String secret =
                channel.signingSecret() == null ? null : channel.signingSecret().resolve(host);
        try {
            return new ChannelConfig(environment + "." + channel.name(), channel.type(), url, secret, headers);
        } catch (BerthException e) {
            throw new Berth.UsageException(channel.where() + ": " + e.getMessage());
        }
    }

    private static URI url(Channel channel, HostVariables host) {
        String text = value(channel.url(), host);
        try {
            return new URI(text.strip());
        } catch (URISyntaxException e) {
            // The URL may be a secret: say where it came from, never what it is.
            throw new Berth.UsageException(channel.where() + ".url: "
                    + (channel.url() instanceof Value.Secret s ? "the value of " + s.ref() : "the value")
                    + " is not a URL: write it like https://hooks.example.com/berth");
        }
    }

    private static String value(Value value, HostVariables host) {
        return value instanceof Value.Secret secret ? secret.ref().resolve(host) : ((Value.Plain) value).value();
    }

    @SafeVarargs
    private static <T> T first(@Nullable T... values) {
        for (T value : values) {
            if (value != null) {
                return value;
            }
        }
        throw new IllegalArgumentException("no value");
    }
}
