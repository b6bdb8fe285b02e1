package dev.berth.common.compose;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A published port.
 *
 * @param hostIp the host address to bind, empty for all addresses (Compose's default)
 * @param hostPort the host port, or null for an ephemeral one
 * @param protocol {@code tcp} or {@code udp}
 */
public record PortMapping(String hostIp, @Nullable Integer hostPort, int containerPort, String protocol) {
    public PortMapping {
        Objects.requireNonNull(hostIp, "hostIp");
        Objects.requireNonNull(protocol, "protocol");
    }
}
