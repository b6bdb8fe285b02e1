package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.flag;
import static dev.berth.common.compose.Nodes.keyValues;
import static dev.berth.common.compose.Nodes.keys;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;
import static dev.berth.common.compose.Nodes.size;
import static dev.berth.common.compose.Nodes.whole;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * Reads the service keys that set the kernel's limits on a container beyond {@code deploy.resources}
 * ({@link ContainerOptions.Limits}): {@code memswap_limit}, {@code mem_swappiness}, {@code shm_size},
 * the CPU scheduling keys, {@code oom_score_adj}, {@code oom_kill_disable}, {@code blkio_config},
 * {@code storage_opt} and {@code cgroup_parent}. The two that let a container escape the engine's
 * control of it go through the environment's {@link ComposePolicy}: {@code oom_kill_disable} (and a
 * negative {@code oom_score_adj}, which shields it from the OOM killer at the host's expense) needs
 * {@code oom-kill-disable}; {@code cgroup_parent}, which moves it out of the engine's cgroup, needs
 * {@code cgroup-parent}. Used by one parse.
 */
final class LimitsReader {
    private static final Pattern CPUSET = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");
    private static final Set<String> BLKIO_KEYS = Set.of(
            "weight", "weight_device", "device_read_bps", "device_write_bps", "device_read_iops", "device_write_iops");
    private static final String REFUSED =
            "; the environment's policy refuses it: allow it for the environment with --allow ";

    private final ComposePolicy policy;

    LimitsReader(ComposePolicy policy) {
        this.policy = policy;
    }

    ContainerOptions.Limits read(Map<String, NodeTuple> keys, String where) {
        Long rtRuntime = realtime(keys.get("cpu_rt_runtime"), where + ": cpu_rt_runtime", 0);
        Long rtPeriod = realtime(keys.get("cpu_rt_period"), where + ": cpu_rt_period", 1);
        if (rtRuntime != null && rtPeriod != null && rtRuntime > rtPeriod) {
            throw error(
                    keys.get("cpu_rt_runtime").getValueNode(),
                    where + ": cpu_rt_runtime " + rtRuntime + "us is longer than cpu_rt_period " + rtPeriod
                            + "us; the engine refuses a runtime higher than its period: shorten the runtime");
        }
        return new ContainerOptions.Limits(
                memorySwap(keys.get("memswap_limit"), where + ": memswap_limit"),
                integer(keys.get("mem_swappiness"), where + ": mem_swappiness", 0, 100),
                positiveSize(keys.get("shm_size"), where + ": shm_size"),
                integer(keys.get("cpu_shares"), where + ": cpu_shares", 0, 262_144),
                cpuQuota(keys.get("cpu_quota"), where + ": cpu_quota"),
                range(keys.get("cpu_period"), where + ": cpu_period", 1_000, 1_000_000),
                cpuset(keys.get("cpuset"), where + ": cpuset"),
                range(keys.get("cpu_count"), where + ": cpu_count", 0, Long.MAX_VALUE),
                range(keys.get("cpu_percent"), where + ": cpu_percent", 0, 100),
                oomScoreAdj(keys.get("oom_score_adj"), where),
                oomKillDisable(keys.get("oom_kill_disable"), where),
                blkio(keys.get("blkio_config"), where + ": blkio_config"),
                keyValues(keys.get("storage_opt"), where + ": storage_opt"),
                cgroupParent(keys.get("cgroup_parent"), where),
                rtRuntime,
                rtPeriod);
    }

    /** The real-time scheduler's periods are at most a second, as the kernel's default period is. */
    private static final long MAX_REALTIME_MICROS = 1_000_000;

    private static final Pattern MICROSECONDS = Pattern.compile("\\d{1,10}");

    /**
     * {@code cpu_rt_runtime} or {@code cpu_rt_period}: a whole number of microseconds, or a duration
     * ({@code 400ms}, {@code 1400us}), as Compose reads them; from {@code min} up to a second.
     */
    private static @Nullable Long realtime(@Nullable NodeTuple tuple, String what, long min) {
        if (tuple == null) {
            return null;
        }
        Node node = tuple.getValueNode();
        String text = scalar(node, what).strip();
        long micros;
        if (MICROSECONDS.matcher(text).matches()) {
            micros = Long.parseLong(text);
        } else {
            Duration duration;
            try {
                duration = Nodes.duration(tuple, what);
            } catch (ComposeException e) {
                throw error(
                        node,
                        what + " \"" + text + "\" is not a number of microseconds or a duration: write it like"
                                + " 95000 or 950ms");
            }
            long nanos = Objects.requireNonNull(duration).toNanos();
            if (nanos % 1_000 != 0) {
                throw error(node, what + " \"" + text + "\" is finer than a microsecond, which the kernel counts in");
            }
            micros = nanos / 1_000;
        }
        if (micros < min || micros > MAX_REALTIME_MICROS) {
            throw error(
                    node,
                    what + " \"" + text + "\" is out of range: use " + min + "us to 1s (" + MAX_REALTIME_MICROS
                            + " microseconds)");
        }
        return micros;
    }

    /** {@code memswap_limit}: a size, or -1 for unlimited swap; 0 is unset, as Compose reads it. */
    private static @Nullable Long memorySwap(@Nullable NodeTuple tuple, String what) {
        if (tuple == null) {
            return null;
        }
        Node node = tuple.getValueNode();
        if (scalar(node, what).strip().equals("-1")) {
            return -1L;
        }
        long bytes = size(node, what);
        return bytes == 0 ? null : bytes;
    }

    private static @Nullable Long positiveSize(@Nullable NodeTuple tuple, String what) {
        if (tuple == null) {
            return null;
        }
        long bytes = size(tuple.getValueNode(), what);
        return bytes == 0 ? null : bytes;
    }

    private static @Nullable Integer integer(@Nullable NodeTuple tuple, String what, int min, int max) {
        Long value = range(tuple, what, min, max);
        return value == null ? null : value.intValue();
    }

    /** A whole number from {@code min} to {@code max}. */
    static @Nullable Long range(@Nullable NodeTuple tuple, String what, long min, long max) {
        if (tuple == null) {
            return null;
        }
        return range(tuple.getValueNode(), what, min, max);
    }

    static long range(Node node, String what, long min, long max) {
        long value = whole(node, what);
        if (value < min || value > max) {
            throw error(
                    node,
                    what + " " + value + " is out of range: use a whole number from " + min
                            + (max == Long.MAX_VALUE ? " up" : " to " + max));
        }
        return value;
    }

    /** {@code cpu_quota}: at least 1000 microseconds, as the kernel takes it, or -1 for no quota. */
    private static @Nullable Long cpuQuota(@Nullable NodeTuple tuple, String what) {
        if (tuple == null) {
            return null;
        }
        Node node = tuple.getValueNode();
        long quota = whole(node, what);
        if (quota != -1 && quota != 0 && quota < 1_000) {
            throw error(
                    node,
                    what + " " + quota + " is too small: the kernel takes at least 1000 microseconds, or -1 for no"
                            + " quota");
        }
        return quota == 0 ? null : quota;
    }

    private static @Nullable String cpuset(@Nullable NodeTuple tuple, String what) {
        if (tuple == null) {
            return null;
        }
        Node node = tuple.getValueNode();
        String cpus = scalar(node, what).strip().replace(" ", "");
        if (!CPUSET.matcher(cpus).matches()) {
            throw error(node, what + " \"" + cpus + "\" is not a set of CPUs: write it like 0-3 or 0,1");
        }
        return cpus;
    }

    private @Nullable Integer oomScoreAdj(@Nullable NodeTuple tuple, String where) {
        Integer adjustment = integer(tuple, where + ": oom_score_adj", -1_000, 1_000);
        if (adjustment != null && adjustment < 0 && !policy.allows(ComposePolicy.OOM_KILL_DISABLE)) {
            throw error(
                    tuple.getValueNode(),
                    where + ": oom_score_adj " + adjustment + " shields the container from the OOM killer, which"
                            + " then kills the host's processes first" + REFUSED + ComposePolicy.OOM_KILL_DISABLE
                            + ", or use 0 or more");
        }
        return adjustment;
    }

    private boolean oomKillDisable(@Nullable NodeTuple tuple, String where) {
        boolean disable = flag(tuple, where + ": oom_kill_disable");
        if (disable && !policy.allows(ComposePolicy.OOM_KILL_DISABLE)) {
            throw error(
                    tuple.getValueNode(),
                    where + ": oom_kill_disable keeps the kernel from killing the container when memory runs out, so"
                            + " the host's processes are killed instead" + REFUSED
                            + ComposePolicy.OOM_KILL_DISABLE);
        }
        return disable;
    }

    private @Nullable String cgroupParent(@Nullable NodeTuple tuple, String where) {
        if (tuple == null) {
            return null;
        }
        Node node = tuple.getValueNode();
        String parent = scalar(node, where + ": cgroup_parent").strip();
        if (parent.isEmpty() || parent.chars().anyMatch(c -> c <= ' ') || parent.contains("..")) {
            throw error(node, where + ": cgroup_parent \"" + parent + "\" is not a cgroup path, like berth.slice");
        }
        if (!policy.allows(ComposePolicy.CGROUP_PARENT)) {
            throw error(
                    node,
                    where + ": cgroup_parent " + parent + " moves the container out of the engine's cgroup, under"
                            + " limits set outside Docker" + REFUSED + ComposePolicy.CGROUP_PARENT);
        }
        return parent;
    }

    /** {@code blkio_config}: weights 10 to 1000, byte rates as sizes, operation rates as whole numbers. */
    private static ContainerOptions.@Nullable Blkio blkio(@Nullable NodeTuple tuple, String what) {
        if (tuple == null) {
            return null;
        }
        Map<String, NodeTuple> keys = keys(tuple.getValueNode(), what, BLKIO_KEYS, Set.of(), "");
        Integer weight = null;
        if (keys.containsKey("weight")) {
            weight = (int) range(keys.get("weight").getValueNode(), what + ".weight", 10, 1_000);
        }
        return new ContainerOptions.Blkio(
                weight,
                devices(keys.get("weight_device"), what + ".weight_device", Rate.WEIGHT),
                devices(keys.get("device_read_bps"), what + ".device_read_bps", Rate.BYTES),
                devices(keys.get("device_write_bps"), what + ".device_write_bps", Rate.BYTES),
                devices(keys.get("device_read_iops"), what + ".device_read_iops", Rate.OPERATIONS),
                devices(keys.get("device_write_iops"), what + ".device_write_iops", Rate.OPERATIONS));
    }

    private enum Rate {
        WEIGHT,
        BYTES,
        OPERATIONS
    }

    private static List<ContainerOptions.DeviceRate> devices(@Nullable NodeTuple tuple, String what, Rate rate) {
        List<ContainerOptions.DeviceRate> result = new ArrayList<>();
        if (tuple == null) {
            return result;
        }
        String valueKey = rate == Rate.WEIGHT ? "weight" : "rate";
        for (Node item : sequence(tuple.getValueNode(), what)) {
            Map<String, NodeTuple> entry = keys(item, "an item of " + what, Set.of("path", valueKey), Set.of(), "");
            if (!entry.containsKey("path") || !entry.containsKey(valueKey)) {
                throw error(item, "an item of " + what + " needs path and " + valueKey);
            }
            Node pathNode = entry.get("path").getValueNode();
            String path = scalar(pathNode, what + ".path").strip();
            if (!path.startsWith("/")) {
                throw error(pathNode, what + ".path \"" + path + "\" is not a device path, like /dev/sda");
            }
            Node value = entry.get(valueKey).getValueNode();
            long amount = switch (rate) {
                case WEIGHT -> range(value, what + ".weight", 10, 1_000);
                case BYTES -> size(value, what + ".rate");
                case OPERATIONS -> range(value, what + ".rate", 0, Long.MAX_VALUE);
            };
            result.add(new ContainerOptions.DeviceRate(path, amount));
        }
        return result;
    }
}
