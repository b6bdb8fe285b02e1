package dev.berth.common.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerNameTest {
    private static final String FILE = "stacks/web/compose.yaml";
    private final ComposeParser parser = new ComposeParser();

    private ComposeException failure(String yaml, Map<String, String> variables) {
        try {
            parser.parse(FILE, yaml, variables);
        } catch (ComposeException e) {
            return e;
        }
        throw new AssertionError("expected a ComposeException for:\n" + yaml);
    }

    @Test
    void readsTheNameAsWritten() {
        ServiceSpec web = parser.parse(FILE, "services:\n  web:\n    image: nginx\n    container_name: shop.web_1\n")
                .service("web")
                .orElseThrow();
        assertThat(web.containerName()).isEqualTo("shop.web_1");
        ServiceSpec plain = parser.parse(FILE, "services:\n  web:\n    image: nginx\n")
                .service("web")
                .orElseThrow();
        assertThat(plain.containerName()).isNull();
    }

    @Test
    void interpolatesTheName() {
        ServiceSpec web = parser.parse(
                        FILE,
                        "services:\n  web:\n    image: nginx\n    container_name: ${ENV:-dev}-shop-$NAME\n",
                        Map.of("NAME", "web"))
                .service("web")
                .orElseThrow();
        assertThat(web.containerName()).isEqualTo("dev-shop-web");
    }

    @Test
    void anInterpolatedNameIsCheckedAfterInterpolation() {
        ComposeException e = failure(
                "services:\n  web:\n    image: nginx\n    container_name: \"${PREFIX}web\"\n", Map.of("PREFIX", "my "));
        assertThat(e.file()).isEqualTo(FILE);
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.column()).isEqualTo(21);
        assertThat(e.detail())
                .isEqualTo("service \"web\": container_name \"my web\" is not a valid container name: Docker's rule"
                        + " is [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two characters or more, letters, digits, '_', '.' and '-',"
                        + " starting with a letter or digit); rename it");
    }

    @Test
    void invalidNamesAreRefusedAtTheirValue() {
        for (String bad : new String[] {"-web", "w", "web/1", "\"\"", "_web", "wéb"}) {
            ComposeException e =
                    failure("services:\n  web:\n    image: nginx\n    container_name: " + bad + "\n", Map.of());
            assertThat(e.line()).as(bad).isEqualTo(4);
            assertThat(e.column()).as(bad).isEqualTo(21);
            assertThat(e.detail()).as(bad).contains("is not a valid container name", "rename it");
        }
    }

    @Test
    void moreThanOneReplicaIsRefusedNamingBothKeys() {
        ComposeException replicas = failure("""
                services:
                  web:
                    image: nginx
                    container_name: shop-web
                    deploy:
                      replicas: 2
                """, Map.of());
        assertThat(replicas.file()).isEqualTo(FILE);
        assertThat(replicas.line()).isEqualTo(4);
        assertThat(replicas.column()).isEqualTo(5);
        assertThat(replicas.detail())
                .isEqualTo("service \"web\": container_name \"shop-web\" and deploy.replicas 2 (line 6) exclude each"
                        + " other: Docker gives one container that name, so Compose refuses more than one replica of"
                        + " it; remove container_name, or set deploy.replicas to 1");
        ComposeException scale =
                failure("services:\n  web:\n    image: nginx\n    scale: 3\n    container_name: shop-web\n", Map.of());
        assertThat(scale.line()).isEqualTo(5);
        assertThat(scale.detail()).contains("container_name \"shop-web\" and scale 3 (line 4)", "set scale to 1");
    }

    @Test
    void oneReplicaOrNoneIsFine() {
        assertThat(parser.parse(
                                FILE,
                                "services:\n  web:\n    image: nginx\n    container_name: a1\n    deploy: {replicas: 1}\n")
                        .service("web")
                        .orElseThrow()
                        .replicas())
                .isEqualTo(1);
        assertThat(parser.parse(FILE, "services:\n  web:\n    image: nginx\n    container_name: a1\n    scale: 0\n")
                        .service("web")
                        .orElseThrow()
                        .replicas())
                .isZero();
    }

    @Test
    void twoServicesCannotShareAName() {
        ComposeException e = failure("""
                services:
                  a:
                    image: nginx
                    container_name: same
                  b:
                    image: nginx
                    container_name: same
                """, Map.of());
        assertThat(e.line()).isEqualTo(7);
        assertThat(e.detail())
                .isEqualTo("service \"b\": container_name \"same\" is already the container_name of service \"a\""
                        + " (line 4); Docker names one container so: give each service its own name");
    }

    @Test
    void theWatcherLeavesANameOfHostVariablesToTheDeployer() {
        String yaml = "services:\n  web:\n    image: nginx\n    container_name: ${HOST_NAME}\n";
        ComposeStack watched = parser.parse(FILE, yaml, Map.of(), StackFiles.EMPTY, null);
        assertThat(watched.hostVariables()).containsExactly("HOST_NAME");
        assertThatThrownBy(() -> parser.parse(FILE, yaml, Map.of(), StackFiles.EMPTY, HostVariables.NONE))
                .isInstanceOf(ComposeException.class)
                .hasMessageContaining("container_name \"\" is not a valid container name");
    }
}
