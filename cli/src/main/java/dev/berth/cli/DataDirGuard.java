package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.Service;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the data directory (the embedded broker's logs, the repository mirrors, the deployed stacks'
 * files): at start it must be writable with at least a stated amount of free space; while running it is
 * probed every few seconds, and its free space is the gauge {@code berth_data_dir_free_bytes{dir}}. The
 * first failure (full, read-only, or reported by the embedded broker through {@link #fail}) is kept,
 * turns {@link #healthy()} false and is handed once to the listener, which stops the process with exit
 * code 1. Thread-safe; owns its one scheduler thread.
 */
final class DataDirGuard implements Service {
    private static final Logger log = LoggerFactory.getLogger("dev.berth.cli");

    /** What {@code berth run} needs free at start with its embedded broker (its logs and indexes). */
    static final long MINIMUM_FREE_WITH_BROKER = 64L << 20;
    /** What a service (mirrors, stack files) or {@code berth run} on an external Kafka needs free at start. */
    static final long MINIMUM_FREE = 16L << 20;
    /** Below this, while running, the directory counts as full: the next write of the broker fails. */
    static final long FULL_BELOW = 1L << 20;

    static final Duration CHECK_INTERVAL = Duration.ofSeconds(5);
    /** How long /health answers DOWN after a failure before the process stops. */
    static final Duration DOWN_GRACE = Duration.ofSeconds(5);
    /**
     * How long stopping after a failure may take before the process halts: with the broker's disk gone,
     * the Kafka clients' orderly close would wait for it in vain.
     */
    static final Duration STOP_DEADLINE = Duration.ofSeconds(20);

    private static final String PROBE = ".berth-write-probe";

    private final Path dir;
    private final Consumer<String> onFailure;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile @Nullable String failure;
    private volatile long lastFree = -1;
    private @Nullable ScheduledExecutorService scheduler;

    private DataDirGuard(Path dir, Consumer<String> onFailure) {
        this.dir = dir;
        this.onFailure = onFailure;
    }

    /**
     * Creates the directory if needed and checks it can be written with {@code minimumFree} bytes free;
     * throws a {@link BerthException} naming the directory and its free space when not.
     */
    static DataDirGuard check(Path dir, long minimumFree, Consumer<String> onFailure) {
        Objects.requireNonNull(onFailure, "onFailure");
        Path absolute = dir.toAbsolutePath();
        try {
            Files.createDirectories(absolute);
        } catch (IOException e) {
            throw new BerthException(
                    "data directory " + absolute + " cannot be created (" + reason(e) + "); choose another --data-dir");
        }
        DataDirGuard guard = new DataDirGuard(absolute, onFailure);
        guard.problem(minimumFree).ifPresent(problem -> {
            throw new BerthException(problem);
        });
        return guard;
    }

    /** What is wrong with the directory now, with fewer than {@code minimumFree} bytes counting as full. */
    Optional<String> problem(long minimumFree) {
        Space space;
        try {
            space = Space.of(dir);
        } catch (IOException e) {
            return Optional.of("data directory " + dir + " cannot be read (" + reason(e) + "); check the disk"
                    + " or choose another --data-dir");
        }
        lastFree = space.free();
        if (space.free() < minimumFree) {
            return Optional.of(full(space, minimumFree));
        }
        try {
            probe();
        } catch (IOException e) {
            String why = reason(e);
            if (why.contains("No space left")) {
                return Optional.of(full(space, minimumFree));
            }
            return Optional.of("data directory " + dir + " is not writable (" + why + "): " + space
                    + "; make it writable or choose another --data-dir");
        }
        return Optional.empty();
    }

    private String full(Space space, long minimumFree) {
        String what = space.free() < FULL_BELOW ? "is full" : "is almost full";
        String needs = minimumFree > FULL_BELOW ? " (Berth needs " + bytes(minimumFree) + " to start)" : "";
        return "data directory " + dir + " " + what + ": " + space + needs
                + "; free space or choose another --data-dir";
    }

    private void probe() throws IOException {
        Path file = dir.resolve(PROBE);
        try (FileChannel channel = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.wrap(new byte[4096]));
            channel.force(false);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Publishes the directory's free and total bytes, as the last check measured the free ones. */
    void register(MeterRegistry registry) {
        Gauge.builder("berth.data.dir.free", this, g -> g.lastFree)
                .baseUnit("bytes")
                .tag("dir", dir.toString())
                .description("Free bytes of Berth's data directory, measured every " + CHECK_INTERVAL.toSeconds()
                        + " s; -1 before the first measure")
                .register(registry);
        Gauge.builder("berth.data.dir.size", this, DataDirGuard::total)
                .baseUnit("bytes")
                .tag("dir", dir.toString())
                .description("Size of the file system holding Berth's data directory")
                .register(registry);
    }

    private double total() {
        try {
            return Space.of(dir).total();
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** False once the directory failed: it filled up, turned read-only, or the broker lost its logs. */
    boolean healthy() {
        return failure == null;
    }

    Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Records a failure of the directory's user (the embedded broker that halts on a failed log dir):
     * the message says what the directory's state is now; the listener hears only the first failure.
     */
    void fail(String what) {
        String state = problem(FULL_BELOW).orElseGet(() -> {
            Space space = Space.measure(dir);
            return "check the disk of data directory " + dir + " (" + space + ") or choose another --data-dir";
        });
        report(what + ": " + state);
    }

    private void report(String message) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = message;
        }
        log.error(message);
        onFailure.accept(message);
    }

    private void checkNow() {
        try {
            problem(FULL_BELOW).ifPresent(this::report);
        } catch (RuntimeException e) {
            log.warn("checking data directory {} failed: {}", dir, e.toString());
        }
    }

    @Override
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "berth-data-dir");
            t.setDaemon(true);
            return t;
        });
        long period = CHECK_INTERVAL.toMillis();
        s.scheduleWithFixedDelay(this::checkNow, period, period, TimeUnit.MILLISECONDS);
        scheduler = s;
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        stopped.countDown();
    }

    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        ScheduledExecutorService s;
        synchronized (this) {
            s = scheduler;
        }
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)
                && (s == null || s.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Override
    public String name() {
        return "data-dir";
    }

    /**
     * After a failure: stops the process on a thread of its own ({@code stop} counts {@code stopped}
     * down) after {@link #DOWN_GRACE} and, should stopping hang (a broker that lost its disk), halts with exit code 1 after
     * {@link #STOP_DEADLINE}: never a silent halt, never a hang.
     */
    static void stopAfterFailure(String message, Runnable stop, CountDownLatch stopped) {
        Thread stopper = new Thread(() -> stopAfterGrace(stop), "berth-stop-on-failure");
        stopper.setDaemon(true);
        stopper.start();
        Thread deadline = new Thread(() -> haltUnlessStopped(message, stopped), "berth-stop-deadline");
        deadline.setDaemon(true);
        deadline.start();
    }

    /** Keeps /health answering DOWN a moment, for a supervisor's probe and a last scrape, then stops. */
    private static void stopAfterGrace(Runnable stop) {
        try {
            Thread.sleep(DOWN_GRACE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stop.run();
    }

    private static void haltUnlessStopped(String message, CountDownLatch stopped) {
        try {
            if (!stopped.await(DOWN_GRACE.plus(STOP_DEADLINE).toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn(
                        "not stopped within {} s (Kafka clients wait for a broker that is gone): halting",
                        STOP_DEADLINE.toSeconds());
                // The line the command prints when it ends on an error, as it would have printed it.
                System.err.println("berth: " + message);
                System.err.flush();
                Runtime.getRuntime().halt(Berth.EXIT_FAILURE);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String reason(IOException e) {
        if (e instanceof FileAlreadyExistsException exists) {
            return "a file is in the way: " + exists.getFile();
        }
        if (e instanceof AccessDeniedException denied && denied.getReason() == null) {
            return "permission denied: " + denied.getFile();
        }
        String reason = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason() : e.getMessage();
        return reason == null ? e.getClass().getSimpleName() : reason;
    }

    /** Bytes as a person reads them: {@code 0 B}, {@code 512 KiB}, {@code 15.8 MiB}, {@code 2.0 GiB}. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = n;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return value == Math.rint(value)
                ? String.format(Locale.ROOT, "%d %s", (long) value, units[unit])
                : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** A file system's free (usable by this process) and total bytes. */
    record Space(long free, long total) {
        static Space of(Path dir) throws IOException {
            FileStore store = Files.getFileStore(dir);
            return new Space(store.getUsableSpace(), store.getTotalSpace());
        }

        static Space measure(Path dir) {
            try {
                return of(dir);
            } catch (IOException e) {
                return new Space(-1, -1);
            }
        }

        @Override
        public String toString() {
            return free < 0 ? "free space unknown" : bytes(free) + " free of " + bytes(total);
        }
    }
}
