package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.compose.PortMapping;
import dev.berth.testkit.Stacks;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Published ports as docker-compose 1.29.2 binds them (a host range as one binding
 * {@code "8000-8010"}, an ephemeral port as an empty host port, udp and sctp), {@code privileged} and
 * {@code pid}.
 */
@Isolated
class PortsIT extends EngineSupport {
    @Test
    void portRangesProtocolsAndHostAddresses() {
        int start = Stacks.freePort();
        Draft web = new Draft("web");
        web.command = List.of("sh", "-c", "trap 'exit 0' TERM; httpd -f -p 80 & wait");
        web.ports.addAll(List.of(
                new PortMapping("127.0.0.1", start, start + 3, 80, "tcp"),
                new PortMapping("127.0.0.1", null, null, 81, "udp")));
        StackResources resources =
                resources(stackOf(List.of(web.spec()), Map.of(), Map.of(), Map.of(), Map.of()), Map.of());
        resources.createNetworksAndVolumes();
        String id = run(resources, web.spec());

        JsonNode inspected = inspect(id);
        JsonNode bindings = inspected.at("/HostConfig/PortBindings");
        assertThat(bindings.get("80/tcp").get(0).get("HostIp").asText()).isEqualTo("127.0.0.1");
        assertThat(bindings.get("80/tcp").get(0).get("HostPort").asText()).isEqualTo(start + "-" + (start + 3));
        assertThat(bindings.get("81/udp").get(0).get("HostIp").asText()).isEqualTo("127.0.0.1");
        assertThat(bindings.get("81/udp").get(0).get("HostPort").asText()).isEmpty();
        assertThat(inspected.at("/Config/ExposedPorts").has("81/udp")).isTrue();

        // The engine picked one port of the range, on 127.0.0.1 only.
        JsonNode published = inspected.at("/NetworkSettings/Ports/80~1tcp").get(0);
        assertThat(published.get("HostIp").asText()).isEqualTo("127.0.0.1");
        assertThat(Integer.parseInt(published.get("HostPort").asText())).isBetween(start, start + 3);
        assertThat(Integer.parseInt(inspected
                        .at("/NetworkSettings/Ports/81~1udp")
                        .get(0)
                        .get("HostPort")
                        .asText()))
                .isPositive();

        // SCTP is bound as asked; this machine's engine cannot publish it (no SCTP proxy), so it is not started.
        Draft sctp = new Draft("sctp");
        sctp.ports.add(new PortMapping("127.0.0.1", null, null, 82, "sctp"));
        JsonNode sctpBindings = inspect(create(resources, sctp.spec())).at("/HostConfig/PortBindings");
        assertThat(sctpBindings.get("82/sctp").get(0).get("HostIp").asText()).isEqualTo("127.0.0.1");
    }

    @Test
    void privilegedAndHostPid() {
        Draft privileged = new Draft("privileged");
        privileged.privileged = true;
        Draft admin = new Draft("admin");
        admin.pid = "host";
        Draft plain = new Draft("plain");
        StackResources resources = resources(
                stackOf(List.of(admin.spec(), plain.spec()), Map.of(), Map.of(), Map.of(), Map.of()), Map.of());
        resources.createNetworksAndVolumes();
        // Created only: this machine's engine runs in a container that may not grant every capability.
        String privilegedId = create(resources, privileged.spec());
        String adminId = run(resources, admin.spec());
        String plainId = run(resources, plain.spec());

        assertThat(inspect(privilegedId).at("/HostConfig/Privileged").asBoolean())
                .isTrue();
        assertThat(inspect(adminId).at("/HostConfig/PidMode").asText()).isEqualTo("host");
        assertThat(inspect(plainId).at("/HostConfig/Privileged").asBoolean()).isFalse();
        assertThat(inspect(plainId).at("/HostConfig/PidMode").asText()).isEmpty();
        // In the host's PID namespace the container sees the other container's process; on its own it does not.
        String plainPid = inspect(plainId).at("/State/Pid").asText();
        assertThat(cliResult("exec", adminId, "test", "-d", "/proc/" + plainPid).exit())
                .isZero();
        assertThat(exec(plainId, "sh", "-c", "ls /proc | grep -c '^[0-9]'")).isNotEqualTo("0");
        assertThat(cliResult("exec", plainId, "test", "-d", "/proc/" + plainPid).exit())
                .as("pid %s is not in the plain container's namespace", plainPid)
                .isNotZero();
    }
}
