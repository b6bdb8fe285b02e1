package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Host ports the stack would publish twice: the same port and protocol on overlapping host
 * addresses, by two services, twice by one service, or by the replicas of a service with a fixed
 * host port. Docker would refuse the second container half-way through a deployment; Berth refuses
 * the file. Stateless.
 */
final class PortConflicts {
    private static final Set<String> ANY_ADDRESS = Set.of("", "0.0.0.0", "::");

    private record Binding(String service, PortMapping mapping, Node at) {}

    private PortConflicts() {}

    static void check(Collection<ServiceReader.Read> services) {
        List<Binding> bindings = new ArrayList<>();
        for (ServiceReader.Read read : services) {
            ServiceSpec spec = read.spec();
            if (spec.replicas() == 0) {
                continue;
            }
            String where = "service \"" + spec.name() + "\"";
            for (Ports.Published published : read.ports()) {
                PortMapping m = published.mapping();
                if (m.hostPort() == null) {
                    continue;
                }
                String port = m.hostPort() + "/" + m.protocol();
                if (m.hostPortEnd() != null) {
                    int size = m.hostPortEnd() - m.hostPort() + 1;
                    if (size < spec.replicas()) {
                        throw error(
                                published.at(),
                                where + " runs " + spec.replicas() + " replicas but its host port range "
                                        + m.hostPort() + "-" + m.hostPortEnd() + " has only " + size
                                        + " ports; widen the range or run fewer replicas");
                    }
                    continue;
                }
                if (spec.replicas() > 1) {
                    throw error(
                            published.at(),
                            where + " runs " + spec.replicas() + " replicas but publishes the fixed host port " + port
                                    + ": each replica needs its own; publish a range (" + m.hostPort() + "-"
                                    + (m.hostPort() + spec.replicas() - 1) + ":" + m.containerPort()
                                    + ") or leave the host port out");
                }
                for (Binding other : bindings) {
                    PortMapping o = other.mapping();
                    if (o.protocol().equals(m.protocol())
                            && o.hostPort().equals(m.hostPort())
                            && overlap(o.hostIp(), m.hostIp())) {
                        String by = other.service().equals(spec.name())
                                ? where + " itself"
                                : "service \"" + other.service() + "\"";
                        throw error(
                                published.at(),
                                where + " publishes host port " + port + address(m.hostIp()) + ", which " + by
                                        + " already publishes" + location(other.at()) + "; use another host port");
                    }
                }
                bindings.add(new Binding(spec.name(), m, published.at()));
            }
        }
    }

    private static boolean overlap(String a, String b) {
        if (a.equals(b) || a.isEmpty() || b.isEmpty()) {
            return true;
        }
        boolean aV6 = a.contains(":");
        boolean bV6 = b.contains(":");
        if (aV6 != bV6) {
            return false;
        }
        return ANY_ADDRESS.contains(a) || ANY_ADDRESS.contains(b);
    }

    private static String address(String hostIp) {
        return hostIp.isEmpty() ? "" : " on " + hostIp;
    }

    private static String location(Node at) {
        return at.getStartMark()
                .map(Mark::getLine)
                .map(line -> " (line " + (line + 1) + ")")
                .orElse("");
    }
}
