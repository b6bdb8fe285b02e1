package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.Commit;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.EventPublisher;
import dev.berth.common.event.StackChanged;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The isolation policy on the real engine, from the deployer's side (not only the watcher's): each road
 * to the host or to another stack that issue 13 found open is refused under the default policy with
 * the allowance to give, and nothing of the stack reaches the engine; with that allowance it is
 * applied for real (a named volume bound to a host directory that the container writes, a
 * capability the container uses, a foreign container's network joined, the namespace keys set).
 */
@Isolated
class PolicyBypassIT extends EngineSupport {
    private static final URI SOURCE = URI.create("/berth/policy-bypass-it");
    private static final String SLEEP = "    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 3600 & wait\"]\n";

    private final List<Envelope> published = new ArrayList<>();
    private final List<String> foreign = new ArrayList<>();
    private ExecutorService executor;

    @BeforeEach
    void executor() {
        executor = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void stop() throws InterruptedException {
        foreign.forEach(name -> cliQuiet("rm", "-f", name));
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** Applies {@code compose} under {@code policy} at a new commit, as the deployer does; its events. */
    private List<BerthEvent> apply(ComposePolicy policy, String compose) throws InterruptedException {
        EventPublisher publisher = new EventPublisher() {
            @Override
            public void publish(Envelope envelope) {
                synchronized (published) {
                    published.add(envelope);
                }
            }

            @Override
            public void close() {}
        };
        StackApplier applier = new StackApplier(
                engine,
                publisher,
                config(HostVariables.NONE)
                        .withPolicy(policy)
                        .withHealthTimeout(Duration.ofSeconds(30))
                        .withMonitorPeriod(Duration.ofSeconds(1)),
                CLOCK,
                SOURCE,
                new EventCodec().json(),
                new SimpleMeterRegistry(),
                executor);
        StackChanged change = new StackChanged(
                stack,
                new Commit(randomSha(), "Mallory", "policy bypass", Instant.now()),
                "stacks/web/compose.yaml",
                compose,
                List.of(),
                Map.of(),
                StackFiles.EMPTY);
        Envelope incoming = Envelope.newChain(SOURCE, CLOCK, change);
        applier.apply(incoming, change, null, UUID.randomUUID().toString());
        synchronized (published) {
            return published.stream()
                    .filter(e -> e.chainId().equals(incoming.chainId()))
                    .map(Envelope::event)
                    .toList();
        }
    }

    private static DeploymentFailed failed(List<BerthEvent> events) {
        return events.stream()
                .filter(DeploymentFailed.class::isInstance)
                .map(DeploymentFailed.class::cast)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no failure among " + events));
    }

    private static void succeeded(List<BerthEvent> events) {
        assertThat(events)
                .as("the deployment succeeds")
                .anyMatch(DeploymentSucceeded.class::isInstance)
                .noneMatch(DeploymentFailed.class::isInstance);
    }

    /** Nothing of the stack on the engine: no container, volume or network. */
    private void nothingCreated() {
        assertThat(cli("ps", "-aq", "--filter", "label=" + Labels.STACK + "=" + stack.key()))
                .isEmpty();
        assertThat(cli("volume", "ls", "-q", "--filter", "label=" + Labels.STACK + "=" + stack.key()))
                .isEmpty();
        assertThat(cli("network", "ls", "-q", "--filter", "label=" + Labels.STACK + "=" + stack.key()))
                .isEmpty();
    }

    private String container() {
        return stack.project() + "-web-1";
    }

    private static String web(String keys) {
        return "services:\n  web:\n    image: busybox:1.35\n" + SLEEP + keys.indent(4);
    }

    private static String boundVolume(String device) {
        return "services:\n  web:\n    image: busybox:1.35\n" + SLEEP + "    volumes: [data:/data]\n"
                + "volumes:\n  data:\n    driver_opts: {type: none, o: bind, device: \"" + device + "\"}\n";
    }

    /** The bypasses of the issue and their variants, each with the allowance its refusal names. */
    static Stream<Arguments> bypasses() {
        return Stream.of(
                Arguments.of(boundVolume("/"), "docker-socket"),
                Arguments.of(boundVolume("/etc"), "bind:/etc"),
                Arguments.of(
                        "services:\n  web:\n    image: busybox:1.35\n    volumes: [data:/data]\nvolumes:\n  data:\n"
                                + "    driver_opts: {type: nfs, o: \"addr=127.0.0.1\", device: \":/export\"}\n",
                        "volume-device"),
                Arguments.of(
                        "services:\n  web:\n    image: busybox:1.35\n    volumes: [data:/data]\nvolumes:\n  data:\n"
                                + "    driver: some-plugin\n",
                        "volume-driver:some-plugin"),
                Arguments.of(
                        "services:\n  web:\n    image: busybox:1.35\n    networks: [lan]\nnetworks:\n  lan:\n"
                                + "    driver: macvlan\n",
                        "network-driver:macvlan"),
                Arguments.of(web("volumes: [\"/proc/sys:/host-sys\"]"), "bind:/proc/sys"),
                Arguments.of(web("cap_add: [SYS_ADMIN, SYS_MODULE, DAC_READ_SEARCH]"), "cap:SYS_ADMIN"),
                Arguments.of(web("cap_add: [ALL]"), "privileged"),
                Arguments.of(web("network_mode: \"container:some-other-stack-db-1\""), "join-container"),
                Arguments.of(web("pid: \"container:some-other-stack-db-1\""), "join-container"),
                Arguments.of(web("ipc: host"), "host-ipc"),
                Arguments.of(web("uts: host"), "host-uts"),
                Arguments.of(web("cgroup: host"), "host-cgroup"),
                Arguments.of(web("security_opt: [\"seccomp:unconfined\"]"), "security-opt:seccomp"),
                Arguments.of(web("security_opt: [\"apparmor=unconfined\"]"), "security-opt:apparmor"),
                Arguments.of(web("sysctls: {kernel.core_pattern: \"|/tmp/x\"}"), "sysctl:kernel.core_pattern"),
                Arguments.of(web("devices: [/dev/fuse]"), "device:/dev/fuse"),
                Arguments.of(web("device_cgroup_rules: [\"b *:* rwm\"]"), "device-cgroup-rules"),
                Arguments.of(web("runtime: runsc"), "runtime:runsc"));
    }

    @ParameterizedTest
    @MethodSource("bypasses")
    void theDeployerRefusesEachBypassUnderTheDefaultPolicyAndCreatesNothing(String compose, String allowance)
            throws InterruptedException {
        DeploymentFailed failure = failed(apply(ComposePolicy.DEFAULT, compose));
        assertThat(failure.reason())
                .contains("stacks/web/compose.yaml:")
                .contains("the environment's policy refuses it")
                .contains("--allow " + allowance);
        nothingCreated();
    }

    @Test
    void aNamedVolumeBoundToAHostDirectoryIsWritableOnlyWithItsBindAllowance()
            throws InterruptedException, IOException {
        Path hostDir = Files.createDirectories(work.resolve("host-dir-" + UUID.randomUUID()));
        String compose = boundVolume(hostDir.toString())
                .replace(
                        SLEEP,
                        "    command: [\"sh\", \"-c\", \"echo written > /data/proof; trap 'exit 0' TERM;"
                                + " sleep 3600 & wait\"]\n");

        assertThat(failed(apply(ComposePolicy.parse(List.of("bind:/srv")), compose))
                        .reason())
                .contains("--allow bind:" + hostDir);
        nothingCreated();
        assertThat(hostDir.resolve("proof")).doesNotExist();

        succeeded(apply(ComposePolicy.parse(List.of("bind:" + hostDir)), compose));
        assertThat(Files.readString(hostDir.resolve("proof")).strip()).isEqualTo("written");
        JsonNode volume = inspect("--type", "volume", stack.project() + "_data");
        assertThat(volume.at("/Options/device").asText()).isEqualTo(hostDir.toString());
    }

    @Test
    void aVolumeAlreadyOnTheEngineGoesThroughThePolicyToo() throws InterruptedException, IOException {
        // Made under another policy (another environment's, or by hand): the stack names it, external or not.
        Path hostDir = Files.createDirectories(work.resolve("foreign-dir-" + UUID.randomUUID()));
        String name = "berth-foreign-" + UUID.randomUUID().toString().substring(0, 8);
        volumes.add(name);
        cli("volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", "device=" + hostDir, name);
        String sleep = "    command: [\"sh\", \"-c\", \"echo reached > /data/proof; trap 'exit 0' TERM; sleep 3600"
                + " & wait\"]\n";
        String external = "services:\n  web:\n    image: busybox:1.35\n" + sleep + "    volumes: [data:/data]\n"
                + "volumes:\n  data: {external: true, name: " + name + "}\n";
        String named = external.replace("external: true, ", "");

        for (String compose : List.of(external, named)) {
            assertThat(failed(apply(ComposePolicy.DEFAULT, compose)).reason())
                    .contains("volume \"" + name + "\" (volumes.data of " + stack + ", already on the engine)")
                    .contains("--allow bind:" + hostDir);
            nothingCreated();
        }
        assertThat(hostDir.resolve("proof")).doesNotExist();

        succeeded(apply(ComposePolicy.parse(List.of("bind:" + hostDir)), external));
        assertThat(Files.readString(hostDir.resolve("proof")).strip()).isEqualTo("reached");
    }

    @Test
    void aCapabilityBeyondTheDefaultSetIsAppliedOnlyWithItsAllowance() throws InterruptedException {
        String compose = web("cap_add: [CAP_NET_ADMIN]");
        assertThat(failed(apply(ComposePolicy.DEFAULT, compose)).reason()).contains("--allow cap:NET_ADMIN");
        nothingCreated();

        succeeded(apply(ComposePolicy.parse(List.of("cap:net_admin")), compose));
        JsonNode host = inspect(container()).get("HostConfig");
        assertThat(host.get("CapAdd").toString()).contains("NET_ADMIN");
        // The capability is really there: changing an interface needs it.
        exec(container(), "ip", "link", "set", "lo", "mtu", "1300");
        assertThat(exec(container(), "cat", "/sys/class/net/lo/mtu")).isEqualTo("1300");
    }

    @Test
    void joiningTheNetworkOfAContainerOutsideTheStackNeedsJoinContainer() throws InterruptedException {
        String name = "berth-foreign-" + UUID.randomUUID().toString().substring(0, 8);
        foreign.add(name);
        String id = cli("run", "-d", "--name", name, "busybox:1.35", "sleep", "300");
        String compose = web("network_mode: \"container:" + name + "\"");

        assertThat(failed(apply(ComposePolicy.DEFAULT, compose)).reason())
                .contains("network_mode container:" + name + " joins the network of a container outside the stack")
                .contains("--allow join-container");
        nothingCreated();

        succeeded(apply(ComposePolicy.parse(List.of("join-container")), compose));
        assertThat(inspect(container()).at("/HostConfig/NetworkMode").asText()).isEqualTo("container:" + id);
    }

    @Test
    void theNamespaceAndKernelKeysAreAppliedWithTheirAllowances() throws InterruptedException {
        String compose = web("""
                ipc: host
                uts: host
                userns_mode: host
                cgroup: private
                security_opt: ["no-new-privileges:true", "label=level:s0:c100,c200"]
                sysctls: {net.core.somaxconn: 1024}
                devices: ["/dev/fuse:/dev/fuse:rw"]
                device_cgroup_rules: ["c 10:200 rwm"]
                runtime: runc
                """);
        ComposePolicy policy = ComposePolicy.parse(
                List.of("host-ipc", "host-uts", "host-userns", "device:/dev/fuse", "device-cgroup-rules"));
        for (String left : policy.allowances()) {
            List<String> fewer =
                    policy.allowances().stream().filter(a -> !a.equals(left)).toList();
            assertThat(failed(apply(ComposePolicy.parse(fewer), compose)).reason())
                    .as("without %s", left)
                    .contains("--allow " + left);
            nothingCreated();
        }

        succeeded(apply(policy, compose));
        JsonNode host = inspect(container()).get("HostConfig");
        assertThat(host.get("IpcMode").asText()).isEqualTo("host");
        assertThat(host.get("UTSMode").asText()).isEqualTo("host");
        assertThat(host.get("UsernsMode").asText()).isEqualTo("host");
        assertThat(host.get("CgroupnsMode").asText()).isEqualTo("private");
        assertThat(host.get("SecurityOpt").toString())
                .contains("no-new-privileges:true")
                .contains("label=level:s0:c100,c200");
        assertThat(host.at("/Sysctls/net.core.somaxconn").asText()).isEqualTo("1024");
        assertThat(host.at("/Devices/0/PathOnHost").asText()).isEqualTo("/dev/fuse");
        assertThat(host.at("/Devices/0/CgroupPermissions").asText()).isEqualTo("rw");
        assertThat(host.get("DeviceCgroupRules").toString()).contains("c 10:200 rwm");
        assertThat(host.get("Runtime").asText()).isEqualTo("runc");
        assertThat(exec(container(), "cat", "/proc/sys/net/core/somaxconn")).isEqualTo("1024");
        assertThat(exec(container(), "ls", "/dev/fuse")).isEqualTo("/dev/fuse");
    }
}
