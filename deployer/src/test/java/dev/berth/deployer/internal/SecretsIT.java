package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.BerthException;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ComposeStack.FileSource;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.compose.ServiceSpec.FileMount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * File-based secrets and configs: a repository file, a config's inline content, and a secret read
 * from a variable (the stack's or the deployer host's), each mounted read-only at its target as
 * docker-compose 1.29.2 mounts file secrets (a read-only bind, {@code /run/secrets/<name>} by default).
 */
@Isolated
class SecretsIT extends EngineSupport {
    private static final String HOST_TOKEN = "host-token-value-0123";

    private final Map<String, FileSource> secrets = Map.of(
            "pw", new FileSource("pw", "stacks/web/pw.txt", null, null),
            "token", new FileSource("token", null, null, "TOKEN"),
            "stackvar", new FileSource("stackvar", null, null, "FROM_STACK"));
    private final Map<String, FileSource> configs = Map.of(
            "app", new FileSource("app", "stacks/web/app.conf", null, null),
            "inline", new FileSource("inline", null, "a=1\n", null));

    private Draft web() {
        Draft web = new Draft("web");
        web.secrets.addAll(List.of(
                new FileMount("pw", "/run/secrets/pw", null, null, null),
                new FileMount("pw", "/etc/pw2", null, null, null),
                new FileMount("token", "/run/secrets/token", null, null, null),
                new FileMount("stackvar", "/run/secrets/stackvar", null, null, 0440)));
        web.configs.addAll(List.of(
                new FileMount("app", "/app", null, null, null),
                new FileMount("inline", "/etc/inline.conf", null, null, null)));
        return web;
    }

    private StackResources prepare(Draft web, Map<String, String> files, String token) {
        ComposeStack compose = stackOf(List.of(web.spec()), Map.of(), Map.of(), secrets, configs);
        return resources(
                compose,
                files,
                Map.of("FROM_STACK", "from the stack"),
                new HostVariables(Map.of("TOKEN", token)),
                randomSha());
    }

    @Test
    void secretsAndConfigsAreReadOnlyFilesInTheContainer() throws Exception {
        Draft web = web();
        Map<String, String> files = Map.of("stacks/web/pw.txt", "s3cret", "stacks/web/app.conf", "port=80");
        StackResources resources = prepare(web, files, HOST_TOKEN);
        resources.createNetworksAndVolumes();
        String id = run(resources, web.spec());

        assertThat(exec(id, "cat", "/run/secrets/pw")).isEqualTo("s3cret");
        assertThat(exec(id, "cat", "/etc/pw2")).isEqualTo("s3cret");
        assertThat(exec(id, "cat", "/run/secrets/token")).isEqualTo(HOST_TOKEN);
        assertThat(exec(id, "cat", "/run/secrets/stackvar")).isEqualTo("from the stack");
        assertThat(exec(id, "cat", "/app")).isEqualTo("port=80");
        assertThat(exec(id, "cat", "/etc/inline.conf")).isEqualTo("a=1");
        assertThat(exec(id, "stat", "-c", "%a", "/run/secrets/token")).isEqualTo("600");
        assertThat(exec(id, "stat", "-c", "%a", "/run/secrets/stackvar")).isEqualTo("440");
        assertThat(cliResult("exec", id, "sh", "-c", "echo x > /run/secrets/pw").exit())
                .isNotZero();

        JsonNode inspected = inspect(id);
        Map<String, JsonNode> mounts = new HashMap<>();
        inspected.get("Mounts").forEach(m -> mounts.put(m.get("Destination").asText(), m));
        assertThat(mounts)
                .containsOnlyKeys(
                        "/run/secrets/pw",
                        "/etc/pw2",
                        "/run/secrets/token",
                        "/run/secrets/stackvar",
                        "/app",
                        "/etc/inline.conf");
        for (JsonNode m : mounts.values()) {
            assertThat(m.get("Type").asText()).isEqualTo("bind");
            assertThat(m.get("Mode").asText()).isEqualTo("");
            assertThat(m.get("RW").asBoolean()).isFalse();
        }
        assertThat(mounts.get("/run/secrets/pw").get("Source").asText())
                .isEqualTo(resources.hostPath("stacks/web/pw.txt").toString());
        Path tokenFile = Path.of(mounts.get("/run/secrets/token").get("Source").asText());
        assertThat(tokenFile).startsWith(work);
        assertThat(Files.getPosixFilePermissions(tokenFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(inspected.toString()).doesNotContain(HOST_TOKEN).doesNotContain("from the stack");
    }

    @Test
    void aChangedSecretOrConfigChangesTheFilesDigest() {
        Draft web = web();
        Map<String, String> files = Map.of("stacks/web/pw.txt", "s3cret", "stacks/web/app.conf", "port=80");
        String digest = prepare(web, files, HOST_TOKEN).filesDigest(web.spec());
        assertThat(digest).hasSize(64).doesNotContain(HOST_TOKEN);
        assertThat(prepare(web, files, HOST_TOKEN).filesDigest(web.spec())).isEqualTo(digest);
        assertThat(prepare(web, files, "another-token").filesDigest(web.spec())).isNotEqualTo(digest);
        assertThat(prepare(web, Map.of("stacks/web/pw.txt", "new", "stacks/web/app.conf", "port=80"), HOST_TOKEN)
                        .filesDigest(web.spec()))
                .isNotEqualTo(digest);
        Draft plain = new Draft("plain");
        assertThat(prepare(plain, files, HOST_TOKEN).filesDigest(plain.spec())).isEmpty();
    }

    @Test
    void aSecretVariableThatIsNotSetIsNamedWithoutAnyValue() {
        Draft web = new Draft("web");
        web.secrets.add(new FileMount("missing", "/run/secrets/missing", null, null, null));
        ComposeStack compose = stackOf(
                List.of(web.spec()),
                Map.of(),
                Map.of(),
                Map.of("missing", new FileSource("missing", null, null, "NOT_SET_ANYWHERE")),
                Map.of());
        StackResources resources =
                resources(compose, Map.of(), Map.of(), new HostVariables(Map.of("TOKEN", HOST_TOKEN)), randomSha());
        assertThatThrownBy(() -> resources.containerSpec("x", web.spec(), Map.of()))
                .isInstanceOf(BerthException.class)
                .hasMessage("secret \"missing\" of service \"web\" reads variable NOT_SET_ANYWHERE, which is not set:"
                        + " set it in the deployer's host variables (its environment or secrets file) or in the"
                        + " stack's environment");

        Draft other = new Draft("other");
        other.configs.add(new FileMount("nowhere", "/nowhere", null, null, null));
        assertThatThrownBy(() -> resources.containerSpec("x", other.spec(), Map.of()))
                .isInstanceOf(BerthException.class)
                .hasMessage("service \"other\" uses config \"nowhere\", which " + stack
                        + " does not declare under top-level configs:");
    }
}
