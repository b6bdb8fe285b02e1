package dev.berth.common.compose;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A published port.
 *
 * @param hostIp the host address to bind, empty for all addresses (Compose's default)
 * @param hostPort the host port, or null for an ephemeral one
 * @param hostPortEnd the end of a host port range ({@code 8000-8010:80}: any free port of the range), or
 *     null; equal-length ranges are expanded into one mapping per port by the parser
 * @param protocol {@code tcp} or {@code udp}
 */
public record PortMapping(
        String hostIp, @Nullable Integer hostPort, @Nullable Integer hostPortEnd, int containerPort, String protocol) {
    public PortMapping {
        Objects.requireNonNull(hostIp, "hostIp");
        Objects.requireNonNull(protocol, "protocol");
    }
}
