package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.BerthException;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ComposeStack.NetworkSpec;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.common.compose.ServiceSpec.ServiceNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Stack networks (driver options, internal, labels), aliases on each network, external networks,
 * {@code network_mode} and the removal of networks a stack no longer declares, checked through
 * {@code docker inspect} against what docker-compose 1.29.2 creates (measured on Engine 20.10: the
 * container joins its first network by name at create time, the others before it starts; each
 * network's aliases are the service name, the declared aliases and the container's short id).
 */
@Isolated
class NetworksIT extends EngineSupport {
    /** A /24 of 10.231.0.0/16 for this run, so parallel runs do not collide. */
    private static final int OCTET = 1 + new java.util.Random().nextInt(250);

    @Test
    void ipamSubnetsFixedAddressesAndPriorityAsCompose() {
        String subnet = "10.231." + OCTET + ".0/24";
        Draft web = new Draft("web");
        web.networks.put("front", new ServiceNetwork(List.of(), "10.231." + OCTET + ".10", null, 0));
        web.networks.put("zulu", new ServiceNetwork(List.of(), null, null, 5));
        NetworkSpec front = new NetworkSpec(
                "front",
                null,
                false,
                null,
                Map.of(),
                Map.of(),
                false,
                new ComposeStack.Ipam(
                        null,
                        List.of(new ComposeStack.IpamPool(
                                subnet, "10.231." + OCTET + ".0/25", "10.231." + OCTET + ".1"))),
                false,
                false);
        ComposeStack compose = stackOf(
                List.of(web.spec()),
                Map.of("front", front, "zulu", new NetworkSpec("zulu", null, false, null, Map.of(), Map.of(), false)),
                Map.of(),
                Map.of(),
                Map.of());
        StackResources resources = resources(compose, Map.of());
        resources.createNetworksAndVolumes();
        String id = run(resources, web.spec());

        String frontName = stack.project() + "_front";
        JsonNode network = inspect("--type", "network", frontName);
        assertThat(network.at("/IPAM/Config/0/Subnet").asText()).isEqualTo(subnet);
        assertThat(network.at("/IPAM/Config/0/IPRange").asText()).isEqualTo("10.231." + OCTET + ".0/25");
        assertThat(network.at("/IPAM/Config/0/Gateway").asText()).isEqualTo("10.231." + OCTET + ".1");
        assertThat(network.get("Attachable").asBoolean()).isFalse();
        JsonNode container = inspect(id);
        assertThat(container
                        .at("/NetworkSettings/Networks/" + frontName + "/IPAddress")
                        .asText())
                .isEqualTo("10.231." + OCTET + ".10");
        // The higher priority network is joined first, at create time, whatever the order of names.
        assertThat(container.at("/HostConfig/NetworkMode").asText()).isEqualTo(stack.project() + "_zulu");

        // Another stack asking for an overlapping subnet is refused before anything is made, naming the network.
        NetworkSpec clash = new NetworkSpec(
                "clash",
                null,
                false,
                null,
                Map.of(),
                Map.of(),
                false,
                new ComposeStack.Ipam(
                        null, List.of(new ComposeStack.IpamPool("10.231." + OCTET + ".128/25", null, null))),
                false,
                true);
        Draft other = new Draft("other");
        other.networks.put("clash", ServiceNetwork.PLAIN);
        StackResources clashing = resources(
                stackOf(List.of(other.spec()), Map.of("clash", clash), Map.of(), Map.of(), Map.of()), Map.of());
        assertThatThrownBy(clashing::createNetworksAndVolumes)
                .isInstanceOf(BerthException.class)
                .hasMessage("network \"" + stack.project() + "_clash\": subnet 10.231." + OCTET + ".128/25 overlaps "
                        + subnet + " of network \"" + frontName + "\" on the engine; choose a subnet no other network"
                        + " uses (docker network inspect " + frontName + ")");
    }

    @Test
    void joinsEveryNetworkWithItsAliases() {
        Draft web = new Draft("web");
        web.networks.put("front", new ServiceNetwork(List.of("www", "site")));
        web.networks.put("back", ServiceNetwork.PLAIN);
        Draft db = new Draft("db");
        db.networks.put("back", new ServiceNetwork(List.of("database")));
        ComposeStack compose = stackOf(
                List.of(web.spec(), db.spec()),
                Map.of(
                        "front",
                        new NetworkSpec(
                                "front",
                                null,
                                false,
                                null,
                                Map.of("com.docker.network.bridge.enable_icc", "true"),
                                Map.of("x", "y"),
                                false),
                        "back",
                        new NetworkSpec("back", null, false, "bridge", Map.of(), Map.of(), true)),
                Map.of(),
                Map.of(),
                Map.of());
        StackResources resources = resources(compose, Map.of());
        resources.createNetworksAndVolumes();
        String webId = run(resources, web.spec());
        String dbId = run(resources, db.spec());

        String front = stack.project() + "_front";
        String back = stack.project() + "_back";
        assertThat(resources.networkNames()).containsExactlyInAnyOrder(front, back);
        JsonNode inspected = inspect(webId);
        assertThat(inspected.at("/HostConfig/NetworkMode").asText()).isEqualTo(back);
        JsonNode networks = inspected.at("/NetworkSettings/Networks");
        assertThat(names(networks)).containsExactlyInAnyOrder(front, back);
        String shortId = webId.substring(0, 12);
        assertThat(texts(networks.get(front).get("Aliases"))).containsExactlyInAnyOrder("web", "www", "site", shortId);
        assertThat(texts(networks.get(back).get("Aliases"))).containsExactlyInAnyOrder("web", shortId);
        assertThat(texts(inspect(dbId).at("/NetworkSettings/Networks").get(back).get("Aliases")))
                .containsExactlyInAnyOrder("db", "database", dbId.substring(0, 12));

        JsonNode frontNet = inspect("--type", "network", front);
        assertThat(frontNet.get("Driver").asText()).isEqualTo("bridge");
        assertThat(frontNet.get("Internal").asBoolean()).isFalse();
        assertThat(frontNet.get("Attachable").asBoolean()).isTrue();
        assertThat(frontNet.at("/Options/com.docker.network.bridge.enable_icc").asText())
                .isEqualTo("true");
        assertThat(frontNet.at("/Labels/com.docker.compose.project").asText()).isEqualTo(stack.project());
        assertThat(frontNet.at("/Labels/com.docker.compose.network").asText()).isEqualTo("front");
        assertThat(frontNet.at("/Labels/berth.stack").asText()).isEqualTo(stack.key());
        assertThat(frontNet.at("/Labels/x").asText()).isEqualTo("y");
        assertThat(inspect("--type", "network", back).get("Internal").asBoolean())
                .isTrue();

        // db shares only "back" with web: it reaches web by its service name, not by front's aliases.
        assertThat(cliResult("exec", dbId, "ping", "-c", "1", "-W", "2", "web").exit())
                .isZero();
        assertThat(cliResult("exec", dbId, "ping", "-c", "1", "-W", "2", "www").exit())
                .isNotZero();
        assertThat(cliResult("exec", webId, "ping", "-c", "1", "-W", "2", "database")
                        .exit())
                .isZero();

        // Creating them again changes nothing; one the stack drops is removed once no container uses it.
        resources.createNetworksAndVolumes();
        engine.remove(webId);
        assertThat(StackResources.removeNetworks(engine, stack, Set.of(back))).isEmpty();
        assertThat(engine.networkExists(front)).isFalse();
        assertThat(engine.networkExists(back)).isTrue();
        assertThat(StackResources.removeNetworks(engine, stack, Set.of())).containsExactly(back);
        engine.remove(dbId);
        assertThat(StackResources.removeNetworks(engine, stack, Set.of())).isEmpty();
        assertThat(engine.networkExists(back)).isFalse();
    }

    @Test
    void anExternalNetworkMustExistAndIsNeverRemoved() {
        String name = "berth-ext-" + UUID.randomUUID();
        Draft web = new Draft("web");
        web.networks.put("outside", new ServiceNetwork(List.of("web-outside")));
        ComposeStack compose = stackOf(
                List.of(web.spec()),
                Map.of("outside", new NetworkSpec("outside", name, true, null, Map.of(), Map.of(), false)),
                Map.of(),
                Map.of(),
                Map.of());
        StackResources resources = resources(compose, Map.of());
        assertThatThrownBy(resources::createNetworksAndVolumes)
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("network \"" + name + "\" (networks.outside of " + stack + ")")
                .hasMessageContaining("is external but does not exist")
                .hasMessageContaining("docker network create " + name);

        networks.add(name);
        cli("network", "create", name);
        resources.createNetworksAndVolumes();
        String id = run(resources, web.spec());
        JsonNode attached = inspect(id).at("/NetworkSettings/Networks");
        assertThat(names(attached)).containsExactly(name);
        assertThat(texts(attached.get(name).get("Aliases"))).contains("web", "web-outside");
        engine.remove(id);
        StackResources.removeNetworks(engine, stack, Set.of());
        assertThat(engine.networkExists(name)).isTrue();
    }

    @Test
    void aNetworkOfTheSameNameWithAnotherDriverIsRefused() {
        String name = "berth-int-" + UUID.randomUUID();
        networks.add(name);
        cli("network", "create", name);
        Draft web = new Draft("web");
        web.networks.put("private", ServiceNetwork.PLAIN);
        ComposeStack compose = stackOf(
                List.of(web.spec()),
                Map.of("private", new NetworkSpec("private", name, false, null, Map.of(), Map.of(), true)),
                Map.of(),
                Map.of(),
                Map.of());
        assertThatThrownBy(() -> resources(compose, Map.of()).createNetworksAndVolumes())
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("network \"" + name + "\" exists with driver bridge but the stack asks for"
                        + " driver bridge (internal); remove it (docker network rm " + name + ")");
    }

    @Test
    void networkModes() {
        Draft app = new Draft("app");
        Draft side = new Draft("side");
        side.networkMode = "service:app";
        Draft isolated = new Draft("isolated");
        isolated.networkMode = "none";
        Draft onHost = new Draft("onhost");
        onHost.networkMode = "host";
        Draft byName = new Draft("byname");
        byName.networkMode = "container:" + stack.project() + "-app-1";
        List<ServiceSpec> services = List.of(app.spec(), side.spec(), isolated.spec(), onHost.spec(), byName.spec());
        StackResources resources = resources(stackOf(services, Map.of(), Map.of(), Map.of(), Map.of()), Map.of());
        assertThatThrownBy(() -> resources.containerSpec("x", side.spec(), Map.of()))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining(
                        "service \"side\" uses network_mode service:app but service \"app\" has no" + " container");
        resources.createNetworksAndVolumes();
        assertThat(resources.networkNames()).containsExactly(stack.project() + "_default");
        String appId = run(resources, app.spec());
        String sideId = run(resources, side.spec());
        String isolatedId = run(resources, isolated.spec());
        String hostId = run(resources, onHost.spec());
        String byNameId = run(resources, byName.spec());

        assertThat(inspect(sideId).at("/HostConfig/NetworkMode").asText()).isEqualTo("container:" + appId);
        assertThat(inspect(isolatedId).at("/HostConfig/NetworkMode").asText()).isEqualTo("none");
        assertThat(inspect(hostId).at("/HostConfig/NetworkMode").asText()).isEqualTo("host");
        assertThat(inspect(byNameId).at("/HostConfig/NetworkMode").asText()).startsWith("container:");
        String mac = exec(appId, "cat", "/sys/class/net/eth0/address");
        assertThat(exec(sideId, "cat", "/sys/class/net/eth0/address")).isEqualTo(mac);
        assertThat(exec(byNameId, "cat", "/sys/class/net/eth0/address")).isEqualTo(mac);
        assertThat(exec(isolatedId, "ls", "/sys/class/net")).isEqualTo("lo");
    }

    private static List<String> names(JsonNode object) {
        List<String> result = new ArrayList<>();
        object.fieldNames().forEachRemaining(result::add);
        return result;
    }

    private static List<String> texts(JsonNode array) {
        List<String> result = new ArrayList<>();
        array.forEach(n -> result.add(n.asText()));
        return result;
    }
}
