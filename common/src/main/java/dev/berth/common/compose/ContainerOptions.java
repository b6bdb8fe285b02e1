package dev.berth.common.compose;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * How a service's container runs, beyond what it runs: Compose's {@code restart}, {@code user},
 * {@code working_dir}, {@code hostname}, {@code cap_add}, {@code cap_drop}, {@code read_only},
 * {@code init}, {@code extra_hosts}, {@code dns}, {@code stop_signal}, {@code stop_grace_period} and
 * {@code tmpfs}, normalised. Null or empty means Docker's default.
 *
 * @param restart {@code no}, {@code always}, {@code unless-stopped} or {@code on-failure[:N]}
 * @param capAdd capability names without the {@code CAP_} prefix, upper case
 * @param extraHosts {@code host:address} entries
 * @param tmpfs mount path to mount options (empty for none)
 * @param resources {@code deploy.resources}
 * @param logging the log driver and its options, or null for the engine's default
 * @param ulimits limit name to {@code [soft, hard]}
 * @param privileged {@code privileged}, refused unless the policy allows it
 * @param networkMode {@code network_mode} ({@code none}, {@code host}, {@code service:<name>},
 *     {@code container:<name>}), or null to join the stack's networks
 * @param pid {@code pid} ({@code host}, {@code container:<name>}), or null for the container's own namespace
 * @param ipc {@code ipc} ({@code none}, {@code private}, {@code shareable}, {@code host},
 *     {@code container:<name>}), or null for Docker's default
 * @param uts {@code uts} ({@code host}), or null
 * @param usernsMode {@code userns_mode} ({@code host}), or null
 * @param cgroup {@code cgroup} ({@code host}, {@code private}): the cgroup namespace, or null
 * @param securityOpt {@code security_opt} entries as written
 * @param sysctls {@code sysctls}, names with dots
 * @param devices {@code devices} as {@code host:container:permissions}
 * @param deviceCgroupRules {@code device_cgroup_rules}
 * @param runtime {@code runtime}, or null for the engine's default
 */
public record ContainerOptions(
        @Nullable String restart,
        @Nullable String user,
        @Nullable String workingDir,
        @Nullable String hostname,
        List<String> capAdd,
        List<String> capDrop,
        boolean readOnly,
        boolean init,
        List<String> extraHosts,
        List<String> dns,
        @Nullable String stopSignal,
        @Nullable Duration stopGracePeriod,
        Map<String, String> tmpfs,
        Resources resources,
        @Nullable Logging logging,
        Map<String, List<Long>> ulimits,
        boolean privileged,
        @Nullable String networkMode,
        @Nullable String pid,
        @Nullable String ipc,
        @Nullable String uts,
        @Nullable String usernsMode,
        @Nullable String cgroup,
        List<String> securityOpt,
        Map<String, String> sysctls,
        List<String> devices,
        List<String> deviceCgroupRules,
        @Nullable String runtime) {
    /** Docker's defaults for everything. */
    public static final ContainerOptions DEFAULTS = new ContainerOptions(
            null,
            null,
            null,
            null,
            List.of(),
            List.of(),
            false,
            false,
            List.of(),
            List.of(),
            null,
            null,
            Map.of(),
            Resources.NONE,
            null,
            Map.of(),
            false,
            null,
            null);

    /** The options without the isolation keys added in 1.x (ipc, uts, ..., runtime): Docker's defaults for those. */
    public ContainerOptions(
            @Nullable String restart,
            @Nullable String user,
            @Nullable String workingDir,
            @Nullable String hostname,
            List<String> capAdd,
            List<String> capDrop,
            boolean readOnly,
            boolean init,
            List<String> extraHosts,
            List<String> dns,
            @Nullable String stopSignal,
            @Nullable Duration stopGracePeriod,
            Map<String, String> tmpfs,
            Resources resources,
            @Nullable Logging logging,
            Map<String, List<Long>> ulimits,
            boolean privileged,
            @Nullable String networkMode,
            @Nullable String pid) {
        this(
                restart,
                user,
                workingDir,
                hostname,
                capAdd,
                capDrop,
                readOnly,
                init,
                extraHosts,
                dns,
                stopSignal,
                stopGracePeriod,
                tmpfs,
                resources,
                logging,
                ulimits,
                privileged,
                networkMode,
                pid,
                null,
                null,
                null,
                null,
                List.of(),
                Map.of(),
                List.of(),
                List.of(),
                null);
    }

    public ContainerOptions {
        capAdd = List.copyOf(capAdd);
        capDrop = List.copyOf(capDrop);
        extraHosts = List.copyOf(extraHosts);
        dns = List.copyOf(dns);
        tmpfs = Collections.unmodifiableMap(new TreeMap<>(tmpfs));
        ulimits = Collections.unmodifiableMap(new TreeMap<>(ulimits));
        securityOpt = List.copyOf(securityOpt);
        sysctls = Collections.unmodifiableMap(new TreeMap<>(sysctls));
        devices = List.copyOf(devices);
        deviceCgroupRules = List.copyOf(deviceCgroupRules);
    }

    /**
     * {@code deploy.resources}: limits and reservations; null for none.
     *
     * @param memoryLimit bytes
     * @param nanoCpus billionths of a CPU, as Docker counts them
     * @param memoryReservation bytes
     */
    public record Resources(
            @Nullable Long memoryLimit,
            @Nullable Long nanoCpus,
            @Nullable Long pidsLimit,
            @Nullable Long memoryReservation) {
        public static final Resources NONE = new Resources(null, null, null, null);
    }

    /** A log driver and its options. */
    public record Logging(String driver, Map<String, String> options) {
        public Logging {
            options = Collections.unmodifiableMap(new TreeMap<>(options));
        }
    }
}
