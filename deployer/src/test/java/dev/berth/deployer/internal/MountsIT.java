package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.BerthException;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.common.compose.ServiceSpec.Mount;
import dev.berth.deployer.internal.docker.ContainerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Bind mounts from the stack's files and the host, named, anonymous and tmpfs volumes, checked through
 * {@code docker inspect} against what docker-compose 1.29.2 creates for the same file (measured on
 * Engine 20.10: short-syntax binds and volumes as {@code Binds} with mode rw/ro, nocopy volumes and
 * tmpfs through the mounts API, anonymous volumes as container volumes).
 */
@Isolated
class MountsIT extends EngineSupport {
    @Test
    void mountsAsComposeDoes() throws Exception {
        Path hostDir = Files.createDirectories(work.resolve("host-data"));
        Files.writeString(hostDir.resolve("note.txt"), "from the host");
        Draft web = new Draft("web");
        web.volumes.addAll(List.of(
                new Mount(Mount.Type.BIND, "stacks/web/html", "/www", true, false, null, null),
                new Mount(Mount.Type.BIND, "stacks/web/html", "/www2", false, false, null, null),
                new Mount(Mount.Type.BIND, hostDir.toString(), "/host", false, false, null, null),
                new Mount(Mount.Type.VOLUME, "data", "/data", false, false, null, null),
                new Mount(Mount.Type.VOLUME, "data", "/data2", true, false, null, null),
                new Mount(Mount.Type.VOLUME, "data", "/nc", false, true, null, null),
                new Mount(Mount.Type.VOLUME, null, "/anon", false, false, null, null),
                new Mount(Mount.Type.TMPFS, null, "/tmp/t", false, false, 1048576L, 01770)));
        ServiceSpec service = web.spec();
        ComposeStack compose = stackOf(
                List.of(service),
                Map.of(),
                Map.of("data", new ComposeStack.VolumeSpec("data", null, false, null, Map.of(), Map.of("team", "web"))),
                Map.of(),
                Map.of());
        StackResources resources = resources(compose, Map.of("stacks/web/html/index.html", "hello"));
        resources.createNetworksAndVolumes();
        String id = run(resources, service);

        Path html = work.resolve("eit").resolve(stack.name()).resolve("files/stacks/web/html");
        assertThat(resources.hostPath("stacks/web/html")).isEqualTo(html);
        Map<String, JsonNode> mounts = new HashMap<>();
        inspect(id).get("Mounts").forEach(m -> mounts.put(m.get("Destination").asText(), m));
        assertThat(mounts).containsOnlyKeys("/www", "/www2", "/host", "/data", "/data2", "/nc", "/anon", "/tmp/t");
        assertMount(mounts.get("/www"), "bind", "ro", false);
        assertThat(mounts.get("/www").get("Source").asText()).isEqualTo(html.toString());
        assertMount(mounts.get("/www2"), "bind", "rw", true);
        assertMount(mounts.get("/host"), "bind", "rw", true);
        assertThat(mounts.get("/host").get("Source").asText()).isEqualTo(hostDir.toString());
        String volume = stack.project() + "_data";
        assertMount(mounts.get("/data"), "volume", "rw", true);
        assertThat(mounts.get("/data").get("Name").asText()).isEqualTo(volume);
        assertMount(mounts.get("/data2"), "volume", "ro", false);
        assertThat(mounts.get("/nc").get("Name").asText()).isEqualTo(volume);
        assertThat(mounts.get("/nc").get("RW").asBoolean()).isTrue();
        assertMount(mounts.get("/anon"), "volume", "", true);
        assertThat(mounts.get("/anon").get("Name").asText()).hasSize(64);
        assertMount(mounts.get("/tmp/t"), "tmpfs", "", true);

        assertThat(exec(id, "cat", "/www/index.html")).isEqualTo("hello");
        assertThat(exec(id, "cat", "/host/note.txt")).isEqualTo("from the host");
        assertThat(cliResult("exec", id, "touch", "/www/x").exit()).isNotZero();
        assertThat(exec(id, "stat", "-c", "%a", "/tmp/t")).isEqualTo("1770");
        assertThat(exec(id, "sh", "-c", "df -k /tmp/t | tail -1 | awk '{print $2}'"))
                .isEqualTo("1024");
        JsonNode nocopy = inspect(id).at("/HostConfig/Mounts").get(0);
        assertThat(nocopy.at("/VolumeOptions/NoCopy").asBoolean()).isTrue();

        JsonNode labels = inspect("--type", "volume", volume).get("Labels");
        assertThat(labels.get("com.docker.compose.project").asText()).isEqualTo(stack.project());
        assertThat(labels.get("com.docker.compose.volume").asText()).isEqualTo("data");
        assertThat(labels.get("berth.stack").asText()).isEqualTo(stack.key());
        assertThat(labels.get("team").asText()).isEqualTo("web");

        // Removing the stack's containers and networks leaves the named volume and its data.
        exec(id, "sh", "-c", "echo kept > /data/f");
        volumes.add(mounts.get("/anon").get("Name").asText());
        engine.remove(id);
        StackResources.removeNetworks(engine, stack, java.util.Set.of());
        assertThat(engine.volumeExists(volume)).isTrue();
        resources.createNetworksAndVolumes();
        String again = run(resources, service);
        assertThat(exec(again, "cat", "/data/f")).isEqualTo("kept");
    }

    @Test
    void relabelledBindsGoInBindsWithTheirSelinuxOption() throws Exception {
        Path hostDir = Files.createDirectories(work.resolve("host-relabel"));
        Files.writeString(hostDir.resolve("note.txt"), "relabelled");
        Draft web = new Draft("web");
        web.volumes.addAll(List.of(
                new Mount(Mount.Type.BIND, "stacks/web/html", "/www", true, false, null, null, "z"),
                new Mount(Mount.Type.BIND, hostDir.toString(), "/host", false, false, null, null, "Z"),
                new Mount(Mount.Type.BIND, "stacks/web/missing", "/made", false, false, null, null, "z")));
        ServiceSpec service = web.spec();
        ComposeStack compose = stackOf(List.of(service), Map.of(), Map.of(), Map.of(), Map.of());
        StackResources resources = resources(compose, Map.of("stacks/web/html/index.html", "hello"));
        resources.createNetworksAndVolumes();
        String id = run(resources, service);

        Path html = work.resolve("eit").resolve(stack.name()).resolve("files/stacks/web/html");
        List<String> binds = new java.util.ArrayList<>();
        inspect(id).at("/HostConfig/Binds").forEach(b -> binds.add(b.asText()));
        assertThat(binds)
                .contains(html + ":/www:ro,z", hostDir + ":/host:rw,Z")
                .anyMatch(b -> b.endsWith("/files/stacks/web/missing:/made:rw,z"));
        Map<String, JsonNode> mounts = new HashMap<>();
        inspect(id).get("Mounts").forEach(m -> mounts.put(m.get("Destination").asText(), m));
        assertMount(mounts.get("/www"), "bind", "ro,z", false);
        assertMount(mounts.get("/host"), "bind", "rw,Z", true);
        assertThat(exec(id, "cat", "/www/index.html")).isEqualTo("hello");
        assertThat(exec(id, "cat", "/host/note.txt")).isEqualTo("relabelled");
        assertThat(exec(id, "sh", "-c", "test -d /made && echo dir")).isEqualTo("dir");
    }

    @Test
    void anonymousVolumesOutliveAReplacement() {
        Draft web = new Draft("web");
        web.volumes.add(new Mount(Mount.Type.VOLUME, null, "/anon", false, false, null, null));
        web.volumes.add(new Mount(Mount.Type.VOLUME, null, "/fresh", false, false, null, null));
        ServiceSpec first = web.spec();
        StackResources resources = resources(stackOf(List.of(first), Map.of(), Map.of(), Map.of(), Map.of()), Map.of());
        resources.createNetworksAndVolumes();
        String old = run(resources, first);
        exec(old, "sh", "-c", "echo data > /anon/f");
        String anon = null;
        for (JsonNode m : inspect(old).get("Mounts")) {
            if (m.get("Destination").asText().equals("/anon")) {
                anon = m.get("Name").asText();
            }
        }
        assertThat(anon).hasSize(64);

        // The replacement binds /fresh elsewhere now: only /anon is carried over.
        Draft next = new Draft("web");
        next.volumes.add(new Mount(Mount.Type.VOLUME, null, "/anon", false, false, null, null));
        next.volumes.add(new Mount(Mount.Type.TMPFS, null, "/fresh", false, false, null, null));
        ContainerSpec spec = resources.withVolumesOf(
                resources.containerSpec(stack.project() + "-web-2", next.spec(), Map.of(Labels.STACK, stack.key())),
                engine.containers(Labels.STACK, stack.key()));
        assertThat(spec.mounts())
                .extracting(ContainerSpec.MountSpec::kind, ContainerSpec.MountSpec::target)
                .containsExactly(
                        tuple(ContainerSpec.MountSpec.Kind.VOLUME, "/anon"),
                        tuple(ContainerSpec.MountSpec.Kind.TMPFS, "/fresh"));
        String replacement = engine.create(spec);
        engine.start(replacement);
        assertThat(exec(replacement, "cat", "/anon/f")).isEqualTo("data");
        assertThat(inspect(replacement).get("Mounts").findValuesAsText("Name")).contains(anon);
        assertThat(resources.withVolumesOf(spec, List.of())).isSameAs(spec);
    }

    @Test
    void anExternalVolumeMustExist() {
        String name = "berth-missing-" + UUID.randomUUID();
        Draft web = new Draft("web");
        web.volumes.add(new Mount(Mount.Type.VOLUME, "shared", "/shared", false, false, null, null));
        ComposeStack compose = stackOf(
                List.of(web.spec()),
                Map.of(),
                Map.of("shared", new ComposeStack.VolumeSpec("shared", name, true, null, Map.of(), Map.of())),
                Map.of(),
                Map.of());
        StackResources resources = resources(compose, Map.of());
        assertThatThrownBy(resources::createNetworksAndVolumes)
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("volume \"" + name + "\"")
                .hasMessageContaining("is external but does not exist")
                .hasMessageContaining("docker volume create " + name);

        volumes.add(name);
        cli("volume", "create", name);
        resources.createNetworksAndVolumes();
        String id = run(resources, web.spec());
        assertThat(inspect(id).get("Mounts").get(0).get("Name").asText()).isEqualTo(name);
        assertThat(inspect("--type", "volume", name).get("Labels").isNull()
                        || !inspect("--type", "volume", name).get("Labels").has("berth.stack"))
                .as("an external volume is used as it is")
                .isTrue();
    }

    @Test
    void aVolumeTheStackDoesNotDeclareIsNamed() {
        Draft web = new Draft("web");
        web.volumes.add(new Mount(Mount.Type.VOLUME, "nowhere", "/x", false, false, null, null));
        StackResources resources =
                resources(stackOf(List.of(web.spec()), Map.of(), Map.of(), Map.of(), Map.of()), Map.of());
        assertThatThrownBy(resources::createNetworksAndVolumes)
                .isInstanceOf(BerthException.class)
                .hasMessage("service \"web\" mounts volume \"nowhere\", which " + stack
                        + " does not declare under top-level volumes:");
    }

    private static void assertMount(JsonNode mount, String type, String mode, boolean rw) {
        assertThat(mount.get("Type").asText()).as("type of %s", mount).isEqualTo(type);
        assertThat(mount.get("Mode").asText()).as("mode of %s", mount).isEqualTo(mode);
        assertThat(mount.get("RW").asBoolean()).as("RW of %s", mount).isEqualTo(rw);
    }
}
