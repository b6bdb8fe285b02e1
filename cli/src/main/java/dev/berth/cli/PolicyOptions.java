package dev.berth.cli;

import dev.berth.common.compose.ComposePolicy;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --allow}: what stacks may ask of the host, for {@code berth run} and {@code berth validate}. */
final class PolicyOptions {
    @Option(
            names = "--allow",
            paramLabel = "<allowance>",
            description = {
                "Let stacks ask this of the host (repeatable; everything is refused by default):"
                        + " privileged, host-network, host-pid, host-ipc, host-uts, host-userns, host-cgroup,"
                        + " join-container, docker-socket, volume-device, device-cgroup-rules, oom-kill-disable,"
                        + " cgroup-parent, gpu,"
                        + " bind:<absolute directory> for bind mounts of that host directory, cap:<capability>,"
                        + " volume-driver:<driver>, network-driver:<driver>, sysctl:<name>, device:<host path>, runtime:<name>,"
                        + " security-opt:<kind>. See docs/compose.md, \"Policy\"."
            })
    List<String> allowances = new ArrayList<>();

    /**
     * The policy the allowances make.
     *
     * @throws Berth.UsageException naming a value that is not an allowance
     */
    ComposePolicy policy() {
        try {
            return ComposePolicy.parse(allowances);
        } catch (IllegalArgumentException e) {
            throw new Berth.UsageException("--allow: " + e.getMessage());
        }
    }
}
