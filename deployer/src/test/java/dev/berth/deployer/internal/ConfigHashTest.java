package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.common.event.EventCodec;
import org.junit.jupiter.api.Test;

class ConfigHashTest {
    private static final String IMAGE_ID = "sha256:aaaa";
    private static final String NETWORK = "dev-demo_default";
    private final ConfigHash hash = new ConfigHash(new EventCodec().json());

    private static ServiceSpec web(String compose) {
        return new ComposeParser().parse("compose.yaml", compose).service("web").orElseThrow();
    }

    private static final String WEB = """
            services:
              web:
                image: busybox:1.35
                command: ["httpd", "-f", "-p", "8080"]
                environment:
                  A: "1"
                  B: "2"
                labels:
                  team: web
            """;

    @Test
    void isTheSameForTheSameSpecAndImage() {
        String h = hash.of(web(WEB), IMAGE_ID, NETWORK);
        assertThat(h).hasSize(64).matches("[0-9a-f]+");
        assertThat(hash.of(web(WEB), IMAGE_ID, NETWORK)).isEqualTo(h);
    }

    @Test
    void ignoresHowTheFileOrdersOrSpellsTheSameSpec() {
        String reordered = """
                services:
                  web:
                    labels: [team=web]
                    environment: [B=2, A=1]
                    command: httpd -f -p 8080
                    image: busybox:1.35
                """;
        assertThat(hash.of(web(reordered), IMAGE_ID, NETWORK)).isEqualTo(hash.of(web(WEB), IMAGE_ID, NETWORK));
    }

    @Test
    void changesWithTheSpecTheImageIdOrTheNetwork() {
        String h = hash.of(web(WEB), IMAGE_ID, NETWORK);
        assertThat(hash.of(web(WEB.replace("B: \"2\"", "B: \"3\"")), IMAGE_ID, NETWORK))
                .isNotEqualTo(h);
        assertThat(hash.of(web(WEB.replace("team: web", "team: api")), IMAGE_ID, NETWORK))
                .isNotEqualTo(h);
        // A re-tagged image: same name in the file, another image id on the engine.
        assertThat(hash.of(web(WEB), "sha256:bbbb", NETWORK)).isNotEqualTo(h);
        assertThat(hash.of(web(WEB), IMAGE_ID, "dev-other_default")).isNotEqualTo(h);
    }
}
