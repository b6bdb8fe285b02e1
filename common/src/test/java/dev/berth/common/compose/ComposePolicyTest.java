package dev.berth.common.compose;

import static dev.berth.common.compose.ComposeFeaturesTest.FILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every road to the host or to another stack that the policy closes: refused by default at its line,
 * naming the key, the service and the allowance; accepted with that allowance, and only with it.
 */
class ComposePolicyTest {
    private static ComposeStack parse(ComposePolicy policy, String yaml) {
        return new ComposeParser(policy).parse(FILE, yaml, Map.of(), StackFiles.EMPTY, null);
    }

    private static ComposeException refused(ComposePolicy policy, String yaml) {
        try {
            parse(policy, yaml);
        } catch (ComposeException e) {
            return e;
        }
        throw new AssertionError("expected a refusal for:\n" + yaml);
    }

    private static String service(String keys) {
        return "services:\n  web:\n    image: busybox:1.35\n" + keys.indent(4);
    }

    private static String volume(String options) {
        return "services:\n  web:\n    image: busybox:1.35\n    volumes: [data:/data]\nvolumes:\n  data:\n"
                + options.indent(4);
    }

    /** A compose file, the line of the refusal, the key it names, and the allowances that let it pass. */
    static Stream<Arguments> bypasses() {
        return Stream.of(
                // Named volumes bound to a host directory by driver_opts: as a bind of that directory.
                Arguments.of(
                        volume("driver_opts: {type: none, o: bind, device: /srv/data}"),
                        7,
                        "volume \"data\": driver_opts device \"/srv/data\" is a path of the deployer's host",
                        List.of("bind:/srv/data")),
                Arguments.of(
                        volume("driver_opts:\n  type: none\n  o: bind\n  device: /"),
                        10,
                        "Docker socket",
                        List.of("docker-socket", "bind:/", "bind:/proc", "bind:/sys")),
                Arguments.of(
                        volume("driver_opts:\n  o: rbind,ro\n  device: /etc/../srv/x"),
                        9,
                        "--allow bind:/srv/x",
                        List.of("bind:/srv")),
                Arguments.of(
                        volume("driver_opts: {type: none, device: //etc}"),
                        7,
                        "--allow bind:/etc",
                        List.of("bind:/etc")),
                Arguments.of(
                        volume("driver_opts: {o: \"ro, rbind\", device: \"/srv/../\"}"),
                        7,
                        "--allow docker-socket",
                        List.of("bind:/", "docker-socket", "bind:/proc", "bind:/sys")),
                Arguments.of(
                        volume("driver: local\ndriver_opts:\n  type: none\n  o: bind\n  device: /home"),
                        11,
                        "--allow bind:/home",
                        List.of("bind:/home")),
                Arguments.of(
                        volume("driver_opts: [type=none, o=bind, device=/home]"),
                        7,
                        "--allow bind:/home",
                        List.of("bind:/home")),
                Arguments.of(
                        volume("driver_opts: {TYPE: none, O: bind, DEVICE: /home}"),
                        7,
                        "--allow bind:/home",
                        List.of("bind:/home")),
                Arguments.of(
                        volume("driver_opts: {type: none, o: bind, device: /proc}"),
                        7,
                        "host kernel's /proc, which bind:/ does not cover",
                        List.of("bind:/proc")),
                // Filesystems mounted by the local driver: a device or a network share.
                Arguments.of(
                        volume("driver_opts: {type: nfs, o: \"addr=10.0.0.1,rw\", device: \":/export\"}"),
                        7,
                        "--allow volume-device",
                        List.of("volume-device")),
                Arguments.of(
                        volume("driver_opts: {type: ext4, device: /dev/sda1}"),
                        7,
                        "--allow volume-device",
                        List.of("volume-device", "bind:/dev/sda1")),
                Arguments.of(
                        volume("driver_opts: {type: overlay, o: \"lowerdir=/etc,upperdir=/u,workdir=/w\"}"),
                        7,
                        "--allow volume-device",
                        List.of("volume-device")),
                Arguments.of(
                        volume("driver: rexray/ebs"),
                        7,
                        "driver rexray/ebs is a volume plugin",
                        List.of("volume-driver:rexray/ebs")),
                Arguments.of(
                        "services:\n  web:\n    image: a\n    networks: [lan]\nnetworks:\n  lan:\n"
                                + "    driver: macvlan\n    driver_opts: {parent: eth0}\n",
                        7,
                        "network \"lan\": driver macvlan is not Docker's bridge",
                        List.of("network-driver:macvlan")),
                // Bind mounts of the kernel's filesystems: bind:/ does not cover them.
                Arguments.of(service("volumes: [/proc:/host/proc]"), 4, "--allow bind:/proc", List.of("bind:/proc")),
                Arguments.of(
                        service("volumes:\n  - type: bind\n    source: /sys/kernel/../fs/cgroup\n    target: /c"),
                        6,
                        "--allow bind:/sys/fs/cgroup",
                        List.of("bind:/sys")),
                Arguments.of(
                        service("volumes: [\"/:/host\"]"),
                        4,
                        "--allow docker-socket",
                        List.of("bind:/", "docker-socket", "bind:/proc", "bind:/sys")),
                // Capabilities beyond Docker's default set.
                Arguments.of(
                        service("cap_add: [SYS_ADMIN]"),
                        4,
                        "service \"web\": cap_add SYS_ADMIN is beyond Docker's default capabilities",
                        List.of("cap:SYS_ADMIN")),
                Arguments.of(
                        service("cap_add:\n  - CHOWN\n  - cap_sys_module"),
                        6,
                        "--allow cap:SYS_MODULE",
                        List.of("cap:CAP_SYS_MODULE")),
                Arguments.of(
                        service("cap_add: DAC_READ_SEARCH"),
                        4,
                        "--allow cap:DAC_READ_SEARCH",
                        List.of("CAP:dac_read_search")),
                Arguments.of(service("cap_add: [ALL]"), 4, "--allow privileged", List.of("privileged")),
                // Namespaces of the host or of a container outside the stack.
                Arguments.of(
                        service("network_mode: \"container:other-env-db-1\""),
                        4,
                        "network_mode container:other-env-db-1 joins the network of a container outside the stack",
                        List.of("join-container")),
                Arguments.of(service("pid: container:foreign"), 4, "--allow join-container", List.of("join-container")),
                Arguments.of(service("ipc: container:foreign"), 4, "--allow join-container", List.of("join-container")),
                Arguments.of(service("ipc: host"), 4, "service \"web\": ipc host shares", List.of("host-ipc")),
                Arguments.of(service("uts: host"), 4, "--allow host-uts", List.of("host-uts")),
                Arguments.of(service("userns_mode: host"), 4, "--allow host-userns", List.of("host-userns")),
                Arguments.of(service("cgroup: host"), 4, "--allow host-cgroup", List.of("host-cgroup")),
                // Security options that turn confinement off.
                Arguments.of(
                        service("security_opt: [\"seccomp:unconfined\"]"),
                        4,
                        "security_opt \"seccomp:unconfined\" weakens the container's confinement (seccomp)",
                        List.of("security-opt:seccomp")),
                Arguments.of(
                        service("security_opt: [apparmor=unconfined]"),
                        4,
                        "--allow security-opt:apparmor",
                        List.of("security-opt:apparmor")),
                Arguments.of(
                        service("security_opt: [\"label:disable\"]"),
                        4,
                        "--allow security-opt:label",
                        List.of("security-opt:label")),
                Arguments.of(
                        service("security_opt: [\"label=type:spc_t\"]"),
                        4,
                        "--allow security-opt:label",
                        List.of("security-opt:label")),
                Arguments.of(
                        service("security_opt: [\"no-new-privileges:false\"]"),
                        4,
                        "--allow security-opt:no-new-privileges",
                        List.of("security-opt:no-new-privileges")),
                Arguments.of(
                        service("security_opt: [systempaths=unconfined]"),
                        4,
                        "--allow security-opt:systempaths",
                        List.of("security-opt:systempaths")),
                Arguments.of(
                        service("security_opt: [writable-cgroups=true]"),
                        4,
                        "--allow security-opt:writable-cgroups",
                        List.of("security-opt:writable-cgroups")),
                // Sysctls of the host's kernel.
                Arguments.of(
                        service("sysctls: {kernel.core_pattern: \"|/tmp/x\"}"),
                        4,
                        "sysctls: kernel.core_pattern is not namespaced",
                        List.of("sysctl:kernel.core_pattern")),
                Arguments.of(
                        service("sysctls: [vm/overcommit_memory=1]"),
                        4,
                        "--allow sysctl:vm.overcommit_memory",
                        List.of("sysctl:vm.overcommit_memory")),
                Arguments.of(
                        service("network_mode: host\nsysctls: {net.ipv4.ip_forward: 1}"),
                        4,
                        "--allow host-network",
                        List.of("host-network", "sysctl:net.ipv4.ip_forward")),
                // Devices, device rules and runtimes.
                Arguments.of(
                        service("devices: [\"/dev/sda:/dev/xvda:rwm\"]"),
                        4,
                        "devices \"/dev/sda:/dev/xvda:rwm\" gives the container the host's device /dev/sda",
                        List.of("device:/dev/sda")),
                Arguments.of(
                        service("device_cgroup_rules: [\"b *:* rwm\"]"),
                        4,
                        "--allow device-cgroup-rules",
                        List.of("device-cgroup-rules")),
                Arguments.of(service("runtime: runsc"), 4, "--allow runtime:runsc", List.of("runtime:runsc")));
    }

    @ParameterizedTest
    @MethodSource("bypasses")
    void refusedByDefaultAndAcceptedWithItsAllowance(String yaml, int line, String detail, List<String> allow) {
        ComposeException e = refused(ComposePolicy.DEFAULT, yaml);
        assertThat(e.line()).as("line of %s", yaml).isEqualTo(line);
        assertThat(e.detail()).contains(detail).contains("the environment's policy refuses it");
        assertThat(e.detail()).containsPattern("--allow [a-z-]+(:\\S+)?");
        assertThat(parse(ComposePolicy.parse(allow), yaml).services()).hasSize(1);
        // A revision read again after it was deployed (berth status --check) is never refused.
        assertThat(parse(ComposePolicy.UNRESTRICTED, yaml).services()).hasSize(1);
        // Each allowance is needed: without any one of them the file is refused again.
        for (String left : allow) {
            List<String> fewer = allow.stream().filter(a -> !a.equals(left)).toList();
            assertThatThrownBy(() -> parse(ComposePolicy.parse(fewer), yaml))
                    .as("%s without %s", yaml, left)
                    .isInstanceOf(ComposeException.class);
        }
    }

    @Test
    void theNamespacedAndHarmlessVariantsAreFree() {
        ComposeStack stack = parse(ComposePolicy.DEFAULT, """
                services:
                  web:
                    image: busybox:1.35
                    cap_add: [CHOWN, CAP_NET_BIND_SERVICE, kill, AUDIT_WRITE]
                    ipc: shareable
                    cgroup: private
                    security_opt: ["label=user:USER", "label:level:s0:c100,c200", no-new-privileges, "no-new-privileges:true"]
                    sysctls: {net.core.somaxconn: 1024, kernel.shmmax: 65536, fs.mqueue.msg_max: 20, kernel.sem: "250 32000 32 128"}
                    runtime: runc
                    volumes: [cache:/cache, tmp:/tmp, "sidecar-net:/n"]
                  side:
                    image: busybox:1.35
                    network_mode: service:web
                volumes:
                  cache: {driver: local}
                  tmp: {driver_opts: {type: tmpfs, device: tmpfs, o: "size=64m,uid=1000"}}
                  sidecar-net: {}
                """);
        ContainerOptions web = stack.service("web").orElseThrow().options();
        assertThat(web.capAdd()).containsExactly("CHOWN", "NET_BIND_SERVICE", "KILL", "AUDIT_WRITE");
        assertThat(web.ipc()).isEqualTo("shareable");
        assertThat(web.cgroup()).isEqualTo("private");
        assertThat(web.securityOpt()).hasSize(4);
        assertThat(web.sysctls()).containsEntry("net.core.somaxconn", "1024").hasSize(4);
        assertThat(web.runtime()).isEqualTo("runc");
        assertThat(stack.service("side").orElseThrow().options().networkMode()).isEqualTo("service:web");
    }

    @Test
    void allowedValuesReachTheSpec() {
        ComposePolicy policy = ComposePolicy.parse(List.of(
                "host-ipc",
                "host-uts",
                "host-userns",
                "host-cgroup",
                "join-container",
                "cap:NET_ADMIN",
                "security-opt:seccomp",
                "sysctl:kernel.domainname",
                "device:/dev/fuse",
                "device-cgroup-rules",
                "runtime:runsc"));
        ContainerOptions o =
                parse(policy, service("""
                        cap_add: [NET_ADMIN]
                        pid: container:db
                        ipc: host
                        uts: host
                        userns_mode: host
                        cgroup: host
                        security_opt: ["seccomp=unconfined"]
                        sysctls: [kernel.domainname=example]
                        devices: [/dev/fuse]
                        device_cgroup_rules: ["c 10:229 rwm"]
                        runtime: runsc
                        """)).service("web").orElseThrow().options();
        assertThat(o.capAdd()).containsExactly("NET_ADMIN");
        assertThat(o.pid()).isEqualTo("container:db");
        assertThat(o.ipc()).isEqualTo("host");
        assertThat(o.uts()).isEqualTo("host");
        assertThat(o.usernsMode()).isEqualTo("host");
        assertThat(o.cgroup()).isEqualTo("host");
        assertThat(o.securityOpt()).containsExactly("seccomp=unconfined");
        assertThat(o.sysctls()).containsExactly(Map.entry("kernel.domainname", "example"));
        assertThat(o.devices()).containsExactly("/dev/fuse:/dev/fuse:rwm");
        assertThat(o.deviceCgroupRules()).containsExactly("c 10:229 rwm");
        assertThat(o.runtime()).isEqualTo("runsc");
    }

    @Test
    void aVolumeDeviceAllowanceIsNoBindAllowance() {
        ComposePolicy device = ComposePolicy.parse(List.of("volume-device"));
        assertThat(refused(device, volume("driver_opts: {type: none, o: bind, device: //}"))
                        .detail())
                .contains("--allow docker-socket");
        assertThat(refused(device, volume("driver_opts: {type: none, o: bind, device: etc}"))
                        .detail())
                .isEqualTo("volume \"data\": driver_opts device \"etc\" binds a path of the deployer's host that"
                        + " is not absolute (the engine would read it from its own working directory): write the"
                        + " absolute path");
        // An NFS server whose name holds "bind" is no bind.
        assertThat(parse(device, volume("driver_opts: {type: nfs, o: \"addr=bind.example\", device: \":/x\"}"))
                        .volumes())
                .containsKey("data");
        // A CIFS share is a mount, not a host path.
        assertThat(parse(device, volume("driver_opts: {type: cifs, device: //server/share}"))
                        .volumes())
                .containsKey("data");
    }

    @Test
    void aDockerSocketAllowanceIsNotABindAllowanceForTheDirectoriesAboveIt() {
        ComposeException e = refused(ComposePolicy.parse(List.of("docker-socket")), service("volumes: [/run:/r]"));
        assertThat(e.detail()).endsWith("--allow bind:/run, or commit the files and mount ./<dir>");
        assertThat(parse(ComposePolicy.parse(List.of("docker-socket")), service("volumes: [/run/docker.sock:/s]"))
                        .services())
                .hasSize(1);
    }

    @Test
    void badValuesOfTheNewKeysSayWhatToWrite() {
        ComposePolicy all = ComposePolicy.parse(List.of("host-uts", "security-opt:seccomp"));
        assertThat(refused(all, service("uts: private")).detail())
                .isEqualTo("service \"web\": uts \"private\" is not supported by this version of Berth; use host, or"
                        + " leave it out for the container's own namespace");
        assertThat(refused(all, service("security_opt: [\"seccomp=/etc/profile.json\"]"))
                        .detail())
                .contains("a seccomp profile file is not supported");
        assertThat(refused(all, service("security_opt: [frobnicate]")).detail())
                .contains("is not a security option Berth knows");
        assertThat(refused(all, service("sysctls: [\"not a name=1\"]")).detail())
                .contains("is not a sysctl name");
        assertThat(refused(all, service("devices: [\"nvidia.com/gpu=all\"]")).detail())
                .contains("CDI");
        assertThat(refused(all, service("device_cgroup_rules: [\"x 1:2 q\"]")).detail())
                .contains("is not a rule like");
        assertThat(refused(
                                ComposePolicy.parse(List.of("host-network")),
                                service("network_mode: host\nsysctls: {net.ipv4.ip_forward: 1}"))
                        .detail())
                .isEqualTo("service \"web\": sysctls: net.ipv4.ip_forward is not the container's own here (its"
                        + " namespace is the host's or another container's); the environment's policy refuses it:"
                        + " allow it for the environment with --allow sysctl:net.ipv4.ip_forward");
        assertThat(refused(
                                ComposePolicy.parse(List.of("join-container")),
                                service("ipc: container:db\nsysctls: {kernel.shmmax: 1}"))
                        .detail())
                .endsWith("--allow sysctl:kernel.shmmax");
        assertThat(refused(all, service("pid: service:db")).detail()).contains("use host, container:<name>");
    }

    @Test
    void parseReadsEveryAllowanceAndListsThemWhenOneIsUnknown() {
        List<String> every = List.of(
                "privileged",
                "host-network",
                "host-pid",
                "docker-socket",
                "device-cgroup-rules",
                "host-cgroup",
                "host-ipc",
                "host-userns",
                "host-uts",
                "join-container",
                "volume-device",
                "bind:/srv/data",
                "cap:NET_ADMIN",
                "device:/dev/fuse",
                "runtime:runsc",
                "security-opt:apparmor",
                "sysctl:kernel.core_pattern",
                "volume-driver:local-persist",
                "network-driver:macvlan");
        assertThat(ComposePolicy.parse(every).allowances()).containsExactlyInAnyOrderElementsOf(every);
        assertThat(ComposePolicy.parse(List.of("CAP_NET_ADMIN".replace("CAP_", "cap:")))
                        .allowances())
                .containsExactly("cap:NET_ADMIN");
        assertThat(ComposePolicy.DEFAULT.allowances()).isEmpty();
        assertThatThrownBy(() -> ComposePolicy.parse(List.of("root")))
                .hasMessageContaining("\"root\" is not an allowance; use privileged, host-network")
                .hasMessageContaining("join-container")
                .hasMessageContaining("cap:<capability>")
                .hasMessageContaining("security-opt:<apparmor|label");
        assertThatThrownBy(() -> ComposePolicy.parse(List.of("cap:ALL"))).hasMessageContaining("needs privileged");
        assertThatThrownBy(() -> ComposePolicy.parse(List.of("security-opt:everything")))
                .hasMessageContaining("takes one of");
        assertThatThrownBy(() -> ComposePolicy.parse(List.of("device:fuse"))).hasMessageContaining("device:/dev/fuse");
    }
}
