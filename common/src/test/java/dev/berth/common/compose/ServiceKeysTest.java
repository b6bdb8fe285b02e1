package dev.berth.common.compose;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The service keys of Compose v2 that one engine applies, beyond the first ones: each read with
 * Compose's syntax and meaning, each bad value refused at its line and column, and what Compose
 * itself ignores on one engine accepted with a warning.
 */
class ServiceKeysTest {
    private static final String FILE = "stacks/web/compose.yaml";
    private static final String HEAD = "services:\n  web:\n    image: a\n";

    private final List<String> warnings = new ArrayList<>();

    private ComposeStack parse(ComposePolicy policy, String yaml) {
        return new ComposeParser(policy, UpdatePolicy.DEFAULT, warnings::add).parse(FILE, yaml);
    }

    private ContainerOptions options(String serviceKeys) {
        return parse(ComposePolicy.DEFAULT, HEAD + serviceKeys)
                .service("web")
                .orElseThrow()
                .options();
    }

    private static ComposeException failure(ComposePolicy policy, String yaml) {
        try {
            new ComposeParser(policy).parse(FILE, yaml);
        } catch (ComposeException e) {
            return e;
        }
        throw new AssertionError("expected a ComposeException for:\n" + yaml);
    }

    @Test
    void readsTerminalIdentityAndResolverKeys() {
        ContainerOptions o = options("""
                    stdin_open: true
                    tty: true
                    attach: false
                    group_add: [mail, 1001]
                    dns_search: example.com
                    dns_opt: [ndots:2, use-vc]
                    domainname: example.org
                    mac_address: 02:42:ac:11:00:02
                """);
        assertThat(o.stdinOpen()).isTrue();
        assertThat(o.tty()).isTrue();
        assertThat(o.groupAdd()).containsExactly("mail", "1001");
        assertThat(o.dnsSearch()).containsExactly("example.com");
        assertThat(o.dnsOpt()).containsExactly("ndots:2", "use-vc");
        assertThat(o.domainname()).isEqualTo("example.org");
        assertThat(o.macAddress()).isEqualTo("02:42:ac:11:00:02");
        assertThat(warnings).isEmpty();
    }

    @Test
    void serviceLevelResourceKeysMeanWhatDeployResourcesMean() {
        ContainerOptions o = options("""
                    mem_limit: 64m
                    cpus: 0.5
                    pids_limit: 100
                    mem_reservation: 32m
                """);
        assertThat(o.resources()).isEqualTo(new ContainerOptions.Resources(64L << 20, 500_000_000L, 100L, 32L << 20));
        ContainerOptions agreeing = options("""
                    mem_limit: 64m
                    deploy: {resources: {limits: {memory: 64M}}}
                """);
        assertThat(agreeing.resources().memoryLimit()).isEqualTo(64L << 20);
        assertThat(options("    cpus: 0\n").resources().nanoCpus()).isNull();
        assertThat(options("    pids_limit: -1\n").resources().pidsLimit()).isEqualTo(-1L);
    }

    @Test
    void readsTheKernelLimits() {
        ContainerOptions.Limits l = options("""
                    memswap_limit: 128m
                    mem_swappiness: 10
                    shm_size: 256m
                    cpu_shares: 512
                    cpu_quota: 50000
                    cpu_period: 100000
                    cpuset: 0-1
                    cpu_count: 2
                    cpu_percent: 50
                    oom_score_adj: 300
                    storage_opt: {size: 1G}
                    blkio_config:
                      weight: 300
                      weight_device: [{path: /dev/sda, weight: 400}]
                      device_read_bps: [{path: /dev/sdb, rate: 12mb}]
                      device_write_bps: [{path: /dev/sdb, rate: 1024k}]
                      device_read_iops: [{path: /dev/sdb, rate: 120}]
                      device_write_iops: [{path: /dev/sdb, rate: 30}]
                """).limits();
        assertThat(l.memorySwap()).isEqualTo(128L << 20);
        assertThat(l.memorySwappiness()).isEqualTo(10);
        assertThat(l.shmSize()).isEqualTo(256L << 20);
        assertThat(l.cpuShares()).isEqualTo(512);
        assertThat(l.cpuQuota()).isEqualTo(50_000L);
        assertThat(l.cpuPeriod()).isEqualTo(100_000L);
        assertThat(l.cpuset()).isEqualTo("0-1");
        assertThat(l.cpuCount()).isEqualTo(2L);
        assertThat(l.cpuPercent()).isEqualTo(50L);
        assertThat(l.oomScoreAdj()).isEqualTo(300);
        assertThat(l.storageOpt()).isEqualTo(Map.of("size", "1G"));
        assertThat(l.blkio())
                .isEqualTo(new ContainerOptions.Blkio(
                        300,
                        List.of(new ContainerOptions.DeviceRate("/dev/sda", 400)),
                        List.of(new ContainerOptions.DeviceRate("/dev/sdb", 12L << 20)),
                        List.of(new ContainerOptions.DeviceRate("/dev/sdb", 1024L << 10)),
                        List.of(new ContainerOptions.DeviceRate("/dev/sdb", 120)),
                        List.of(new ContainerOptions.DeviceRate("/dev/sdb", 30))));
        assertThat(options("    memswap_limit: -1\n").limits().memorySwap()).isEqualTo(-1L);
        assertThat(options("    image: a\n".substring(0, 0)).limits()).isEqualTo(ContainerOptions.Limits.NONE);
    }

    @Test
    void theKeysThatEscapeTheEnginesControlNeedTheirAllowance() {
        String yaml = HEAD + "    oom_kill_disable: true\n    oom_score_adj: -500\n    cgroup_parent: berth.slice\n";
        ComposeException e = failure(ComposePolicy.DEFAULT, yaml);
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.detail()).endsWith("--allow oom-kill-disable, or use 0 or more");
        assertThat(failure(ComposePolicy.DEFAULT, HEAD + "    oom_kill_disable: true\n")
                        .detail())
                .endsWith("--allow oom-kill-disable");
        assertThat(failure(ComposePolicy.parse(List.of("oom-kill-disable")), yaml)
                        .detail())
                .isEqualTo("service \"web\": cgroup_parent berth.slice moves the container out of the engine's"
                        + " cgroup, under limits set outside Docker; the environment's policy refuses it: allow it"
                        + " for the environment with --allow cgroup-parent");
        ContainerOptions.Limits l = parse(ComposePolicy.parse(List.of("oom-kill-disable", "cgroup-parent")), yaml)
                .service("web")
                .orElseThrow()
                .options()
                .limits();
        assertThat(l.oomKillDisable()).isTrue();
        assertThat(l.oomScoreAdj()).isEqualTo(-500);
        assertThat(l.cgroupParent()).isEqualTo("berth.slice");
    }

    @Test
    void restartPolicyIsMappedAsComposeMapsIt() {
        assertThat(options("    deploy: {restart_policy: {condition: on-failure, max_attempts: 3}}\n")
                        .restart())
                .isEqualTo("on-failure:3");
        assertThat(options("    deploy: {restart_policy: {condition: none}}\n").restart())
                .isEqualTo("no");
        assertThat(options("    deploy: {restart_policy: {}}\n").restart()).isEqualTo("always");
        // The engine's names, as Compose v2 2.26.1 passes them (checked with docker compose up and inspect).
        assertThat(options("    deploy: {restart_policy: {condition: unless-stopped}}\n")
                        .restart())
                .isEqualTo("unless-stopped");
        assertThat(options("    deploy: {restart_policy: {condition: always}}\n")
                        .restart())
                .isEqualTo("always");
        assertThat(options("    deploy: {restart_policy: {condition: \"no\"}}\n")
                        .restart())
                .isEqualTo("no");
        assertThat(warnings).isEmpty();
        assertThat(options("    restart: unless-stopped\n    deploy: {restart_policy: {condition: any, delay: 5s}}\n")
                        .restart())
                .isEqualTo("always");
        assertThat(warnings)
                .containsExactly(
                        FILE + ":5:47: service \"web\": deploy.restart_policy.delay is ignored: only Swarm applies it;"
                                + " the engine restarts with its own back-off",
                        FILE + ":4:14: service \"web\": restart unless-stopped is overridden by"
                                + " deploy.restart_policy (always), as Compose does; keep one of them");
    }

    @Test
    void whatComposeIgnoresOnOneEngineIsAWarning() {
        ComposeStack stack = parse(ComposePolicy.DEFAULT, """
                version: "3.8"
                services:
                  web:
                    image: a
                    develop:
                      watch: [{action: sync, path: ./src, target: /src}]
                    deploy:
                      mode: global
                      endpoint_mode: vip
                      placement: {constraints: [node.role == manager]}
                      labels: {com.example.team: web}
                      rollback_config: {parallelism: 1}
                      resources:
                        reservations: {cpus: "0.25"}
                """);
        assertThat(stack.service("web").orElseThrow().replicas()).isEqualTo(1);
        assertThat(warnings)
                .hasSize(8)
                .allSatisfy(w -> assertThat(w).startsWith(FILE + ":").contains("ignore"));
        assertThat(warnings.get(0))
                .isEqualTo(FILE + ":1:1: version is obsolete and ignored: Compose reads every file by the Compose"
                        + " Specification; remove it");
    }

    @Test
    void readsPullPolicyAndPlatform() {
        ServiceSpec web = parse(
                        ComposePolicy.DEFAULT, HEAD + "    pull_policy: every_1w2d\n    platform: linux/arm64/v8\n")
                .service("web")
                .orElseThrow();
        assertThat(web.pull()).isEqualTo(new PullPolicy(PullPolicy.Mode.REFRESH, Duration.ofDays(9)));
        assertThat(web.platform()).isEqualTo("linux/arm64/v8");
        assertThat(pull("always")).isEqualTo(new PullPolicy(PullPolicy.Mode.ALWAYS, null));
        assertThat(pull("never")).isEqualTo(new PullPolicy(PullPolicy.Mode.NEVER, null));
        assertThat(pull("if_not_present")).isEqualTo(PullPolicy.MISSING);
        assertThat(pull("daily")).isEqualTo(new PullPolicy(PullPolicy.Mode.REFRESH, Duration.ofDays(1)));
        assertThat(pull("weekly")).isEqualTo(new PullPolicy(PullPolicy.Mode.REFRESH, Duration.ofDays(7)));
        assertThat(pull("every_12h30m")).isEqualTo(new PullPolicy(PullPolicy.Mode.REFRESH, Duration.ofMinutes(750)));
        assertThat(parse(ComposePolicy.DEFAULT, HEAD)
                        .service("web")
                        .orElseThrow()
                        .pull())
                .isEqualTo(PullPolicy.MISSING);
    }

    private PullPolicy pull(String value) {
        return parse(ComposePolicy.DEFAULT, HEAD + "    pull_policy: " + value + "\n")
                .service("web")
                .orElseThrow()
                .pull();
    }

    @Test
    void linksAndVolumesFromAreDependencies() {
        ComposeStack stack = parse(ComposePolicy.parse(List.of("join-container")), """
                services:
                  web:
                    image: a
                    links: [db, "cache:memo"]
                    external_links: ["legacy-db:old"]
                    volumes_from: [data, "container:backup:ro"]
                  db: {image: a}
                  cache: {image: a}
                  data: {image: a}
                """);
        ServiceSpec web = stack.service("web").orElseThrow();
        assertThat(web.links())
                .containsExactly(
                        new ServiceSpec.Link("db", null, "db"),
                        new ServiceSpec.Link("cache", null, "memo"),
                        new ServiceSpec.Link(null, "legacy-db", "old"));
        assertThat(web.volumesFrom())
                .containsExactly(
                        new ServiceSpec.VolumesFrom("data", null, false),
                        new ServiceSpec.VolumesFrom(null, "backup", true));
        assertThat(web.dependsOn()).containsOnlyKeys("db", "cache", "data");
        assertThat(stack.services().get(stack.services().size() - 1).name()).isEqualTo("web");
    }

    @Test
    void readsAnnotationsAndStartIntervalForTheDeployerToCheck() {
        ServiceSpec web =
                parse(ComposePolicy.DEFAULT, HEAD + """
                    annotations: [com.example.owner=web]
                    healthcheck: {test: "true", start_period: 30s, start_interval: 2s}
                """).service("web").orElseThrow();
        assertThat(web.annotations()).isEqualTo(Map.of("com.example.owner", "web"));
        assertThat(web.healthcheck().startInterval()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aLinkToAServiceTheStackLacksIsNamedAtTheKey() {
        ComposeException e = failure(ComposePolicy.DEFAULT, HEAD + "    links: [db]\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail()).isEqualTo("service \"web\" links to \"db\", which this stack does not declare");
        ComposeException v = failure(ComposePolicy.DEFAULT, HEAD + "    volumes_from: [data]\n");
        assertThat(v.detail())
                .isEqualTo("service \"web\" takes the volumes of \"data\", which this stack does not declare");
    }

    @Test
    void gpusAndReservedDevicesAreDeviceRequestsThroughTheGpuAllowance() {
        String yaml = HEAD + """
                    gpus: all
                    deploy:
                      resources:
                        reservations:
                          devices:
                            - {driver: nvidia, device_ids: ["0", "3"], capabilities: [gpu, utility]}
                            - {capabilities: [tpu], count: 2, options: {mode: fast}}
                """;
        ComposeException refused = failure(ComposePolicy.DEFAULT, yaml);
        assertThat(refused.line()).isEqualTo(4);
        assertThat(refused.detail())
                .isEqualTo(
                        "service \"web\": gpus gives the container the host's devices (GPUs) through a device"
                                + " driver; the environment's policy refuses it: allow it for the environment with --allow gpu");
        List<ContainerOptions.DeviceRequest> devices = parse(ComposePolicy.parse(List.of("gpu")), yaml)
                .service("web")
                .orElseThrow()
                .options()
                .resources()
                .deviceRequests();
        assertThat(devices)
                .containsExactly(
                        new ContainerOptions.DeviceRequest(null, -1, List.of(), List.of("gpu"), Map.of()),
                        new ContainerOptions.DeviceRequest(
                                "nvidia", 0, List.of("0", "3"), List.of("gpu", "utility"), Map.of()),
                        new ContainerOptions.DeviceRequest(null, 2, List.of(), List.of("tpu"), Map.of("mode", "fast")));
        List<ContainerOptions.DeviceRequest> listed = parse(
                        ComposePolicy.parse(List.of("gpu")), HEAD + "    gpus: [{driver: nvidia, count: 1}]\n")
                .service("web")
                .orElseThrow()
                .options()
                .resources()
                .deviceRequests();
        assertThat(listed)
                .containsExactly(new ContainerOptions.DeviceRequest("nvidia", 1, List.of(), List.of("gpu"), Map.of()));
    }

    @Test
    void aHealthcheckWithoutTestKeepsTheImagesTestAndSetsTheTimings() {
        HealthCheck check = parse(ComposePolicy.DEFAULT, HEAD + "    healthcheck: {interval: 1s, retries: 5}\n")
                .service("web")
                .orElseThrow()
                .healthcheck();
        assertThat(check).isEqualTo(new HealthCheck(List.of(), Duration.ofSeconds(1), null, null, 5));
        assertThat(check.disabled()).isFalse();
        assertThat(parse(ComposePolicy.DEFAULT, HEAD + "    healthcheck: {disable: true, interval: 1s}\n")
                        .service("web")
                        .orElseThrow()
                        .healthcheck()
                        .disabled())
                .isTrue();
    }

    @Test
    void readsTheRealtimeSchedulersKeysInMicrosecondsOrAsDurations() {
        ContainerOptions.Limits l = options("    cpu_rt_runtime: 400ms\n    cpu_rt_period: 1000000\n")
                .limits();
        assertThat(l.cpuRtRuntime()).isEqualTo(400_000L);
        assertThat(l.cpuRtPeriod()).isEqualTo(1_000_000L);
        assertThat(options("    cpu_rt_runtime: \"950\"\n    cpu_rt_period: 1400us\n")
                        .limits())
                .extracting(ContainerOptions.Limits::cpuRtRuntime, ContainerOptions.Limits::cpuRtPeriod)
                .containsExactly(950L, 1_400L);
        assertThat(options("    cpu_rt_runtime: 0\n").limits().cpuRtRuntime()).isZero();
        assertThat(options("").limits()).isEqualTo(ContainerOptions.Limits.NONE);
    }

    private static final String NETWORKED = """
            services:
              web:
                image: a
                networks:
                  front:
                    priority: 5
                    mac_address: 02:42:ac:11:00:42
                  back:
                    link_local_ips: [169.254.10.10, "fe80::10"]
                    driver_opts: {com.example.tag: web}
                    gw_priority: 10
                    interface_name: back0
            networks:
              front: {}
              back: {}
            """;

    @Test
    void readsThePerNetworkEndpointKeys() {
        ServiceSpec web = parse(ComposePolicy.DEFAULT, NETWORKED).service("web").orElseThrow();
        assertThat(web.networks().get("front"))
                .isEqualTo(new ServiceSpec.ServiceNetwork(
                        List.of(), null, null, 5, "02:42:ac:11:00:42", List.of(), Map.of(), null, null));
        assertThat(web.networks().get("back"))
                .isEqualTo(new ServiceSpec.ServiceNetwork(
                        List.of(),
                        null,
                        null,
                        0,
                        null,
                        List.of("169.254.10.10", "fe80::10"),
                        Map.of("com.example.tag", "web"),
                        10,
                        "back0"));
    }

    @Test
    void perNetworkKeysThatContradictTheServiceOrEachOtherAreRefused() {
        ComposeException mac = failure(
                ComposePolicy.DEFAULT,
                NETWORKED.replace("    image: a\n", "    image: a\n    mac_address: 02:42:ac:11:00:43\n"));
        assertThat(mac.line()).isEqualTo(4);
        assertThat(mac.detail())
                .isEqualTo(
                        "service \"web\": mac_address 02:42:ac:11:00:43 differs from mac_address 02:42:ac:11:00:42 of"
                                + " network \"front\", the one it joins first: Compose requires them to be equal; keep one of them");
        ComposeException ifname = failure(
                ComposePolicy.DEFAULT,
                NETWORKED.replace("{com.example.tag: web}", "{com.docker.network.endpoint.ifname: eth9}"));
        assertThat(ifname.detail())
                .contains("interface_name \"back0\" and driver_opts com.docker.network.endpoint.ifname \"eth9\" name"
                        + " the interface twice: keep interface_name");
    }

    @Test
    void aBindMountsSelinuxRelabellingIsReadInBothSyntaxes() {
        ServiceSpec web =
                parse(ComposePolicy.DEFAULT, HEAD + """
                    volumes:
                      - ./html:/www:ro,z
                      - ./data:/data:Z
                      - ./plain:/plain
                      - type: bind
                        source: ./long
                        target: /long
                        bind: {selinux: Z}
                """).service("web").orElseThrow();
        assertThat(web.volumes())
                .extracting(ServiceSpec.Mount::target, ServiceSpec.Mount::readOnly, ServiceSpec.Mount::selinux)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("/www", true, "z"),
                        org.assertj.core.groups.Tuple.tuple("/data", false, "Z"),
                        org.assertj.core.groups.Tuple.tuple("/plain", false, null),
                        org.assertj.core.groups.Tuple.tuple("/long", false, "Z"));
    }

    @Test
    void aRelabelledHostPathStillNeedsItsBindAllowance() {
        String yaml = HEAD + "    volumes: [\"/srv/data:/data:z\"]\n";
        assertThat(failure(ComposePolicy.DEFAULT, yaml).detail()).contains("--allow bind:");
        assertThat(parse(ComposePolicy.parse(List.of("bind:/srv")), yaml)
                        .service("web")
                        .orElseThrow()
                        .volumes()
                        .get(0)
                        .selinux())
                .isEqualTo("z");
    }

    @Test
    void readsLifecycleHooksInTheirOrder() {
        ServiceSpec web =
                parse(ComposePolicy.DEFAULT, HEAD + """
                    post_start:
                      - command: touch /tmp/started
                      - command: ["sh", "-c", "echo $$X > /tmp/x"]
                        user: root
                        working_dir: /tmp
                        environment: {X: one}
                    pre_stop:
                      - command: sh -c 'echo bye > /tmp/bye'
                        environment: [Y=two, Z]
                """).service("web").orElseThrow();
        assertThat(web.postStart())
                .containsExactly(
                        new ServiceSpec.Hook(List.of("touch", "/tmp/started"), null, false, null, Map.of()),
                        new ServiceSpec.Hook(
                                List.of("sh", "-c", "echo $X > /tmp/x"), "root", false, "/tmp", Map.of("X", "one")));
        assertThat(web.preStop())
                .containsExactly(new ServiceSpec.Hook(
                        List.of("sh", "-c", "echo bye > /tmp/bye"), null, false, null, Map.of("Y", "two", "Z", "")));
        ServiceSpec plain = parse(ComposePolicy.DEFAULT, HEAD).service("web").orElseThrow();
        assertThat(plain.postStart()).isEmpty();
        assertThat(plain.preStop()).isEmpty();
    }

    @Test
    void aPrivilegedHookNeedsThePrivilegedAllowance() {
        String yaml = HEAD + "    post_start:\n      - command: id\n        privileged: true\n";
        ComposeException e = failure(ComposePolicy.DEFAULT, yaml);
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.detail())
                .contains("post_start[0]: privileged runs the hook with full control of the host")
                .contains("--allow privileged");
        assertThat(parse(ComposePolicy.parse(List.of("privileged")), yaml)
                        .service("web")
                        .orElseThrow()
                        .postStart()
                        .get(0)
                        .privileged())
                .isTrue();
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of("cpus: lots", "cpus \"lots\" is not a number of CPUs, like 0.5 or 2 (0 for no limit)"),
                Arguments.of("cpus: -2", "cpus \"-2\" is not a number of CPUs"),
                Arguments.of("mem_limit: 12 parsecs", "mem_limit \"12 parsecs\" is not a size"),
                Arguments.of("mem_limit: 1x", "mem_limit \"1x\" is not a size; write it like 512m or 1g"),
                Arguments.of("mem_reservation: [1]", "mem_reservation must be a single value, found a list"),
                Arguments.of("memswap_limit: -2g", "memswap_limit \"-2g\" is not a size"),
                Arguments.of("shm_size: -64m", "shm_size \"-64m\" is not a size"),
                Arguments.of(
                        "mem_swappiness: 101",
                        "mem_swappiness 101 is out of range: use a whole number from 0 to" + " 100"),
                Arguments.of("cpu_shares: half", "cpu_shares \"half\" is not a whole number"),
                Arguments.of("cpu_quota: 10", "cpu_quota 10 is too small: the kernel takes at least 1000"),
                Arguments.of(
                        "cpu_period: 100",
                        "cpu_period 100 is out of range: use a whole number from 1000 to" + " 1000000"),
                Arguments.of("cpuset: 0-a", "cpuset \"0-a\" is not a set of CPUs: write it like 0-3 or 0,1"),
                Arguments.of("cpu_percent: 150", "cpu_percent 150 is out of range"),
                Arguments.of(
                        "oom_score_adj: 2000",
                        "oom_score_adj 2000 is out of range: use a whole number from" + " -1000 to 1000"),
                Arguments.of("oom_kill_disable: maybe", "oom_kill_disable must be true or false, found \"maybe\""),
                Arguments.of("pids_limit: -5", "pids_limit -5 is out of range: use a whole number from -1 up"),
                Arguments.of("stdin_open: yes", "stdin_open must be true or false, found \"yes\""),
                Arguments.of("tty: 1", "tty must be true or false, found \"1\""),
                Arguments.of("attach: sometimes", "attach must be true or false"),
                Arguments.of(
                        "blkio_config: {weight: 5}",
                        "blkio_config.weight 5 is out of range: use a whole number" + " from 10 to 1000"),
                Arguments.of(
                        "blkio_config: {weight_device: [{path: /dev/sda, weight: 2000}]}",
                        "blkio_config.weight_device.weight 2000 is out of range"),
                Arguments.of(
                        "blkio_config: {device_read_bps: [{path: sda, rate: 1m}]}",
                        "blkio_config.device_read_bps.path \"sda\" is not a device path, like /dev/sda"),
                Arguments.of(
                        "blkio_config: {device_read_iops: [{path: /dev/sda, rate: fast}]}",
                        "blkio_config.device_read_iops.rate \"fast\" is not a whole number"),
                Arguments.of(
                        "blkio_config: {device_write_bps: [{path: /dev/sda}]}",
                        "an item of service \"web\": blkio_config.device_write_bps needs path and rate"),
                Arguments.of(
                        "blkio_config: {wieght: 300}",
                        "blkio_config: unknown key \"wieght\": did you mean" + " \"weight\"?"),
                Arguments.of(
                        "mac_address: 02:42:ac:11:00",
                        "mac_address \"02:42:ac:11:00\" is not valid: use six" + " pairs of hexadecimal digits"),
                Arguments.of("mac_address: 02:42:ac-11:00:02", "mac_address \"02:42:ac-11:00:02\" is not valid"),
                Arguments.of(
                        "group_add: [\"wheel users\"]",
                        "group_add: \"wheel users\" is not a group name or" + " number"),
                Arguments.of("dns_search: [\"a b\"]", "dns_search: \"a b\" is not valid: write a domain"),
                Arguments.of("cgroup_parent: \"../escape\"", "cgroup_parent \"../escape\" is not a cgroup path"),
                Arguments.of(
                        "mem_limit: 64m\n    deploy: {resources: {limits: {memory: 32m}}}",
                        "mem_limit and deploy.resources.limits.memory disagree (67108864 and 33554432); Compose"
                                + " requires them to be equal: keep one of them"),
                Arguments.of(
                        "cpus: 1\n    deploy: {resources: {limits: {cpus: \"2\"}}}",
                        "cpus and deploy.resources.limits.cpus disagree"),
                Arguments.of("deploy: {mode: everywhere}", "deploy.mode \"everywhere\" is not valid: use replicated"),
                Arguments.of(
                        "deploy: {resources: {reservations: {cpus: many}}}",
                        "deploy.resources.reservations.cpus \"many\" is not a number of CPUs"),
                Arguments.of(
                        "deploy: {restart_policy: {condition: on-failure, window: soon}}",
                        "deploy.restart_policy: window \"soon\" is not a duration"),
                Arguments.of("develop: watch-it", "develop must be a mapping"),
                Arguments.of(
                        "pull_policy: sometimes",
                        "pull_policy \"sometimes\" is not valid: use always, never,"
                                + " missing, if_not_present, build, daily, weekly or every_<duration> (like every_12h)"),
                Arguments.of(
                        "pull_policy: every_fortnight",
                        "pull_policy \"every_fortnight\" is not valid: every_" + " takes a duration"),
                Arguments.of("pull_policy: every_0s", "pull_policy \"every_0s\" is not valid"),
                Arguments.of("pull_policy: build", "pull_policy build needs a build section"),
                Arguments.of("platform: Linux/AMD64", "platform \"Linux/AMD64\" is not os[/arch[/variant]]"),
                Arguments.of("platform: linux/amd64/v1/extra", "is not os[/arch[/variant]]"),
                Arguments.of("links: [\"db:alias:more\"]", "links \"db:alias:more\" is not service[:alias]"),
                Arguments.of("external_links: [\":x\"]", "external_links \":x\" is not container[:alias]"),
                Arguments.of(
                        "volumes_from: [\"data:rwx\"]",
                        "volumes_from \"data:rwx\" is not service[:ro|rw] or" + " container:name[:ro|rw]"),
                Arguments.of(
                        "volumes_from: [\"container:backup\"]",
                        "volumes_from container:backup mounts the"
                                + " volumes of a container outside the stack; the environment's policy refuses it: allow it"
                                + " for the environment with --allow join-container"),
                Arguments.of("annotations: [\"=x\"]", "annotations: \"=x\" has no name before '='"),
                Arguments.of(
                        "cpus: 0.5\n    cpu_quota: 50000",
                        "cpus (or deploy.resources.limits.cpus) and cpu_quota exclude each other, as the engine"
                                + " refuses both: keep cpus, or cpu_quota with cpu_period"),
                Arguments.of("gpus: some", "gpus \"some\" is not valid: use all, or a list of requests"),
                Arguments.of("gpus: [{count: 1, device_ids: [\"0\"]}]", "count and device_ids exclude each other"),
                Arguments.of("gpus: [{count: 0}]", "gpus.count 0 is out of range"),
                Arguments.of(
                        "deploy: {resources: {reservations: {devices: [{driver: nvidia}]}}}",
                        "needs capabilities, like [gpu]"),
                Arguments.of(
                        "healthcheck: {test: \"true\", start_interval: often}",
                        "healthcheck: start_interval \"often\" is not a duration"),
                Arguments.of(
                        "healthcheck: {retries: many}", "healthcheck: retries must be a whole number of at least 0"),
                Arguments.of("healthcheck: {interval: soon}", "healthcheck: interval \"soon\" is not a duration"),
                Arguments.of(
                        "healthcheck: {test: []}",
                        "healthcheck: test as a list must start with CMD, CMD-SHELL or NONE"),
                Arguments.of(
                        "cpu_rt_runtime: soon",
                        "cpu_rt_runtime \"soon\" is not a number of microseconds or a duration: write it like 95000"),
                Arguments.of("cpu_rt_period: 0", "cpu_rt_period \"0\" is out of range: use 1us to 1s"),
                Arguments.of("cpu_rt_period: 2s", "cpu_rt_period \"2s\" is out of range"),
                Arguments.of("cpu_rt_runtime: -5", "cpu_rt_runtime \"-5\" is not a number of microseconds"),
                Arguments.of("cpu_rt_period: 1500ns", "is finer than a microsecond"),
                Arguments.of(
                        "cpu_rt_runtime: 20ms\n    cpu_rt_period: 10ms",
                        "cpu_rt_runtime 20000us is longer than cpu_rt_period 10000us"),
                Arguments.of(
                        "networks: {default: {mac_address: 02:42}}",
                        "networks: default: mac_address \"02:42\" is not valid: use six pairs"),
                Arguments.of(
                        "networks: {default: {link_local_ips: [10.0.0.1]}}",
                        "link_local_ips 10.0.0.1 is not link-local: use an address in 169.254.0.0/16"),
                Arguments.of(
                        "networks: {default: {link_local_ips: [nowhere]}}",
                        "link_local_ips \"nowhere\" is not an IP address"),
                Arguments.of("networks: {default: {link_local_ips: 169.254.1.1}}", "link_local_ips must be a list"),
                Arguments.of("networks: {default: {driver_opts: [\"=x\"]}}", "driver_opts: \"=x\" has no name"),
                Arguments.of("networks: {default: {gw_priority: high}}", "gw_priority \"high\" is not a whole number"),
                Arguments.of(
                        "networks: {default: {interface_name: \"eth 0\"}}",
                        "interface_name \"eth 0\" is not an interface name: use 1 to 15 letters"),
                Arguments.of(
                        "networks: {default: {interface_name: averyveryverylongname}}", "is not an interface name"),
                Arguments.of("networks: {default: {mac_adress: x}}", "unknown key \"mac_adress\": did you mean"),
                Arguments.of(
                        "volumes: [\"data:/data:z\"]",
                        "volume \"data:/data:z\": SELinux relabelling (z) applies to bind mounts"),
                Arguments.of(
                        "volumes: [\"./a:/a:z,Z\"]", "\"./a:/a:z,Z\": z (shared) and Z (private) exclude each other"),
                Arguments.of(
                        "volumes: [\"./a:/a:q\"]",
                        "\"q\" is not a mount option; use ro or rw, and z or Z to relabel for SELinux"),
                Arguments.of(
                        "volumes: [{type: bind, source: ./a, target: /a, bind: {selinux: y}}]",
                        "bind.selinux \"y\" is not valid: use z (relabel for every container) or Z"),
                Arguments.of(
                        "volumes: [{type: bind, source: ./a, target: /a, bind: {propagation: shared}}]",
                        "\"propagation\" is not supported by this version of Berth"),
                Arguments.of("post_start: touch /x", "post_start must be a list"),
                Arguments.of("post_start: [{user: root}]", "post_start[0] has no command: add \"command: <command>\""),
                Arguments.of("pre_stop: [{command: \"\"}]", "pre_stop[0]: command is empty"),
                Arguments.of("pre_stop: [{command: x, when: now}]", "pre_stop[0]: unknown key \"when\""),
                Arguments.of("post_start: [{command: x, privileged: sure}]", "privileged must be true or false"),
                Arguments.of(
                        "post_start: [{command: x, working_dir: tmp}]",
                        "working_dir \"tmp\" is not an absolute path in the container"),
                Arguments.of("post_start: [{command: x, user: \"\"}]", "post_start[0]: user is empty"),
                Arguments.of("pre_stop: [{command: x, environment: [\"=v\"]}]", "has no name before '='"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badValuesAreRefusedWhereTheyAre(String serviceKeys, String message) {
        ComposeException e = failure(ComposePolicy.DEFAULT, HEAD + "    " + serviceKeys + "\n");
        assertThat(e.line()).isGreaterThanOrEqualTo(4);
        assertThat(e.column()).isGreaterThan(0);
        assertThat(e.detail()).contains(message);
    }
}
