package dev.berth.common.compose;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What a stack may ask of the host beyond an ordinary container. Everything is refused by default;
 * an environment allows each one by name ({@code --allow privileged}, {@code --allow bind:/srv/data}).
 * Immutable.
 *
 * @param privileged {@code privileged: true}
 * @param hostNetwork {@code network_mode: host}
 * @param hostPid {@code pid: host}
 * @param dockerSocket a bind mount of the Docker socket ({@code /var/run/docker.sock}, {@code /run/docker.sock})
 * @param bindPaths absolute host directories that bind mounts may use, besides the repository's own files
 */
public record ComposePolicy(
        boolean privileged, boolean hostNetwork, boolean hostPid, boolean dockerSocket, List<String> bindPaths) {
    /** The default: nothing beyond an ordinary container. */
    public static final ComposePolicy DEFAULT = new ComposePolicy(false, false, false, false, List.of());

    /** The names {@link #parse} takes, as the error messages print them. */
    public static final String PRIVILEGED = "privileged";

    public static final String HOST_NETWORK = "host-network";
    public static final String HOST_PID = "host-pid";
    public static final String DOCKER_SOCKET = "docker-socket";
    public static final String BIND_PREFIX = "bind:";

    public ComposePolicy {
        bindPaths = List.copyOf(bindPaths);
        for (String path : bindPaths) {
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("bind path \"" + path + "\" must be absolute, like /srv/data");
            }
        }
    }

    /**
     * Reads allowances: {@code privileged}, {@code host-network}, {@code host-pid},
     * {@code docker-socket} and {@code bind:<absolute directory>}.
     *
     * @throws IllegalArgumentException naming an allowance that is not one of these
     */
    public static ComposePolicy parse(List<String> allowances) {
        boolean privileged = false;
        boolean hostNetwork = false;
        boolean hostPid = false;
        boolean dockerSocket = false;
        List<String> bindPaths = new ArrayList<>();
        for (String allowance : allowances) {
            String value = Objects.requireNonNull(allowance, "allowance").strip();
            switch (value.toLowerCase(Locale.ROOT)) {
                case PRIVILEGED -> privileged = true;
                case HOST_NETWORK -> hostNetwork = true;
                case HOST_PID -> hostPid = true;
                case DOCKER_SOCKET -> dockerSocket = true;
                default -> {
                    if (!value.startsWith(BIND_PREFIX)) {
                        throw new IllegalArgumentException("\"" + value + "\" is not an allowance; use " + PRIVILEGED
                                + ", " + HOST_NETWORK + ", " + HOST_PID + ", " + DOCKER_SOCKET + " or "
                                + BIND_PREFIX + "<absolute directory>");
                    }
                    String path = value.substring(BIND_PREFIX.length());
                    bindPaths.add(
                            path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path);
                }
            }
        }
        return new ComposePolicy(privileged, hostNetwork, hostPid, dockerSocket, bindPaths);
    }
}
