package dev.berth.cli;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.scalar;

import dev.berth.cli.EnvironmentFile.Channel;
import dev.berth.cli.EnvironmentFile.Credentials;
import dev.berth.cli.EnvironmentFile.Deploy;
import dev.berth.cli.EnvironmentFile.Docker;
import dev.berth.cli.EnvironmentFile.Notifications;
import dev.berth.cli.EnvironmentFile.Route;
import dev.berth.cli.EnvironmentFile.Source;
import dev.berth.cli.EnvironmentFile.Value;
import dev.berth.cli.EnvironmentFile.Where;
import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.Nodes;
import dev.berth.common.compose.PolicyReader;
import dev.berth.common.compose.UpdatePolicy;
import dev.berth.common.compose.Yaml;
import dev.berth.notifier.ChannelConfig;
import dev.berth.notifier.ChannelType;
import dev.berth.notifier.EventKind;
import dev.berth.notifier.RouteConfig;
import dev.berth.notifier.Severity;
import dev.berth.watcher.WatcherConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Reads and checks environment files ({@code environments/<name>.yaml}). Every problem is a {@link
 * ComposeException} that names the file, line and column, the key path ({@code
 * source.credentials.token}) and how to fix it: unknown keys (with the key likely meant), wrong types,
 * bad durations, names and URLs, secrets written in clear, routes to channels the file does not
 * declare. Secrets are not read here (so {@code berth validate} needs none); see {@link SecretRef}.
 * Stateless.
 */
final class EnvironmentFileReader {
    /** The default poll interval, as {@code --poll-interval}'s. */
    static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(10);

    static final Duration MIN_POLL_INTERVAL = Duration.ofSeconds(1);
    static final String DEFAULT_BRANCH = "main";
    static final String DEFAULT_STACKS_PATH = "stacks";

    /** The file names environment files may have. */
    static final List<String> EXTENSIONS = List.of(".yaml", ".yml");

    private static final Set<String> TOP_KEYS =
            Set.of("name", "source", "variables", "docker", "deploy", "notifications");
    private static final Set<String> SOURCE_KEYS =
            Set.of("repository", "branch", "stacks_path", "poll_interval", "credentials");
    private static final Set<String> CREDENTIAL_KEYS =
            Set.of("token", "username", "password", "ssh_key", "known_hosts", "passphrase");
    private static final Set<String> DOCKER_KEYS = Set.of("host", "hosts");
    private static final Set<String> DEPLOY_KEYS = Set.of("health_timeout", "update_config", "allow", "adopt");
    private static final Set<String> NOTIFICATION_KEYS = Set.of("channels", "routes");
    private static final Set<String> CHANNEL_KEYS = Set.of("type", "url", "signing_secret", "headers");
    private static final Set<String> ROUTE_KEYS = Set.of("name", "events", "min_severity", "channels", "template");
    private static final Set<String> SECRET_KEYS = Set.of("secret", "file");
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern DOCKER_HOST = Pattern.compile("(unix|tcp|npipe)://.+");

    private EnvironmentFileReader() {}

    /**
     * Reads one environment file.
     *
     * @param file the file; its name (without {@code .yaml}) is the environment's name
     * @throws ComposeException naming the file (and line, column and key where there is one)
     */
    static EnvironmentFile read(Path file) {
        String label = file.toString();
        String content;
        try {
            content = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ComposeException(label, 0, 0, "does not exist: give the path of an environment file");
        } catch (CharacterCodingException e) {
            throw new ComposeException(label, 0, 0, "is not valid UTF-8: save it as UTF-8");
        } catch (IOException e) {
            throw new ComposeException(
                    label, 0, 0, "cannot be read (" + e.getClass().getSimpleName() + "): check its permissions");
        }
        return parse(file, content);
    }

    /** Reads an environment file's content; {@code file} names it in messages and gives its name. */
    static EnvironmentFile parse(Path file, String content) {
        String label = file.toString();
        String fileName = file.getFileName().toString();
        String expected = EXTENSIONS.stream()
                .filter(fileName::endsWith)
                .map(x -> fileName.substring(0, fileName.length() - x.length()))
                .findFirst()
                .orElseThrow(() -> new ComposeException(
                        label, 0, 0, "an environment file's name is <environment>.yaml, like dev.yaml: rename it"));
        if (content.isBlank()) {
            throw new ComposeException(
                    label, 0, 0, "is empty: write at least name: " + expected + " and source.repository");
        }
        Node root = Yaml.load(label, content);
        Map<String, NodeTuple> top = keys(root, "the environment file", TOP_KEYS);

        NodeTuple nameTuple = require(top, "name", root, "the environment file", "name: " + expected);
        String name = scalar(nameTuple.getValueNode(), "name").strip();
        try {
            StackRef.requireName("environment", name);
        } catch (BerthException e) {
            throw error(nameTuple.getValueNode(), "name: " + e.getMessage());
        }
        if (!name.equals(expected)) {
            throw error(
                    nameTuple.getValueNode(),
                    "name: \"" + name + "\" does not match the file's name " + fileName + ": an environment file is"
                            + " named after its environment; rename the file to " + name + ".yaml or write name: "
                            + expected);
        }

        NodeTuple sourceTuple = require(top, "source", root, "the environment file", "source: {repository: ...}");
        Source source = source(sourceTuple);
        Map<String, String> variables = variables(top.get("variables"));
        Docker docker = docker(top.get("docker"));
        Deploy deploy = deploy(top.get("deploy"));
        Notifications notifications = notifications(top.get("notifications"));
        return new EnvironmentFile(file, name, source, variables, docker, deploy, notifications);
    }

    private static Source source(NodeTuple tuple) {
        Map<String, NodeTuple> keys = keys(tuple.getValueNode(), "source", SOURCE_KEYS);
        NodeTuple repositoryTuple = require(
                keys,
                "repository",
                tuple.getKeyNode(),
                "source",
                "repository: https://git.example.com/acme/config.git (or a local path)");
        String repository = nonEmpty(repositoryTuple, "source.repository");
        String branch = DEFAULT_BRANCH;
        if (keys.containsKey("branch")) {
            branch = nonEmpty(keys.get("branch"), "source.branch");
        }
        String stacksPath = DEFAULT_STACKS_PATH;
        if (keys.containsKey("stacks_path")) {
            stacksPath = scalar(keys.get("stacks_path").getValueNode(), "source.stacks_path")
                    .strip();
        }
        Duration pollInterval = DEFAULT_POLL_INTERVAL;
        if (keys.containsKey("poll_interval")) {
            pollInterval = duration(keys.get("poll_interval"), "source");
            if (pollInterval.compareTo(MIN_POLL_INTERVAL) < 0) {
                throw error(
                        keys.get("poll_interval").getValueNode(),
                        "source.poll_interval must be at least 1s: the watcher asks the remote every interval;"
                                + " use push webhooks for faster detection");
            }
        }
        Credentials credentials =
                keys.containsKey("credentials") ? credentials(keys.get("credentials")) : new Credentials.None();
        Source result;
        try {
            // The watcher's own checks (branch name, stacks path), reported at their lines.
            WatcherConfig.of(repository, "check", Path.of("."))
                    .withBranch(branch)
                    .withStacksPath(stacksPath);
            result = new Source(repository, branch, stacksPath, pollInterval, credentials);
        } catch (BerthException e) {
            NodeTuple at = e.getMessage().startsWith("branch") ? keys.get("branch") : keys.get("stacks_path");
            throw error(
                    at == null ? tuple.getKeyNode() : at.getValueNode(),
                    "source: " + e.getMessage().replace("give --branch", "give source.branch"));
        }
        return result;
    }

    private static Credentials credentials(NodeTuple tuple) {
        String what = "source.credentials";
        Map<String, NodeTuple> keys = keys(tuple.getValueNode(), what, CREDENTIAL_KEYS);
        boolean token = keys.containsKey("token");
        boolean password = keys.containsKey("password");
        boolean ssh = keys.containsKey("ssh_key");
        int ways = (token ? 1 : 0) + (password ? 1 : 0) + (ssh ? 1 : 0);
        if (ways != 1) {
            throw error(
                    tuple.getKeyNode(),
                    what + (ways == 0 ? " names no way to authenticate" : " mixes ways to authenticate")
                            + ": give exactly one of token (with an optional username), username and password, or"
                            + " ssh_key with known_hosts (and an optional passphrase)");
        }
        if (token) {
            refuse(keys, what, "with a token", "known_hosts", "passphrase");
            String username = keys.containsKey("username") ? nonEmpty(keys.get("username"), what + ".username") : null;
            return new Credentials.Token(username, secret(keys.get("token"), what + ".token"));
        }
        if (password) {
            refuse(keys, what, "with a password", "known_hosts", "passphrase");
            NodeTuple username =
                    require(keys, "username", tuple.getKeyNode(), what, "username: the git account's user name");
            return new Credentials.UserPassword(
                    nonEmpty(username, what + ".username"), secret(keys.get("password"), what + ".password"));
        }
        refuse(keys, what, "with an SSH key", "username");
        NodeTuple knownHosts = require(
                keys,
                "known_hosts",
                tuple.getKeyNode(),
                what,
                "known_hosts: /etc/berth/known_hosts (the server's host key is checked strictly)");
        SecretRef key = pathOrSecret(keys.get("ssh_key"), what + ".ssh_key");
        SecretRef passphrase =
                keys.containsKey("passphrase") ? secret(keys.get("passphrase"), what + ".passphrase") : null;
        return new Credentials.SshKey(key, Path.of(nonEmpty(knownHosts, what + ".known_hosts")), passphrase);
    }

    private static void refuse(Map<String, NodeTuple> keys, String what, String context, String... others) {
        for (String other : others) {
            NodeTuple tuple = keys.get(other);
            if (tuple != null) {
                throw error(
                        tuple.getKeyNode(),
                        what + "." + other + " is not used " + context + ": remove it, or give only the keys of one"
                                + " way to authenticate");
            }
        }
    }

    private static Map<String, String> variables(@Nullable NodeTuple tuple) {
        Map<String, String> result = new LinkedHashMap<>();
        if (tuple == null || Nodes.isNull(tuple.getValueNode())) {
            return result;
        }
        for (Map.Entry<String, NodeTuple> entry :
                Nodes.mapping(tuple.getValueNode(), "variables").entrySet()) {
            String name = entry.getKey();
            if (!VARIABLE.matcher(name).matches()) {
                throw error(
                        entry.getValue().getKeyNode(),
                        "variables: \"" + name + "\" is not a variable name: use letters, digits and _, not"
                                + " starting with a digit, like DOMAIN");
            }
            Node value = entry.getValue().getValueNode();
            if (!(value instanceof ScalarNode)) {
                throw error(
                        value,
                        "variables." + name + " must be a single value (text, a number or true/false), found "
                                + Nodes.describe(value));
            }
            result.put(name, scalar(value, "variables." + name));
        }
        return result;
    }

    private static Docker docker(@Nullable NodeTuple tuple) {
        if (tuple == null || Nodes.isNull(tuple.getValueNode())) {
            return new Docker(List.of());
        }
        Map<String, NodeTuple> keys = keys(tuple.getValueNode(), "docker", DOCKER_KEYS);
        if (keys.containsKey("host") && keys.containsKey("hosts")) {
            throw error(keys.get("hosts").getKeyNode(), "docker: give host or hosts, not both");
        }
        List<Node> nodes = new ArrayList<>();
        if (keys.containsKey("host")) {
            nodes.add(keys.get("host").getValueNode());
        } else if (keys.containsKey("hosts")) {
            nodes.addAll(Nodes.sequence(keys.get("hosts").getValueNode(), "docker.hosts"));
            if (nodes.size() > 1) {
                throw error(
                        keys.get("hosts").getKeyNode(),
                        "docker.hosts lists " + nodes.size() + " engines: this version of Berth deploys an environment"
                                + " to one engine (each engine keeps the stacks' own history); declare one environment"
                                + " per engine, each with its own file");
            }
        }
        List<String> hosts = new ArrayList<>();
        for (Node node : nodes) {
            String host = scalar(node, "docker.host").strip();
            if (!DOCKER_HOST.matcher(host).matches()) {
                throw error(
                        node,
                        "docker.host \"" + host + "\" is not a Docker endpoint: write unix:///var/run/docker.sock or"
                                + " tcp://host:2376");
            }
            hosts.add(host);
        }
        return new Docker(hosts);
    }

    private static Deploy deploy(@Nullable NodeTuple tuple) {
        if (tuple == null || Nodes.isNull(tuple.getValueNode())) {
            return new Deploy(null, UpdatePolicy.DEFAULT, List.of(), ComposePolicy.DEFAULT, false);
        }
        Map<String, NodeTuple> keys = keys(tuple.getValueNode(), "deploy", DEPLOY_KEYS);
        Duration healthTimeout = null;
        if (keys.containsKey("health_timeout")) {
            healthTimeout = duration(keys.get("health_timeout"), "deploy");
            if (healthTimeout.isZero()) {
                throw error(
                        keys.get("health_timeout").getValueNode(),
                        "deploy.health_timeout must be longer than 0s, like 2m");
            }
        }
        UpdatePolicy update =
                PolicyReader.update(keys.get("update_config"), "deploy.update_config", UpdatePolicy.DEFAULT);
        List<String> allow = new ArrayList<>();
        ComposePolicy policy = ComposePolicy.DEFAULT;
        if (keys.containsKey("allow")) {
            NodeTuple allowTuple = keys.get("allow");
            for (Node item : Nodes.sequence(allowTuple.getValueNode(), "deploy.allow")) {
                String allowance = scalar(item, "an item of deploy.allow").strip();
                try {
                    ComposePolicy.parse(List.of(allowance));
                } catch (IllegalArgumentException e) {
                    throw error(item, "deploy.allow: " + e.getMessage());
                }
                allow.add(allowance);
            }
            policy = ComposePolicy.parse(allow);
        }
        return new Deploy(healthTimeout, update, allow, policy, adopt(keys.get("adopt")));
    }

    /** {@code deploy.adopt}: true or false, as YAML 1.2 writes them (not yes, no, on, off). */
    private static boolean adopt(@Nullable NodeTuple tuple) {
        if (tuple == null || Nodes.isNull(tuple.getValueNode())) {
            return false;
        }
        Node node = tuple.getValueNode();
        String value = scalar(node, "deploy.adopt").strip();
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default ->
                throw error(
                        node,
                        "deploy.adopt \"" + value + "\" is not true or false: write deploy.adopt: true to let the"
                                + " first deployment of a service replace a container of its container_name that"
                                + " docker compose created, or false (the default) to refuse the deployment while"
                                + " one stands");
        };
    }

    private static Notifications notifications(@Nullable NodeTuple tuple) {
        if (tuple == null || Nodes.isNull(tuple.getValueNode())) {
            return Notifications.NONE;
        }
        Map<String, NodeTuple> keys = keys(tuple.getValueNode(), "notifications", NOTIFICATION_KEYS);
        Map<String, Channel> channels = new LinkedHashMap<>();
        NodeTuple channelsTuple = keys.get("channels");
        if (channelsTuple != null && !Nodes.isNull(channelsTuple.getValueNode())) {
            for (Map.Entry<String, NodeTuple> entry : Nodes.mapping(
                            channelsTuple.getValueNode(), "notifications.channels")
                    .entrySet()) {
                channels.put(entry.getKey(), channel(entry.getKey(), entry.getValue()));
            }
        }
        List<Route> routes = new ArrayList<>();
        NodeTuple routesTuple = keys.get("routes");
        if (routesTuple != null && !Nodes.isNull(routesTuple.getValueNode())) {
            List<Node> items = Nodes.sequence(routesTuple.getValueNode(), "notifications.routes");
            for (int i = 0; i < items.size(); i++) {
                Route route = route(items.get(i), i, channels);
                if (routes.stream().anyMatch(r -> r.name().equals(route.name()))) {
                    throw error(
                            items.get(i),
                            "notifications.routes[" + i + "]: the route name \"" + route.name() + "\" is used twice:"
                                    + " give each route its own name");
                }
                routes.add(route);
            }
        }
        return new Notifications(channels, routes);
    }

    private static Channel channel(String name, NodeTuple tuple) {
        String what = "notifications.channels." + name;
        if (!ChannelConfig.NAME.matcher(name).matches()) {
            throw error(
                    tuple.getKeyNode(),
                    "notifications.channels: \"" + name + "\" is not a channel name: use letters, digits, '.', '_'"
                            + " and '-', starting with a letter or digit");
        }
        Map<String, NodeTuple> keys = keys(tuple.getValueNode(), what, CHANNEL_KEYS);
        NodeTuple typeTuple = require(keys, "type", tuple.getKeyNode(), what, "type: slack");
        ChannelType type;
        try {
            type = ChannelType.parse(what + ".type", scalar(typeTuple.getValueNode(), what + ".type"));
        } catch (BerthException e) {
            throw error(typeTuple.getValueNode(), e.getMessage());
        }
        NodeTuple urlTuple = require(keys, "url", tuple.getKeyNode(), what, "url: {secret: SLACK_WEBHOOK_URL}");
        Value url = plainOrSecret(urlTuple, what + ".url");
        if (url instanceof Value.Plain plain) {
            checkHttpUrl(urlTuple.getValueNode(), plain.value(), what + ".url");
        }
        SecretRef signingSecret = null;
        if (keys.containsKey("signing_secret")) {
            if (type != ChannelType.WEBHOOK) {
                throw error(
                        keys.get("signing_secret").getKeyNode(),
                        what + ".signing_secret signs generic webhooks only (type: webhook): remove it for a "
                                + type.key() + " channel, whose URL is its credential");
            }
            signingSecret = secret(keys.get("signing_secret"), what + ".signing_secret");
        }
        Map<String, Value> headers = new LinkedHashMap<>();
        NodeTuple headersTuple = keys.get("headers");
        if (headersTuple != null && !Nodes.isNull(headersTuple.getValueNode())) {
            for (Map.Entry<String, NodeTuple> header : Nodes.mapping(headersTuple.getValueNode(), what + ".headers")
                    .entrySet()) {
                headers.put(header.getKey(), plainOrSecret(header.getValue(), what + ".headers." + header.getKey()));
            }
            try {
                // The notifier's own checks of header names, with a stand-in value for secrets.
                Map<String, String> check = new LinkedHashMap<>();
                headers.forEach((k, v) -> check.put(k, v instanceof Value.Plain p ? p.value() : "secret"));
                new ChannelConfig(name, type, URI.create("https://check.invalid/"), null, check);
            } catch (BerthException e) {
                throw error(headersTuple.getKeyNode(), e.getMessage());
            }
        }
        return new Channel(name, type, url, signingSecret, headers, where(tuple.getKeyNode(), what));
    }

    private static Route route(Node node, int index, Map<String, Channel> channels) {
        String what = "notifications.routes[" + index + "]";
        Map<String, NodeTuple> keys;
        try {
            keys = keys(node, what, ROUTE_KEYS);
        } catch (ComposeException e) {
            if (e.detail().contains("unknown key \"environments\"")) {
                throw new ComposeException(
                        e.file(),
                        e.line(),
                        e.column(),
                        what + ".environments is not used in an environment file: its routes take this"
                                + " environment's events only; give each environment its routes in its own file");
            }
            throw e;
        }
        String name = "route-" + (index + 1);
        if (keys.containsKey("name")) {
            NodeTuple nameTuple = keys.get("name");
            name = nonEmpty(nameTuple, what + ".name");
            if (!ChannelConfig.NAME.matcher(name).matches()) {
                throw error(
                        nameTuple.getValueNode(),
                        what + ".name: \"" + name + "\" is not a route name: use letters, digits, '.', '_' and '-',"
                                + " starting with a letter or digit");
            }
        }
        Set<EventKind> events = new LinkedHashSet<>();
        if (keys.containsKey("events")) {
            for (Node item : listOf(keys.get("events"), what + ".events")) {
                String event = scalar(item, "an item of " + what + ".events").strip();
                try {
                    events.add(EventKind.parse(what + ".events", event));
                } catch (BerthException e) {
                    List<String> known = Arrays.stream(EventKind.values())
                            .map(EventKind::key)
                            .toList();
                    throw error(
                            item,
                            what + ".events: \"" + event + "\" is not an event kind"
                                    + Nodes.suggestion(event, known)
                                            .map(k -> ": did you mean \"" + k + "\"?")
                                            .orElse("; use " + String.join(", ", known)));
                }
            }
        }
        Severity severity = Severity.INFO;
        if (keys.containsKey("min_severity")) {
            Node at = keys.get("min_severity").getValueNode();
            try {
                severity = Severity.parse(what + ".min_severity", scalar(at, what + ".min_severity"));
            } catch (BerthException e) {
                throw error(at, e.getMessage());
            }
        }
        NodeTuple channelsTuple = require(keys, "channels", node, what, "channels: [<a channel of this file>]");
        List<String> names = new ArrayList<>();
        for (Node item : listOf(channelsTuple, what + ".channels")) {
            String channel = scalar(item, "an item of " + what + ".channels").strip();
            if (!channels.containsKey(channel)) {
                throw error(
                        item,
                        what + ".channels: \"" + channel + "\" is not a channel of this file"
                                + (channels.isEmpty()
                                        ? ": declare it under notifications.channels"
                                        : Nodes.suggestion(channel, channels.keySet())
                                                .map(k -> ": did you mean \"" + k + "\"?")
                                                .orElse("; declare it under notifications.channels, or use one of "
                                                        + String.join(", ", new TreeSet<>(channels.keySet())))));
            }
            if (names.contains(channel)) {
                throw error(item, what + ".channels: \"" + channel + "\" is listed twice: list it once");
            }
            names.add(channel);
        }
        String template = null;
        if (keys.containsKey("template")) {
            Node at = keys.get("template").getValueNode();
            template = scalar(at, what + ".template");
            if (template.isBlank()) {
                throw error(at, what + ".template is empty: leave it out for the channel's built-in message");
            }
            try {
                // Compiled as the notifier will, so a template that does not compile fails here.
                new RouteConfig(name, Set.of(), events, severity, names, template);
            } catch (BerthException e) {
                String message = e.getMessage();
                int detail = message.indexOf("does not compile: ");
                throw error(
                        at,
                        what + ".template does not compile: "
                                + (detail < 0 ? message : message.substring(detail + "does not compile: ".length())));
            }
        }
        return new Route(name, events, severity, names, template, where(node, what));
    }

    /** A value written in the file, or {@code {secret: NAME}} / {@code {file: /path}}. */
    private static Value plainOrSecret(NodeTuple tuple, String what) {
        if (tuple.getValueNode() instanceof ScalarNode) {
            return new Value.Plain(nonEmpty(tuple, what));
        }
        return new Value.Secret(secret(tuple, what));
    }

    /** A single value or a list of them. */
    private static List<Node> listOf(NodeTuple tuple, String what) {
        Node node = tuple.getValueNode();
        List<Node> items = node instanceof ScalarNode ? List.of(node) : Nodes.sequence(node, what);
        if (items.isEmpty()) {
            throw error(node, what + " is empty: name at least one");
        }
        return items;
    }

    private static void checkHttpUrl(Node node, String text, String what) {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme();
            if (scheme != null && (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw error(
                node,
                what + " \"" + text + "\" is not an http(s) URL: write it like https://hooks.example.com/berth, or"
                        + " keep it secret with {secret: NAME}");
    }

    /** {@code {secret: NAME}} or {@code {file: /path}}; a value written in clear is refused. */
    private static SecretRef secret(NodeTuple tuple, String what) {
        Node node = tuple.getValueNode();
        if (node instanceof ScalarNode) {
            // Never quote the value: it may be the secret itself.
            throw error(
                    node,
                    what + " must be a secret reference, never the secret itself: write {secret: NAME} (a variable"
                            + " of --secrets-file or Berth's environment) or {file: /run/secrets/name}");
        }
        Map<String, NodeTuple> keys = keys(node, what, SECRET_KEYS);
        if (keys.size() != 1) {
            throw error(node, what + " takes exactly one of secret: NAME or file: /path");
        }
        Where where = where(node, what);
        if (keys.containsKey("secret")) {
            NodeTuple nameTuple = keys.get("secret");
            String name = nonEmpty(nameTuple, what + ".secret");
            if (!VARIABLE.matcher(name).matches()) {
                throw error(
                        nameTuple.getValueNode(),
                        what + ".secret: \"" + name + "\" is not a variable name: use letters, digits and _, like"
                                + " GIT_TOKEN");
            }
            return SecretRef.variable(name, where);
        }
        return SecretRef.file(Path.of(nonEmpty(keys.get("file"), what + ".file")), where);
    }

    /** An SSH key: a path, or a secret reference ({@code {secret: NAME}} holds the key itself). */
    private static SecretRef pathOrSecret(NodeTuple tuple, String what) {
        Node node = tuple.getValueNode();
        if (node instanceof ScalarNode) {
            // A path to the key: a file reference, read by the watcher itself.
            return SecretRef.file(Path.of(nonEmpty(tuple, what)), where(node, what));
        }
        return secret(tuple, what);
    }

    private static Duration duration(NodeTuple tuple, String what) {
        Duration value = Nodes.duration(tuple, what);
        if (value == null) {
            throw error(tuple.getKeyNode(), what + ": a duration is missing");
        }
        return value;
    }

    private static String nonEmpty(NodeTuple tuple, String what) {
        String value = scalar(tuple.getValueNode(), what).strip();
        if (value.isEmpty()) {
            throw error(tuple.getValueNode(), what + " is empty: give it a value or leave the key out");
        }
        return value;
    }

    private static NodeTuple require(
            Map<String, NodeTuple> keys, String key, Node parent, String what, String example) {
        NodeTuple tuple = keys.get(key);
        if (tuple == null) {
            throw error(parent, what + ": " + key + " is missing: add it, like " + example);
        }
        return tuple;
    }

    /** A mapping's keys, checked against {@code known}; {@code x-*} keys are free (for YAML anchors). */
    private static Map<String, NodeTuple> keys(Node node, String what, Set<String> known) {
        return Nodes.keys(node, what, known, Set.of(), "");
    }

    private static Where where(Node node, String key) {
        Optional<Mark> mark = node.getStartMark();
        String location = mark.map(m -> m.getName() + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1))
                .orElse(Nodes.file(node));
        return new Where(location, key);
    }
}
