package dev.berth.common.compose;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What a stack may ask of the host beyond an ordinary container. Everything is refused by default;
 * an environment allows each one by name ({@code --allow privileged}, {@code --allow bind:/srv/data},
 * {@code --allow cap:NET_ADMIN}). Immutable.
 *
 * @param privileged {@code privileged: true}
 * @param hostNetwork {@code network_mode: host}
 * @param hostPid {@code pid: host}
 * @param dockerSocket a bind mount of the Docker socket ({@code /var/run/docker.sock}, {@code /run/docker.sock})
 * @param bindPaths absolute host directories that bind mounts (and named volumes bound to a host
 *     path) may use, besides the repository's own files; {@code /} covers every path but those under
 *     {@code /proc} and {@code /sys}, which need a directory there named
 * @param named the other allowances that take no argument ({@link #NAMED}), lower case
 * @param capabilities capabilities beyond Docker's default set that {@code cap_add} may add, upper
 *     case without {@code CAP_}
 * @param prefixed the allowances that take an argument, as written ({@code volume-driver:rexray},
 *     {@code sysctl:kernel.core_pattern}, {@code runtime:runsc}, {@code device:/dev/fuse},
 *     {@code security-opt:seccomp}), the prefix lower case
 * @param unrestricted allows everything: only for reading a revision that was checked when it was
 *     deployed ({@link #UNRESTRICTED}); every accessor and check then answers that it is allowed
 */
public record ComposePolicy(
        boolean privileged,
        boolean hostNetwork,
        boolean hostPid,
        boolean dockerSocket,
        List<String> bindPaths,
        Set<String> named,
        Set<String> capabilities,
        Set<String> prefixed,
        boolean unrestricted) {
    /** The default: nothing beyond an ordinary container. */
    public static final ComposePolicy DEFAULT = new ComposePolicy(false, false, false, false, List.of());

    /**
     * Allows everything. Never an environment's policy: for reading a revision again that the policy
     * of its environment let through when it was deployed (such as {@code berth status --check}).
     */
    public static final ComposePolicy UNRESTRICTED =
            new ComposePolicy(true, true, true, true, List.of("/"), Set.of(), Set.of(), Set.of(), true);

    /** The names {@link #parse} takes, as the error messages print them. */
    public static final String PRIVILEGED = "privileged";

    public static final String HOST_NETWORK = "host-network";
    public static final String HOST_PID = "host-pid";
    public static final String DOCKER_SOCKET = "docker-socket";
    public static final String BIND_PREFIX = "bind:";
    /** {@code ipc: host}. */
    public static final String HOST_IPC = "host-ipc";
    /** {@code uts: host}. */
    public static final String HOST_UTS = "host-uts";
    /** {@code userns_mode: host}. */
    public static final String HOST_USERNS = "host-userns";
    /** {@code cgroup: host}. */
    public static final String HOST_CGROUP = "host-cgroup";
    /** {@code network_mode}, {@code pid} or {@code ipc} of {@code container:<name>}: a container outside the stack. */
    public static final String JOIN_CONTAINER = "join-container";
    /** A named volume whose {@code driver_opts} mount a device or a network filesystem, not a host directory. */
    public static final String VOLUME_DEVICE = "volume-device";
    /** {@code device_cgroup_rules}. */
    public static final String DEVICE_CGROUP_RULES = "device-cgroup-rules";
    /** {@code oom_kill_disable: true}, or a negative {@code oom_score_adj}: the host's processes are killed first. */
    public static final String OOM_KILL_DISABLE = "oom-kill-disable";
    /** {@code cgroup_parent}: the container's cgroup under one the engine does not manage. */
    public static final String CGROUP_PARENT = "cgroup-parent";
    /** {@code gpus} and {@code deploy.resources.reservations.devices}: the host's GPUs through a device driver. */
    public static final String GPU = "gpu";

    public static final String CAP_PREFIX = "cap:";
    public static final String VOLUME_DRIVER_PREFIX = "volume-driver:";
    /** A network driver other than {@code bridge} (macvlan and ipvlan put containers on the host's own LAN). */
    public static final String NETWORK_DRIVER_PREFIX = "network-driver:";

    public static final String SYSCTL_PREFIX = "sysctl:";
    public static final String DEVICE_PREFIX = "device:";
    public static final String RUNTIME_PREFIX = "runtime:";
    public static final String SECURITY_OPT_PREFIX = "security-opt:";

    /** The allowances without an argument beyond the first four. */
    public static final Set<String> NAMED = Set.of(
            HOST_IPC,
            HOST_UTS,
            HOST_USERNS,
            HOST_CGROUP,
            JOIN_CONTAINER,
            VOLUME_DEVICE,
            DEVICE_CGROUP_RULES,
            OOM_KILL_DISABLE,
            CGROUP_PARENT,
            GPU);

    /** What {@code security-opt:<kind>} names. */
    public static final Set<String> SECURITY_OPT_KINDS =
            Set.of("seccomp", "apparmor", "label", "no-new-privileges", "systempaths", "writable-cgroups");

    /** Docker's default capabilities: {@code cap_add} of these needs no allowance. */
    public static final Set<String> DEFAULT_CAPABILITIES = Set.of(
            "CHOWN",
            "DAC_OVERRIDE",
            "FSETID",
            "FOWNER",
            "MKNOD",
            "NET_RAW",
            "SETGID",
            "SETUID",
            "SETFCAP",
            "SETPCAP",
            "NET_BIND_SERVICE",
            "SYS_CHROOT",
            "KILL",
            "AUDIT_WRITE");

    private static final Pattern CAPABILITY = Pattern.compile("[A-Z][A-Z0-9_]*");
    private static final List<String> PREFIXES = List.of(
            VOLUME_DRIVER_PREFIX,
            NETWORK_DRIVER_PREFIX,
            SYSCTL_PREFIX,
            DEVICE_PREFIX,
            RUNTIME_PREFIX,
            SECURITY_OPT_PREFIX);

    public ComposePolicy {
        bindPaths = List.copyOf(bindPaths);
        for (String path : bindPaths) {
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("bind path \"" + path + "\" must be absolute, like /srv/data");
            }
        }
        named = Collections.unmodifiableSet(new TreeSet<>(named));
        capabilities = Collections.unmodifiableSet(new TreeSet<>(capabilities));
        prefixed = Collections.unmodifiableSet(new TreeSet<>(prefixed));
    }

    /** The first four allowances and host paths only. */
    public ComposePolicy(
            boolean privileged, boolean hostNetwork, boolean hostPid, boolean dockerSocket, List<String> bindPaths) {
        this(privileged, hostNetwork, hostPid, dockerSocket, bindPaths, Set.of(), Set.of(), Set.of());
    }

    /** A policy of these allowances (never {@link #UNRESTRICTED}). */
    public ComposePolicy(
            boolean privileged,
            boolean hostNetwork,
            boolean hostPid,
            boolean dockerSocket,
            List<String> bindPaths,
            Set<String> named,
            Set<String> capabilities,
            Set<String> prefixed) {
        this(privileged, hostNetwork, hostPid, dockerSocket, bindPaths, named, capabilities, prefixed, false);
    }

    /**
     * Reads allowances: {@code privileged}, {@code host-network}, {@code host-pid}, {@code host-ipc},
     * {@code host-uts}, {@code host-userns}, {@code host-cgroup}, {@code join-container},
     * {@code docker-socket}, {@code volume-device}, {@code device-cgroup-rules}, {@code oom-kill-disable},
     * {@code cgroup-parent}, {@code gpu},
     * {@code bind:<absolute directory>}, {@code cap:<NAME>}, {@code volume-driver:<name>}, {@code network-driver:<name>},
     * {@code sysctl:<name>}, {@code device:<host path>}, {@code runtime:<name>} and
     * {@code security-opt:<kind>}.
     *
     * @throws IllegalArgumentException naming an allowance that is not one of these
     */
    public static ComposePolicy parse(List<String> allowances) {
        boolean privileged = false;
        boolean hostNetwork = false;
        boolean hostPid = false;
        boolean dockerSocket = false;
        List<String> bindPaths = new ArrayList<>();
        Set<String> named = new TreeSet<>();
        Set<String> capabilities = new TreeSet<>();
        Set<String> prefixed = new TreeSet<>();
        for (String allowance : allowances) {
            String value = Objects.requireNonNull(allowance, "allowance").strip();
            String lower = value.toLowerCase(Locale.ROOT);
            switch (lower) {
                case PRIVILEGED -> privileged = true;
                case HOST_NETWORK -> hostNetwork = true;
                case HOST_PID -> hostPid = true;
                case DOCKER_SOCKET -> dockerSocket = true;
                default -> {
                    if (NAMED.contains(lower)) {
                        named.add(lower);
                    } else if (lower.startsWith(BIND_PREFIX)) {
                        bindPaths.add(directory(value.substring(BIND_PREFIX.length())));
                    } else if (lower.startsWith(CAP_PREFIX)) {
                        capabilities.add(capability(value.substring(CAP_PREFIX.length()), value));
                    } else {
                        prefixed.add(prefixed(value, lower));
                    }
                }
            }
        }
        return new ComposePolicy(
                privileged, hostNetwork, hostPid, dockerSocket, bindPaths, named, capabilities, prefixed);
    }

    /** Every allowance this policy gives, as {@code --allow} takes them. */
    public List<String> allowances() {
        List<String> result = new ArrayList<>();
        if (privileged) {
            result.add(PRIVILEGED);
        }
        if (hostNetwork) {
            result.add(HOST_NETWORK);
        }
        if (hostPid) {
            result.add(HOST_PID);
        }
        if (dockerSocket) {
            result.add(DOCKER_SOCKET);
        }
        result.addAll(named);
        bindPaths.forEach(path -> result.add(BIND_PREFIX + path));
        capabilities.forEach(cap -> result.add(CAP_PREFIX + cap));
        result.addAll(prefixed);
        return result;
    }

    /** Whether a named allowance ({@link #NAMED}) is given. */
    public boolean allows(String name) {
        return unrestricted || named.contains(name);
    }

    /** Whether {@code cap_add} may add {@code capability} (upper case, no {@code CAP_}). */
    public boolean allowsCapability(String capability) {
        return unrestricted || DEFAULT_CAPABILITIES.contains(capability) || capabilities.contains(capability);
    }

    /** Whether {@code prefix + value} is given ({@code volume-driver:}, {@code sysctl:}, ...). */
    public boolean allows(String prefix, String value) {
        return unrestricted || prefixed.contains(prefix + value);
    }

    /**
     * Why this policy refuses a named volume of {@code driver} (null for {@code local}) with
     * {@code options}, or empty when it allows it: the rule the parser applies to a stack's top-level
     * {@code volumes}, for a volume that already exists on the engine.
     *
     * @param what the volume, for messages: {@code volume "prod-shop_data"}
     */
    public Optional<String> volumeRefusal(String what, @Nullable String driver, Map<String, String> options) {
        return TopLevel.volumeRefusal(this, what, driver, options);
    }

    /** Whether a {@code device:<dir>} allowance covers the host path {@code path}. */
    public boolean allowsDevice(String path) {
        return unrestricted
                || prefixed.stream()
                        .filter(p -> p.startsWith(DEVICE_PREFIX))
                        .map(p -> p.substring(DEVICE_PREFIX.length()))
                        .anyMatch(dir -> path.equals(dir) || path.startsWith(dir.equals("/") ? "/" : dir + "/"));
    }

    private static String directory(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static String capability(String written, String allowance) {
        String name = written.strip().toUpperCase(Locale.ROOT);
        name = name.startsWith("CAP_") ? name.substring("CAP_".length()) : name;
        if (!CAPABILITY.matcher(name).matches() || name.equals("ALL")) {
            throw new IllegalArgumentException("\"" + allowance + "\" is not an allowance: write cap:<capability>,"
                    + " like cap:NET_ADMIN (cap_add: [ALL] needs " + PRIVILEGED + ")");
        }
        return name;
    }

    private static String prefixed(String value, String lower) {
        for (String prefix : PREFIXES) {
            if (!lower.startsWith(prefix)) {
                continue;
            }
            String argument = value.substring(prefix.length()).strip();
            boolean valid = switch (prefix) {
                case DEVICE_PREFIX -> argument.startsWith("/");
                case SECURITY_OPT_PREFIX -> SECURITY_OPT_KINDS.contains(argument.toLowerCase(Locale.ROOT));
                default -> !argument.isEmpty() && argument.chars().noneMatch(c -> c <= ' ');
            };
            if (!valid) {
                throw new IllegalArgumentException("\"" + value + "\" is not an allowance: " + prefix
                        + switch (prefix) {
                            case DEVICE_PREFIX -> "<absolute host path>, like device:/dev/fuse";
                            case SECURITY_OPT_PREFIX ->
                                "<kind> takes one of "
                                        + SECURITY_OPT_KINDS.stream().sorted().toList();
                            default -> "<name> needs a name, like " + prefix + "example";
                        });
            }
            if (prefix.equals(DEVICE_PREFIX)) {
                argument = directory(argument);
            } else if (prefix.equals(SECURITY_OPT_PREFIX)) {
                argument = argument.toLowerCase(Locale.ROOT);
            }
            return prefix + argument;
        }
        throw new IllegalArgumentException("\"" + value + "\" is not an allowance; use " + String.join(", ", names()));
    }

    /** Every allowance name, as the error for an unknown one lists them. */
    public static List<String> names() {
        List<String> names = new ArrayList<>(List.of(PRIVILEGED, HOST_NETWORK, HOST_PID, DOCKER_SOCKET));
        names.addAll(new TreeSet<>(NAMED));
        names.add(BIND_PREFIX + "<absolute directory>");
        names.add(CAP_PREFIX + "<capability>");
        names.add(VOLUME_DRIVER_PREFIX + "<driver>");
        names.add(NETWORK_DRIVER_PREFIX + "<driver>");
        names.add(SYSCTL_PREFIX + "<name>");
        names.add(DEVICE_PREFIX + "<host path>");
        names.add(RUNTIME_PREFIX + "<name>");
        names.add(SECURITY_OPT_PREFIX + "<" + String.join("|", new TreeSet<>(SECURITY_OPT_KINDS)) + ">");
        return names;
    }
}
