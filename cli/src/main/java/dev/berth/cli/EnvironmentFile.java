package dev.berth.cli;

import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.UpdatePolicy;
import dev.berth.notifier.ChannelType;
import dev.berth.notifier.EventKind;
import dev.berth.notifier.Severity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One environment file, {@code environments/<name>.yaml}, as read and checked by {@link
 * EnvironmentFileReader}: where the environment's stacks come from, the variables they get, where they
 * run, how they are rolled out and who hears about it. Holds secret <em>references</em> only; {@link
 * SecretRef#resolve} reads a value when {@code berth run} starts. Immutable. {@code docs/environments.md}
 * documents every key.
 *
 * @param file the file it was read from
 * @param name the environment's name, equal to the file's name without {@code .yaml}
 * @param source the repository, branch and directory of its stacks
 * @param variables non-secret variables interpolated into its stacks' compose files
 * @param docker the Docker Engine its stacks run on
 * @param deploy health timeout, update defaults and policy allowances
 * @param notifications its channels and the routes of its events to them
 */
record EnvironmentFile(
        Path file,
        String name,
        Source source,
        Map<String, String> variables,
        Docker docker,
        Deploy deploy,
        Notifications notifications) {
    EnvironmentFile {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        variables = Map.copyOf(variables);
        Objects.requireNonNull(docker, "docker");
        Objects.requireNonNull(deploy, "deploy");
        Objects.requireNonNull(notifications, "notifications");
    }

    /**
     * Where in a file a value was written, for messages: {@code file:line:column} and the key path.
     *
     * @param location {@code environments/dev.yaml:9:14}
     * @param key {@code source.credentials.token}
     */
    record Where(String location, String key) {
        @Override
        public String toString() {
            return location + ": " + key;
        }
    }

    /**
     * {@code source}.
     *
     * @param repository a local path (relative to the directory Berth runs in) or a git URL
     * @param branch the branch to follow
     * @param stacksPath the repository directory whose subdirectories are stacks
     * @param pollInterval how often to look for new commits
     * @param credentials how to authenticate to the repository
     */
    record Source(String repository, String branch, String stacksPath, Duration pollInterval, Credentials credentials) {
        Source {
            Objects.requireNonNull(repository, "repository");
            Objects.requireNonNull(branch, "branch");
            Objects.requireNonNull(stacksPath, "stacksPath");
            Objects.requireNonNull(pollInterval, "pollInterval");
            Objects.requireNonNull(credentials, "credentials");
        }
    }

    /** {@code source.credentials}: exactly one way to authenticate, secrets by reference. */
    sealed interface Credentials {
        /** No {@code credentials}: anonymous, a local path or {@code file://}. */
        record None() implements Credentials {}

        /**
         * {@code token} and an optional {@code username}.
         *
         * @param username null for the watcher's default user name
         */
        record Token(@Nullable String username, SecretRef token) implements Credentials {}

        /** {@code username} and {@code password}. */
        record UserPassword(String username, SecretRef password) implements Credentials {}

        /**
         * {@code ssh_key}, {@code known_hosts} and an optional {@code passphrase}.
         *
         * @param key the private key: a path, or a secret holding the key itself
         * @param knownHosts the {@code known_hosts} file the server's host key must be in
         * @param passphrase null when the key has none
         */
        record SshKey(
                SecretRef key, Path knownHosts, @Nullable SecretRef passphrase) implements Credentials {}
    }

    /**
     * {@code docker}.
     *
     * @param hosts the engine's endpoint ({@code host}), or the endpoints of {@code hosts}; empty for
     *     {@code $DOCKER_HOST}, else the local socket
     */
    record Docker(List<String> hosts) {
        Docker {
            hosts = List.copyOf(hosts);
        }

        /** The one endpoint, or null for the default. */
        @Nullable
        String host() {
            return hosts.isEmpty() ? null : hosts.get(0);
        }
    }

    /**
     * {@code deploy}.
     *
     * @param healthTimeout null for {@code --health-timeout}'s default
     * @param updateDefaults {@code update_config}: for services whose compose file does not set a key
     * @param allow the allowances, as {@code --allow} takes them
     * @param policy what the allowances make
     * @param adopt {@code adopt}: a container {@code docker compose} created that holds a service's
     *     {@code container_name} is replaced by the service's first deployment instead of failing it
     */
    record Deploy(
            @Nullable Duration healthTimeout,
            UpdatePolicy updateDefaults,
            List<String> allow,
            ComposePolicy policy,
            boolean adopt) {
        Deploy {
            Objects.requireNonNull(updateDefaults, "updateDefaults");
            allow = List.copyOf(allow);
            Objects.requireNonNull(policy, "policy");
        }
    }

    /** {@code notifications}. */
    record Notifications(Map<String, Channel> channels, List<Route> routes) {
        static final Notifications NONE = new Notifications(Map.of(), List.of());

        Notifications {
            channels = Map.copyOf(channels);
            routes = List.copyOf(routes);
        }
    }

    /**
     * {@code notifications.channels.<name>}.
     *
     * @param url the channel's URL: written in the file, or a secret (chat webhook URLs are credentials)
     * @param signingSecret the generic webhook's HMAC key; null for none
     * @param headers extra request headers, each written in the file or a secret
     */
    record Channel(
            String name,
            ChannelType type,
            Value url,
            @Nullable SecretRef signingSecret,
            Map<String, Value> headers,
            Where where) {
        Channel {
            headers = Map.copyOf(headers);
        }
    }

    /**
     * {@code notifications.routes[i]}.
     *
     * @param name the route's name in the file (by default {@code route-<n>}, counted from 1)
     * @param events the event kinds it routes; empty for every kind
     * @param minSeverity the least severity it routes
     * @param channels names of this file's channels
     * @param template a Mustache template overriding the channel's default; null for the default
     */
    record Route(
            String name,
            Set<EventKind> events,
            Severity minSeverity,
            List<String> channels,
            @Nullable String template,
            Where where) {
        Route {
            events = Set.copyOf(events);
            channels = List.copyOf(channels);
        }
    }

    /** A value written in the file, or a secret reference. */
    sealed interface Value {
        record Plain(String value) implements Value {}

        record Secret(SecretRef ref) implements Value {}
    }
}
