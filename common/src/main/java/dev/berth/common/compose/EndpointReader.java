package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.keyValues;
import static dev.berth.common.compose.Nodes.matching;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * The per-endpoint keys of a service's attachment to one network ({@code services.x.networks.<net>}):
 * {@code mac_address}, {@code link_local_ips}, {@code driver_opts} and {@code interface_name}. Pure.
 */
final class EndpointReader {
    /** The driver option Compose sets from {@code interface_name}. */
    static final String IFNAME_OPTION = "com.docker.network.endpoint.ifname";

    /** Linux's interface names: at most 15 bytes, no '/', ':' or white space, neither "." nor "..". */
    private static final Pattern INTERFACE_NAME = Pattern.compile("[A-Za-z0-9_.@-]{1,15}");

    private static final int MAX_ENTRIES = 64;

    private EndpointReader() {}

    static @Nullable String macAddress(@Nullable NodeTuple tuple, String what) {
        return matching(
                tuple, OptionsReader.MAC_ADDRESS, what, "six pairs of hexadecimal digits, like 02:42:ac:11:00:02");
    }

    /** {@code link_local_ips}: IPv4 addresses in 169.254.0.0/16 or IPv6 ones in fe80::/10. */
    static List<String> linkLocalIps(@Nullable NodeTuple tuple, String what) {
        List<String> result = new ArrayList<>();
        if (tuple == null) {
            return result;
        }
        List<Node> items = sequence(tuple.getValueNode(), what);
        if (items.size() > MAX_ENTRIES) {
            throw error(tuple.getValueNode(), what + " lists " + items.size() + " addresses; at most " + MAX_ENTRIES);
        }
        Cidr v4 = Cidr.parse("169.254.0.0/16").orElseThrow();
        Cidr v6 = Cidr.parse("fe80::/10").orElseThrow();
        for (Node item : items) {
            String value = scalar(item, "an item of " + what).strip();
            Cidr address = Cidr.parse(value)
                    .filter(c -> !value.contains("/"))
                    .orElseThrow(() -> error(item, what + " \"" + value + "\" is not an IP address"));
            if (!(address.ipv6() ? v6 : v4).contains(address)) {
                throw error(
                        item,
                        what + " " + value + " is not link-local: use an address in 169.254.0.0/16 (IPv4) or"
                                + " fe80::/10 (IPv6)");
            }
            result.add(value);
        }
        return result;
    }

    static Map<String, String> driverOpts(@Nullable NodeTuple tuple, String what) {
        Map<String, String> options = keyValues(tuple, what);
        if (options.size() > MAX_ENTRIES) {
            throw error(tuple.getValueNode(), what + " has " + options.size() + " options; at most " + MAX_ENTRIES);
        }
        return options;
    }

    static @Nullable String interfaceName(@Nullable NodeTuple tuple, String what) {
        if (tuple == null) {
            return null;
        }
        String name = scalar(tuple.getValueNode(), what).strip();
        if (!INTERFACE_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw error(
                    tuple.getValueNode(),
                    what + " \"" + name + "\" is not an interface name: use 1 to 15 letters, digits, '_', '.', '-'"
                            + " or '@', like eth1");
        }
        return name;
    }
}
