package dev.berth.common.compose;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * @param stdinOpen {@code stdin_open}: the container keeps a standard input open
 * @param tty {@code tty}: the container gets a pseudo-terminal
 * @param groupAdd {@code group_add}: supplementary groups, by name or number
 * @param dnsSearch {@code dns_search} domains
 * @param dnsOpt {@code dns_opt} resolver options
 * @param domainname {@code domainname}, or null
 * @param macAddress {@code mac_address}, or null for one the engine picks
 * @param limits the kernel's limits on the container beyond {@link #resources()}: swap, shared
 *     memory, CPU scheduling, block IO, OOM killer, storage and cgroup parent
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
        @Nullable String runtime,
        boolean stdinOpen,
        boolean tty,
        List<String> groupAdd,
        List<String> dnsSearch,
        List<String> dnsOpt,
        @Nullable String domainname,
        @Nullable String macAddress,
        Limits limits) {
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

    /** The options without the keys added in 1.y (stdin_open, tty, ..., limits): Docker's defaults for those. */
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
                ipc,
                uts,
                usernsMode,
                cgroup,
                securityOpt,
                sysctls,
                devices,
                deviceCgroupRules,
                runtime,
                false,
                false,
                List.of(),
                List.of(),
                List.of(),
                null,
                null,
                Limits.NONE);
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
        groupAdd = List.copyOf(groupAdd);
        dnsSearch = List.copyOf(dnsSearch);
        dnsOpt = List.copyOf(dnsOpt);
        Objects.requireNonNull(limits, "limits");
    }

    /**
     * True when the engine starts the container again after it exits with code 0 ({@code always},
     * {@code unless-stopped}); false for {@code no} (Compose's default) and {@code on-failure}, under
     * which a container that exited 0 is done, as {@code docker compose up -d} leaves it.
     */
    public boolean restartsAfterSuccess() {
        return "always".equals(restart) || "unless-stopped".equals(restart);
    }

    /**
     * {@code deploy.resources}: limits and reservations; null for none.
     *
     * @param memoryLimit bytes
     * @param nanoCpus billionths of a CPU, as Docker counts them
     * @param memoryReservation bytes
     * @param deviceRequests {@code gpus} and {@code reservations.devices}: devices a driver gives the
     *     container, refused unless the policy allows {@code gpu}
     */
    public record Resources(
            @Nullable Long memoryLimit,
            @Nullable Long nanoCpus,
            @Nullable Long pidsLimit,
            @Nullable Long memoryReservation,
            List<DeviceRequest> deviceRequests) {
        public static final Resources NONE = new Resources(null, null, null, null);

        public Resources {
            deviceRequests = List.copyOf(deviceRequests);
        }

        /** Limits and reservations without device requests. */
        public Resources(
                @Nullable Long memoryLimit,
                @Nullable Long nanoCpus,
                @Nullable Long pidsLimit,
                @Nullable Long memoryReservation) {
            this(memoryLimit, nanoCpus, pidsLimit, memoryReservation, List.of());
        }
    }

    /**
     * A request for devices from a device driver, such as the host's GPUs ({@code gpus},
     * {@code deploy.resources.reservations.devices}).
     *
     * @param driver the driver, such as {@code nvidia}, or null for the engine's choice by capability
     * @param count how many devices, -1 for all; 0 with {@code deviceIds}
     * @param deviceIds the devices by id, or empty
     * @param capabilities what the devices must offer, such as {@code gpu}
     */
    public record DeviceRequest(
            @Nullable String driver,
            int count,
            List<String> deviceIds,
            List<String> capabilities,
            Map<String, String> options) {
        public DeviceRequest {
            deviceIds = List.copyOf(deviceIds);
            capabilities = List.copyOf(capabilities);
            options = Collections.unmodifiableMap(new TreeMap<>(options));
        }
    }

    /** A log driver and its options. */
    public record Logging(String driver, Map<String, String> options) {
        public Logging {
            options = Collections.unmodifiableMap(new TreeMap<>(options));
        }
    }

    /**
     * The kernel's limits on a container beyond {@link Resources}, as Compose's service keys set them;
     * null, false or empty for Docker's default.
     *
     * @param memorySwap {@code memswap_limit}: memory and swap together, in bytes; -1 for unlimited swap
     * @param memorySwappiness {@code mem_swappiness}, 0 to 100
     * @param shmSize {@code shm_size}: the size of {@code /dev/shm}, in bytes
     * @param cpuShares {@code cpu_shares}: the relative CPU weight (1024 is Docker's default)
     * @param cpuQuota {@code cpu_quota}: microseconds of CPU per {@code cpuPeriod}; -1 for none
     * @param cpuPeriod {@code cpu_period}: the CFS period in microseconds
     * @param cpuset {@code cpuset}: the CPUs the container may use, like {@code 0-3} or {@code 0,1}
     * @param cpuCount {@code cpu_count} (Windows engines only; a Linux engine ignores it)
     * @param cpuPercent {@code cpu_percent} (Windows engines only; a Linux engine ignores it)
     * @param oomScoreAdj {@code oom_score_adj}, -1000 to 1000
     * @param oomKillDisable {@code oom_kill_disable}, refused unless the policy allows it
     * @param blkio {@code blkio_config}, or null
     * @param storageOpt {@code storage_opt}: the storage driver's options, such as {@code size}
     * @param cgroupParent {@code cgroup_parent}, refused unless the policy allows it
     * @param cpuRtRuntime {@code cpu_rt_runtime}: microseconds of real-time scheduling per {@code cpuRtPeriod}
     * @param cpuRtPeriod {@code cpu_rt_period}: the real-time scheduler's period in microseconds
     */
    public record Limits(
            @Nullable Long memorySwap,
            @Nullable Integer memorySwappiness,
            @Nullable Long shmSize,
            @Nullable Integer cpuShares,
            @Nullable Long cpuQuota,
            @Nullable Long cpuPeriod,
            @Nullable String cpuset,
            @Nullable Long cpuCount,
            @Nullable Long cpuPercent,
            @Nullable Integer oomScoreAdj,
            boolean oomKillDisable,
            @Nullable Blkio blkio,
            Map<String, String> storageOpt,
            @Nullable String cgroupParent,
            @Nullable Long cpuRtRuntime,
            @Nullable Long cpuRtPeriod) {
        public static final Limits NONE = new Limits(
                null, null, null, null, null, null, null, null, null, null, false, null, Map.of(), null, null, null);

        public Limits {
            storageOpt = Collections.unmodifiableMap(new TreeMap<>(storageOpt));
        }
    }

    /**
     * {@code blkio_config}: block IO weights and rate limits, by device path.
     *
     * @param weight 10 to 1000, or null for Docker's default (500)
     * @param readBps bytes per second
     * @param readIops operations per second
     */
    public record Blkio(
            @Nullable Integer weight,
            List<DeviceRate> weightDevice,
            List<DeviceRate> readBps,
            List<DeviceRate> writeBps,
            List<DeviceRate> readIops,
            List<DeviceRate> writeIops) {
        public Blkio {
            weightDevice = List.copyOf(weightDevice);
            readBps = List.copyOf(readBps);
            writeBps = List.copyOf(writeBps);
            readIops = List.copyOf(readIops);
            writeIops = List.copyOf(writeIops);
        }
    }

    /** A device path with a weight or a rate. */
    public record DeviceRate(String path, long rate) {
        public DeviceRate {
            Objects.requireNonNull(path, "path");
        }
    }
}
