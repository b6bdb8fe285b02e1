package dev.berth.watcher;

import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposePolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What one {@link Watcher} follows: a branch of a repository, the directory of stacks in it and the
 * environment those stacks belong to. Validated when built; immutable.
 *
 * @param repository a local path to a git repository, or its URL ({@code file://}, {@code http(s)://},
 *     {@code ssh://} or {@code user@host:path})
 * @param branch the branch to follow, such as {@code main}
 * @param environment the environment every stack of this source belongs to
 * @param pollInterval how often to fetch; at least {@link #MIN_POLL_INTERVAL}
 * @param dataDir Berth's data directory; mirrors live under {@code <dataDir>/mirrors/<environment>/}, the SSH client's home is {@code <dataDir>/ssh}
 * @param stacksPath the repository directory whose subdirectories are stacks, such as {@code stacks};
 *     {@code ""} for the repository root
 * @param policy what stacks may ask of the host; a stack that asks for more is published as invalid
 * @param webhook where to take push webhooks that make the watcher poll at once; null for none
 * @param credentials how to authenticate to the repository; {@link GitCredentials#none()} by default
 * @param retry backoff and error threshold for a remote that fails; {@link RetryPolicy#DEFAULT} by default
 * @param variables the environment's own variables (not secrets), interpolated into its stacks' compose
 *     files; they win over a stack's {@code .env}, as the shell does in Compose, and travel with each
 *     change to the deployer; empty by default
 */
public record WatcherConfig(
        String repository,
        String branch,
        String environment,
        Duration pollInterval,
        Path dataDir,
        String stacksPath,
        ComposePolicy policy,
        @Nullable WebhookConfig webhook,
        GitCredentials credentials,
        RetryPolicy retry,
        Map<String, String> variables) {
    public static final String DEFAULT_BRANCH = "main";
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(10);
    public static final Duration MIN_POLL_INTERVAL = Duration.ofSeconds(1);
    public static final String DEFAULT_STACKS_PATH = "stacks";

    // Simplified git check-ref-format: no control characters, spaces or ~^:?*[\, no "..", no "@{".
    private static final Pattern BAD_BRANCH = Pattern.compile("[\\x00-\\x20\\x7f~^:?*\\[\\\\]|\\.\\.|@\\{|//");

    /** A config without push webhooks. */
    public WatcherConfig(
            String repository,
            String branch,
            String environment,
            Duration pollInterval,
            Path dataDir,
            String stacksPath,
            ComposePolicy policy) {
        this(repository, branch, environment, pollInterval, dataDir, stacksPath, policy, null);
    }

    /** A config without credentials and with the default retry policy. */
    public WatcherConfig(
            String repository,
            String branch,
            String environment,
            Duration pollInterval,
            Path dataDir,
            String stacksPath,
            ComposePolicy policy,
            @Nullable WebhookConfig webhook) {
        this(
                repository,
                branch,
                environment,
                pollInterval,
                dataDir,
                stacksPath,
                policy,
                webhook,
                GitCredentials.none(),
                RetryPolicy.DEFAULT,
                Map.of());
    }

    /** A config without environment variables. */
    public WatcherConfig(
            String repository,
            String branch,
            String environment,
            Duration pollInterval,
            Path dataDir,
            String stacksPath,
            ComposePolicy policy,
            @Nullable WebhookConfig webhook,
            GitCredentials credentials,
            RetryPolicy retry) {
        this(
                repository,
                branch,
                environment,
                pollInterval,
                dataDir,
                stacksPath,
                policy,
                webhook,
                credentials,
                retry,
                Map.of());
    }

    public WatcherConfig {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(branch, "branch");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(stacksPath, "stacksPath");
        if (repository.isBlank()) {
            throw new BerthException("repository is empty: give --repo a path to a git repository or its URL");
        }
        if (branch.isEmpty()
                || BAD_BRANCH.matcher(branch).find()
                || branch.startsWith("-")
                || branch.startsWith("/")
                || branch.endsWith("/")
                || branch.endsWith(".")
                || branch.endsWith(".lock")) {
            throw new BerthException("branch \"" + branch + "\" is not a valid git branch name: give --branch the"
                    + " name of a branch, such as " + DEFAULT_BRANCH);
        }
        StackRef.requireName("environment", environment);
        if (pollInterval.compareTo(MIN_POLL_INTERVAL) < 0) {
            throw new BerthException("poll interval " + pollInterval.toMillis() + " ms is too short: give at least "
                    + MIN_POLL_INTERVAL.toSeconds() + " s, such as " + DEFAULT_POLL_INTERVAL.toSeconds() + "s");
        }
        stacksPath = normalizeStacksPath(stacksPath);
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(retry, "retry");
        variables = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(variables, "variables")));
    }

    /** A config with the default branch, poll interval and stacks path. */
    public static WatcherConfig of(String repository, String environment, Path dataDir) {
        return new WatcherConfig(
                repository,
                DEFAULT_BRANCH,
                environment,
                DEFAULT_POLL_INTERVAL,
                dataDir,
                DEFAULT_STACKS_PATH,
                ComposePolicy.DEFAULT);
    }

    public WatcherConfig withBranch(String branch) {
        return new WatcherConfig(
                repository,
                branch,
                environment,
                pollInterval,
                dataDir,
                stacksPath,
                policy,
                webhook,
                credentials,
                retry,
                variables);
    }

    public WatcherConfig withPollInterval(Duration pollInterval) {
        return new WatcherConfig(
                repository,
                branch,
                environment,
                pollInterval,
                dataDir,
                stacksPath,
                policy,
                webhook,
                credentials,
                retry,
                variables);
    }

    public WatcherConfig withStacksPath(String stacksPath) {
        return new WatcherConfig(
                repository,
                branch,
                environment,
                pollInterval,
                dataDir,
                stacksPath,
                policy,
                webhook,
                credentials,
                retry,
                variables);
    }

    public WatcherConfig withPolicy(ComposePolicy policy) {
        return new WatcherConfig(
                repository,
                branch,
                environment,
                pollInterval,
                dataDir,
                stacksPath,
                policy,
                webhook,
                credentials,
                retry,
                variables);
    }

    public WatcherConfig withWebhook(@Nullable WebhookConfig webhook) {
        return new WatcherConfig(
                repository,
                branch,
                environment,
                pollInterval,
                dataDir,
                stacksPath,
                policy,
                webhook,
                credentials,
                retry,
                variables);
    }

    public WatcherConfig withCredentials(GitCredentials credentials) {
        return new WatcherConfig(
                repository,
                branch,
                environment,
                pollInterval,
                dataDir,
                stacksPath,
                policy,
                webhook,
                credentials,
                retry,
                variables);
    }

    public WatcherConfig withVariables(Map<String, String> variables) {
        return new WatcherConfig(
                repository,
                branch,
                environment,
                pollInterval,
                dataDir,
                stacksPath,
                policy,
                webhook,
                credentials,
                retry,
                variables);
    }

    public WatcherConfig withRetry(RetryPolicy retry) {
        return new WatcherConfig(
                repository,
                branch,
                environment,
                pollInterval,
                dataDir,
                stacksPath,
                policy,
                webhook,
                credentials,
                retry,
                variables);
    }

    private static String normalizeStacksPath(String path) {
        String p = path.strip();
        while (p.startsWith("./")) {
            p = p.substring(2);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.equals(".")) {
            p = "";
        }
        if (p.startsWith("/") || p.contains("\\")) {
            throw new BerthException("stacks path \"" + path
                    + "\" is not valid: give a directory relative to the repository root, with '/', such as "
                    + DEFAULT_STACKS_PATH);
        }
        if (!p.isEmpty()) {
            for (String segment : p.split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                    throw new BerthException("stacks path \"" + path
                            + "\" is not valid: give a directory inside the repository without '.', '..' or '//',"
                            + " such as " + DEFAULT_STACKS_PATH);
                }
            }
        }
        return p;
    }
}
