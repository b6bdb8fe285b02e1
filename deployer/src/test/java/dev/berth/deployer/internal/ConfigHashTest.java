package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.common.event.EventCodec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
    void leavesOutTheIsolationOptionsWhileUnsetSoExistingContainersKeepTheirHash() {
        ObjectNode options =
                (ObjectNode) SpecFields.of(new EventCodec().json(), web(WEB)).get("options");
        assertThat(options.has("pid")).isTrue();
        assertThat(options.has("ipc") || options.has("sysctls") || options.has("runtime"))
                .isFalse();
        String h = hash.of(web(WEB), IMAGE_ID, NETWORK);
        String namespaced = WEB.replace("labels:", "sysctls: {net.core.somaxconn: 1024}\n    labels:");
        assertThat(hash.of(web(namespaced), IMAGE_ID, NETWORK)).isNotEqualTo(h);
        assertThat(hash.of(web(WEB.replace("labels:", "ipc: shareable\n    labels:")), IMAGE_ID, NETWORK))
                .isNotEqualTo(h);
    }

    /** A service using the keys that existed before hooks, relabelling and endpoint options. */
    private static final String EARLIER_KEYS = """
            services:
              web:
                image: busybox:1.35
                command: ["httpd", "-f", "-p", "8080"]
                environment: {A: "1"}
                volumes: ["./html:/www:ro", "data:/data"]
                healthcheck: {test: ["CMD", "true"], interval: 1s}
                mem_limit: 64m
                cpu_period: 100000
                networks:
                  front: {aliases: [www], priority: 2}
                  back:
            networks:
              front: {}
              back: {}
            volumes:
              data: {}
            """;

    @Test
    void aServiceWithoutTheNewKeysKeepsTheHashItHadBeforeThem() {
        // Computed by the commit before post_start, healthcheck without test, per-network endpoint keys,
        // cpu_rt_* and SELinux relabelling were added: an upgrade must not recreate running containers.
        assertThat(hash.of(web(EARLIER_KEYS), IMAGE_ID, NETWORK)).isEqualTo(EARLIER_HASH);
    }

    private static final String EARLIER_HASH = "9bacc0b609bea4674204c96d54cd1c5afd41df20125adf8475f8e41fce0ee14b";

    @Test
    void leavesOutTheLifecycleHooksWhileUnset() {
        ObjectNode spec = SpecFields.of(new EventCodec().json(), web(WEB));
        assertThat(spec.has("postStart")).isFalse();
        assertThat(spec.has("preStop")).isFalse();
        ServiceSpec hooked = web(WEB.replace("labels:", "post_start: [{command: \"true\", user: root}]\n    labels:"));
        assertThat(hash.of(hooked, IMAGE_ID, NETWORK))
                .isNotEqualTo(hash.of(
                        web(WEB.replace("labels:", "post_start: [{command: \"true\"}]\n    labels:")),
                        IMAGE_ID,
                        NETWORK));
    }

    @Test
    void leavesOutThePerNetworkEndpointKeysWhileUnsetAndChangesWithThem() {
        String plain = WEB + "    networks: {default: {aliases: [www]}}\n";
        ObjectNode spec = SpecFields.of(new EventCodec().json(), web(plain));
        assertThat(spec.at("/networks/default").toString()).isEqualTo("{\"aliases\":[\"www\"]}");
        String h = hash.of(web(plain), IMAGE_ID, NETWORK);
        for (String key : List.of(
                "link_local_ips: [169.254.1.1]",
                "driver_opts: {a: b}",
                "gw_priority: 2",
                "interface_name: eth5",
                "mac_address: 02:42:ac:11:00:42")) {
            assertThat(hash.of(web(plain.replace("aliases: [www]", "aliases: [www], " + key)), IMAGE_ID, NETWORK))
                    .as(key)
                    .isNotEqualTo(h);
        }
    }

    @Test
    void leavesOutAMountsSelinuxRelabellingWhileUnsetAndChangesWithIt() {
        String mounted = WEB + "    volumes: [\"./html:/www:ro\"]\n";
        ObjectNode spec = SpecFields.of(new EventCodec().json(), web(mounted));
        assertThat(spec.at("/volumes/0").has("selinux")).isFalse();
        assertThat(hash.of(web(mounted.replace(":ro", ":ro,z")), IMAGE_ID, NETWORK))
                .isNotEqualTo(hash.of(web(mounted), IMAGE_ID, NETWORK));
    }

    @Test
    void leavesOutContainerNameWhileUnsetAndChangesWithIt() {
        ObjectNode spec = SpecFields.of(new EventCodec().json(), web(WEB));
        assertThat(spec.has("containerName")).isFalse();
        String h = hash.of(web(WEB), IMAGE_ID, NETWORK);
        String named = hash.of(web(WEB.replace("labels:", "container_name: shop-web\n    labels:")), IMAGE_ID, NETWORK);
        assertThat(named).isNotEqualTo(h);
        assertThat(hash.of(web(WEB.replace("labels:", "container_name: shop-www\n    labels:")), IMAGE_ID, NETWORK))
                .isNotEqualTo(named)
                .isNotEqualTo(h);
    }

    @Test
    void leavesOutTheKeysOfComposeV2WhileUnsetSoExistingContainersKeepTheirHash() {
        ObjectNode options =
                (ObjectNode) SpecFields.of(new EventCodec().json(), web(WEB)).get("options");
        List<String> names = new ArrayList<>();
        options.fieldNames().forEachRemaining(names::add);
        // The options of a container labelled before these keys existed, as it was hashed then.
        assertThat(names)
                .containsExactly(
                        "restart",
                        "user",
                        "workingDir",
                        "hostname",
                        "capAdd",
                        "capDrop",
                        "readOnly",
                        "init",
                        "extraHosts",
                        "dns",
                        "stopSignal",
                        "stopGracePeriod",
                        "tmpfs",
                        "resources",
                        "logging",
                        "ulimits",
                        "privileged",
                        "networkMode",
                        "pid");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "stdin_open: true",
                "tty: true",
                "group_add: [\"1001\"]",
                "dns_search: example.com",
                "dns_opt: [ndots:2]",
                "domainname: example.org",
                "mac_address: 02:42:ac:11:00:42",
                "mem_limit: 64m",
                "cpus: 0.5",
                "pids_limit: 50",
                "mem_reservation: 32m",
                "memswap_limit: 128m",
                "mem_swappiness: 10",
                "shm_size: 128m",
                "cpu_shares: 512",
                "cpu_quota: 50000",
                "cpu_period: 100000",
                "cpuset: \"0\"",
                "cpu_count: 1",
                "cpu_percent: 50",
                "oom_score_adj: 200",
                "storage_opt: {size: 1G}",
                "blkio_config: {weight: 300}",
                "deploy: {restart_policy: {condition: on-failure}}",
                "post_start: [{command: \"true\"}]",
                "cpu_rt_runtime: 10ms",
                "cpu_rt_period: 1s",
                "pre_stop: [{command: \"true\"}]"
            })
    void changesWithEachKeyOfComposeV2(String key) {
        String h = hash.of(web(WEB), IMAGE_ID, NETWORK);
        assertThat(hash.of(web(WEB.replace("labels:", key + "\n    labels:")), IMAGE_ID, NETWORK))
                .isNotEqualTo(h);
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

    @Test
    void leavesOutTheReplicaCountSoScalingKeepsTheRunningReplicas() {
        ServiceSpec one = web(WEB);
        ServiceSpec three = PlannerTest.replicas(one, 3);
        assertThat(hash.of(three, IMAGE_ID, NETWORK)).isEqualTo(hash.of(one, IMAGE_ID, NETWORK));
        assertThat(hash.of(PlannerTest.replicas(one, 0), IMAGE_ID, NETWORK)).isEqualTo(hash.of(one, IMAGE_ID, NETWORK));
    }

    @Test
    void coversEveryNetworkWhateverTheirOrder() {
        String two = hash.of(web(WEB), IMAGE_ID, List.of("dev-demo_front", "dev-demo_back"));
        assertThat(hash.of(web(WEB), IMAGE_ID, List.of("dev-demo_back", "dev-demo_front")))
                .isEqualTo(two);
        assertThat(hash.of(web(WEB), IMAGE_ID, List.of("dev-demo_front"))).isNotEqualTo(two);
        assertThat(hash.of(web(WEB), IMAGE_ID, List.of("dev-demo_front", "shared")))
                .isNotEqualTo(two);
    }

    @Test
    void changesWithDependenciesHealthChecksAndOptions() {
        String h = hash.of(web(WEB), IMAGE_ID, NETWORK);
        String withHealth = WEB + "    healthcheck:\n      test: [\"CMD\", \"true\"]\n";
        assertThat(hash.of(web(withHealth), IMAGE_ID, NETWORK)).isNotEqualTo(h);
        String withGrace = WEB + "    stop_grace_period: 3s\n";
        assertThat(hash.of(web(withGrace), IMAGE_ID, NETWORK)).isNotEqualTo(h);
        String withPort = WEB + "    ports: [\"127.0.0.1:8080:8080\"]\n";
        assertThat(hash.of(web(withPort), IMAGE_ID, NETWORK)).isNotEqualTo(h);
    }

    @Test
    void ignoresTheUpdatePolicyAndTheGate() {
        String h = hash.of(web(WEB), IMAGE_ID, NETWORK);
        String policed = WEB + """
                    deploy:
                      update_config: {order: start-first, parallelism: 2, failure_action: pause, monitor: 5s}
                    x-berth:
                      gate: {timeout: 1m, probe: {http: {port: 8080, path: /}}}
                """;
        ServiceSpec spec = web(policed);
        assertThat(spec.update().parallelism()).isEqualTo(2);
        assertThat(spec.gate().probe()).isNotNull();
        assertThat(hash.of(spec, IMAGE_ID, NETWORK)).isEqualTo(h);
    }
}
