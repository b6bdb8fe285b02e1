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
 * @param pid {@code pid} ({@code host}), or null for the container's own namespace
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
        @Nullable String pid) {
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

    public ContainerOptions {
        capAdd = List.copyOf(capAdd);
        capDrop = List.copyOf(capDrop);
        extraHosts = List.copyOf(extraHosts);
        dns = List.copyOf(dns);
        tmpfs = Collections.unmodifiableMap(new TreeMap<>(tmpfs));
        ulimits = Collections.unmodifiableMap(new TreeMap<>(ulimits));
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
