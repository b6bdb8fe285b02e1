package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposeStack;
import dev.berth.deployer.internal.docker.ApiVersion;
import org.junit.jupiter.api.Test;

class EngineRequirementsTest {
    private static final ComposeStack NEW_KEYS = new ComposeParser().parse("compose.yaml", """
                    services:
                      web:
                        image: busybox:1.35
                        annotations: {com.example.owner: web}
                      api:
                        image: busybox:1.35
                        healthcheck: {test: "true", start_interval: 2s}
                    """);

    @Test
    void anOlderEngineIsRefusedNamingEachKeyAndTheVersionItNeeds() {
        assertThatThrownBy(() -> EngineRequirements.check(NEW_KEYS, ApiVersion.V1_41))
                .isInstanceOf(BerthException.class)
                .hasMessage("service \"web\": annotations needs Docker Engine API 1.43; service \"api\":"
                        + " healthcheck.start_interval needs Docker Engine API 1.44; this engine speaks API 1.41:"
                        + " upgrade the engine, or remove the keys");
        assertThatThrownBy(() -> EngineRequirements.check(NEW_KEYS, ApiVersion.parse("1.43")))
                .hasMessageNotContaining("annotations")
                .hasMessageContaining("start_interval needs Docker Engine API 1.44");
        EngineRequirements.check(NEW_KEYS, ApiVersion.parse("1.44"));
        EngineRequirements.check(
                new ComposeParser().parse("compose.yaml", "services:\n  web:\n    image: a\n"), ApiVersion.V1_41);
    }

    @Test
    void perNetworkKeysOfNewerEnginesAreRefusedNamingTheFileTheKeyAndTheVersion() {
        ComposeStack stack = new ComposeParser().parse("stacks/web/compose.yaml", """
                services:
                  web:
                    image: busybox:1.35
                    networks:
                      front: {priority: 10, mac_address: 02:42:ac:11:00:42}
                      back:
                        gw_priority: 1
                        interface_name: back0
                        link_local_ips: [169.254.10.10]
                        driver_opts: {com.example.tag: web}
                networks:
                  front: {}
                  back: {}
                """);
        assertThatThrownBy(() -> EngineRequirements.check(stack, "stacks/web/compose.yaml", ApiVersion.V1_41))
                .isInstanceOf(BerthException.class)
                .hasMessage("stacks/web/compose.yaml: service \"web\": networks.back.gw_priority needs Docker Engine"
                        + " API 1.48; service \"web\": networks.back.interface_name needs Docker Engine API 1.49;"
                        + " service \"web\": networks.front.mac_address needs Docker Engine API 1.44; this engine speaks API"
                        + " 1.41: upgrade the engine, or remove the keys");
        assertThatThrownBy(() -> EngineRequirements.check(stack, "c.yaml", ApiVersion.parse("1.48")))
                .hasMessage("c.yaml: service \"web\": networks.back.interface_name needs Docker Engine API 1.49; this"
                        + " engine speaks API 1.48: upgrade the engine, or remove the key");
        EngineRequirements.check(stack, "c.yaml", ApiVersion.parse("1.49"));
    }

    @Test
    void versionsCompareByMajorThenMinor() {
        assertThat(ApiVersion.parse("1.41").atLeast(ApiVersion.parse("1.9"))).isTrue();
        assertThat(ApiVersion.parse("1.41").atLeast(ApiVersion.parse("1.43"))).isFalse();
        assertThat(ApiVersion.parse("2.0").atLeast(ApiVersion.parse("1.44"))).isTrue();
        assertThatThrownBy(() -> ApiVersion.parse("v1")).hasMessageContaining("not major.minor");
    }
}
