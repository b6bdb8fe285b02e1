package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ComposeStack.FileSource;
import dev.berth.common.compose.ComposeStack.NetworkSpec;
import dev.berth.common.compose.ComposeStack.VolumeSpec;
import dev.berth.common.compose.PortMapping;
import dev.berth.common.compose.ServiceSpec.FileMount;
import dev.berth.common.compose.ServiceSpec.Mount;
import dev.berth.common.compose.ServiceSpec.ServiceNetwork;
import dev.berth.testkit.Stacks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The same service brought up by docker-compose 1.29.2 and by Berth's engine side, compared field by
 * field through {@code docker inspect}: mounts (type, mode, read-write), networks and aliases, the
 * network the container was created on, and port bindings. Skipped where docker-compose is not
 * installed.
 */
@Isolated
class ComposePeerIT extends EngineSupport {
    private static final String FILE = """
            version: "3.8"
            services:
              web:
                image: busybox:1.35
                command: ["sleep", "300"]
                volumes:
                  - ./html:/www:ro
                  - ./html:/www2
                  - data:/data
                  - data:/data2:ro
                  - /anon
                  - type: volume
                    source: data
                    target: /nc
                    volume:
                      nocopy: true
                  - type: tmpfs
                    target: /tmp/t
                    tmpfs:
                      size: 1048576
                networks:
                  front:
                    aliases: [www, site]
                  back: {}
                secrets:
                  - pw
                  - source: pw
                    target: /etc/pw2
                ports:
                  - "127.0.0.1:%1$d-%2$d:80"
                  - "127.0.0.1::81/udp"
            volumes:
              data:
            networks:
              front:
                labels:
                  x: y
              back:
                internal: true
            secrets:
              pw:
                file: ./pw.txt
            """;

    @Test
    void berthCreatesWhatDockerComposeCreates() throws Exception {
        assumeTrue(run(List.of("docker-compose", "version"), null).exit() == 0, "docker-compose is not installed");
        int start = Stacks.freePort();
        String peer = "bpeer" + UUID.randomUUID().toString().substring(0, 8);
        Path dir = Files.createDirectories(work.resolve("peer"));
        Files.createDirectories(dir.resolve("html"));
        Files.writeString(dir.resolve("html/index.html"), "hi");
        Files.writeString(dir.resolve("pw.txt"), "s3cret");
        Files.writeString(dir.resolve("docker-compose.yml"), FILE.formatted(start, start + 5));
        try {
            CliResult up = run(List.of("docker-compose", "-p", peer, "up", "-d"), dir);
            assertThat(up.exit()).as(up.output()).isZero();
            JsonNode theirs = inspect(peer + "_web_1");

            Draft web = new Draft("web");
            web.volumes.addAll(List.of(
                    new Mount(Mount.Type.BIND, "stacks/web/html", "/www", true, false, null, null),
                    new Mount(Mount.Type.BIND, "stacks/web/html", "/www2", false, false, null, null),
                    new Mount(Mount.Type.VOLUME, "data", "/data", false, false, null, null),
                    new Mount(Mount.Type.VOLUME, "data", "/data2", true, false, null, null),
                    new Mount(Mount.Type.VOLUME, null, "/anon", false, false, null, null),
                    new Mount(Mount.Type.VOLUME, "data", "/nc", false, true, null, null),
                    new Mount(Mount.Type.TMPFS, null, "/tmp/t", false, false, 1048576L, null)));
            web.networks.put("front", new ServiceNetwork(List.of("www", "site")));
            web.networks.put("back", ServiceNetwork.PLAIN);
            web.secrets.add(new FileMount("pw", "/run/secrets/pw", null, null, null));
            web.secrets.add(new FileMount("pw", "/etc/pw2", null, null, null));
            web.ports.add(new PortMapping("127.0.0.1", start, start + 5, 80, "tcp"));
            web.ports.add(new PortMapping("127.0.0.1", null, null, 81, "udp"));
            ComposeStack compose = stackOf(
                    List.of(web.spec()),
                    Map.of(
                            "front", new NetworkSpec("front", null, false, null, Map.of(), Map.of("x", "y"), false),
                            "back", new NetworkSpec("back", null, false, null, Map.of(), Map.of(), true)),
                    Map.of("data", new VolumeSpec("data", null, false, null, Map.of(), Map.of())),
                    Map.of("pw", new FileSource("pw", "stacks/web/pw.txt", null, null)),
                    Map.of());
            StackResources resources =
                    resources(compose, Map.of("stacks/web/html/index.html", "hi", "stacks/web/pw.txt", "s3cret"));
            resources.createNetworksAndVolumes();
            JsonNode ours = inspect(run(resources, web.spec()));

            assertThat(mounts(ours, stack.project())).isEqualTo(mounts(theirs, peer));
            assertThat(networks(ours, stack.project())).isEqualTo(networks(theirs, peer));
            assertThat(ours.at("/HostConfig/NetworkMode").asText().replace(stack.project(), "P"))
                    .isEqualTo(theirs.at("/HostConfig/NetworkMode").asText().replace(peer, "P"));
            assertThat(ours.at("/HostConfig/PortBindings")).isEqualTo(theirs.at("/HostConfig/PortBindings"));
            assertThat(ours.at("/Config/ExposedPorts")).isEqualTo(theirs.at("/Config/ExposedPorts"));
            for (String network : List.of("front", "back")) {
                JsonNode a = inspect("--type", "network", stack.project() + "_" + network);
                JsonNode b = inspect("--type", "network", peer + "_" + network);
                assertThat(a.get("Internal")).isEqualTo(b.get("Internal"));
                assertThat(a.get("Attachable")).isEqualTo(b.get("Attachable"));
                assertThat(a.get("Driver")).isEqualTo(b.get("Driver"));
                assertThat(a.at("/Labels/x")).isEqualTo(b.at("/Labels/x"));
                assertThat(a.at("/Labels/com.docker.compose.network"))
                        .isEqualTo(b.at("/Labels/com.docker.compose.network"));
            }
        } finally {
            run(List.of("docker-compose", "-p", peer, "down", "-v", "--timeout", "1"), dir);
        }
    }

    /** Destination to type, mode, read-write and (for volumes) name without the project. */
    private static Map<String, String> mounts(JsonNode container, String project) {
        Map<String, String> result = new TreeMap<>();
        for (JsonNode m : container.get("Mounts")) {
            String name = m.get("Type").asText().equals("volume")
                            && m.get("Name").asText().startsWith(project)
                    ? m.get("Name").asText().substring(project.length())
                    : "";
            result.put(
                    m.get("Destination").asText(),
                    m.get("Type").asText() + " mode=" + m.get("Mode").asText() + " rw="
                            + m.get("RW").asBoolean() + " " + name);
        }
        return result;
    }

    /** Network (without the project) to its aliases, the container's own short id left out. */
    private static Map<String, TreeSet<String>> networks(JsonNode container, String project) {
        Map<String, TreeSet<String>> result = new TreeMap<>();
        String shortId = container.get("Id").asText().substring(0, 12);
        container.at("/NetworkSettings/Networks").fields().forEachRemaining(e -> {
            TreeSet<String> aliases = new TreeSet<>();
            e.getValue().get("Aliases").forEach(a -> aliases.add(a.asText()));
            aliases.remove(shortId);
            result.put(e.getKey().replace(project, "P"), aliases);
        });
        return result;
    }
}
