package dev.berth.watcher;

import dev.berth.common.BerthException;
import dev.berth.common.Commit;
import dev.berth.common.RetriableBerthException;
import dev.berth.common.Service;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposeFiles;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.DotEnv;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventPublisher;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackInvalid;
import dev.berth.common.event.StackRemoved;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.watcher.internal.StackPaths;
import dev.berth.watcher.internal.git.BlobTooLargeException;
import dev.berth.watcher.internal.git.GitMirror;
import dev.berth.watcher.internal.git.GitSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one branch of a config repository and publishes what changed in its stacks.
 *
 * <p>Every poll interval (and on {@link #pollNow()}) it fetches the source into a bare mirror under
 * {@code <dataDir>/mirrors/}, compares the branch's tree with the tree of the commit it published
 * last (its cursor, kept in {@code berth.state}), and publishes, for each stack directory with a
 * changed path, in name order: {@link StackChanged} with the validated compose document,
 * {@link StackRemoved} when the stack's compose file is gone, or {@link StackInvalid} when it does
 * not parse. The first poll of a source, or one whose cursor commit is no longer in the mirror,
 * treats every stack at the head as changed. The cursor advances only after every event of the
 * commit was published, so a failed publish is retried at the next poll (delivery is at least once).
 * An unreachable source or a missing branch is logged as one WARN line per poll; nothing is
 * published then.
 *
 * <p>Polls run on one thread, {@code berth-watcher-poll-<environment>}. The methods of this class
 * are thread-safe. The watcher owns its mirror and thread; the caller owns the publisher, the state
 * store and the registry.
 */
public final class Watcher implements Service {
    private static final Logger log = LoggerFactory.getLogger(Watcher.class);
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(60);
    /** Compose documents over 1 MiB are refused by the parser; this only bounds what is read. */
    private static final long MAX_COMPOSE_BYTES = 2L * 1024 * 1024;

    private enum State {
        NEW,
        RUNNING,
        STOPPED
    }

    private final WatcherConfig config;
    private final EventPublisher publisher;
    private final KafkaStateStore state;
    private final Clock clock;
    private final GitSource source;
    private final StackPaths stackPaths;
    private final String cursorKey;
    private final URI eventSource;
    private final ComposeParser parser = new ComposeParser();
    private final AtomicBoolean pollQueued = new AtomicBoolean();
    private final Counter polls;
    private final Counter pollErrors;
    private final Timer pollTimer;
    private final MeterRegistry registry;

    private State lifecycle = State.NEW;
    private volatile boolean ready;
    private @Nullable ScheduledExecutorService executor;
    private @Nullable GitMirror mirror;

    public Watcher(
            WatcherConfig config,
            EventPublisher publisher,
            KafkaStateStore state,
            Clock clock,
            MeterRegistry registry) {
        this.config = Objects.requireNonNull(config, "config");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.state = Objects.requireNonNull(state, "state");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.source = GitSource.parse(config.repository());
        this.stackPaths = new StackPaths(config.stacksPath());
        this.cursorKey = cursorKey(config.environment(), source.url(), config.branch());
        this.eventSource = URI.create("/berth/watcher/" + config.environment());
        this.polls = Counter.builder("berth.watcher.polls")
                .description("Polls of the config repository")
                .tag("environment", config.environment())
                .register(registry);
        this.pollErrors = Counter.builder("berth.watcher.poll.errors")
                .description("Polls that could not fetch, find the branch or publish")
                .tag("environment", config.environment())
                .register(registry);
        this.pollTimer = Timer.builder("berth.watcher.poll")
                .description("Time of one poll: fetch, diff, validate and publish")
                .tag("environment", config.environment())
                .register(registry);
    }

    /**
     * Checks, without Kafka, that a local repository named by the configuration exists and is a git
     * repository, so a caller can refuse bad input before starting anything.
     *
     * @throws BerthException naming the path and what to give instead
     */
    public static void checkRepository(WatcherConfig config) {
        GitSource.parse(config.repository()).requireLocalRepository();
    }

    /** The {@code berth.state} key of a source's cursor: {@code watcher/<environment>/<url>#<branch>}. */
    static String cursorKey(String environment, String url, String branch) {
        return "watcher/" + environment + "/" + url + "#" + branch;
    }

    /**
     * Checks the source, loads the cursor and starts polling; the first poll runs at once.
     *
     * @throws BerthException when a local repository does not exist or is not a git repository, the
     *     mirror cannot be created, or {@code berth.state} cannot be read
     */
    @Override
    public synchronized void start() {
        if (lifecycle != State.NEW) {
            throw new IllegalStateException("watcher for " + config.environment() + " was already started");
        }
        source.requireLocalRepository();
        state.load();
        GitMirror opened =
                GitMirror.open(source, config.branch(), config.dataDir().resolve("mirrors"));
        mirror = opened;
        String threadName = "berth-watcher-poll-" + config.environment();
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> new Thread(r, threadName));
        scheduler.setRemoveOnCancelPolicy(true);
        executor = scheduler;
        lifecycle = State.RUNNING;
        log.debug("mirror of {} is {}; cursor key {}", source.display(), opened.directory(), cursorKey);
        log.info(
                "watching {} branch {} every {} for environment {}",
                source.display(),
                config.branch(),
                seconds(config.pollInterval()),
                config.environment());
        pollQueued.set(true);
        scheduler.scheduleWithFixedDelay(this::poll, 0, config.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks for a poll now (a push webhook arrived); coalesced with one already waiting. */
    public synchronized void pollNow() {
        ScheduledExecutorService e = executor;
        if (lifecycle == State.RUNNING && e != null && pollQueued.compareAndSet(false, true)) {
            e.execute(this::poll);
        }
    }

    /** True while running, once the latest poll reached the source, found the branch and published its changes. */
    public boolean isReady() {
        return ready;
    }

    @Override
    public synchronized void stop() {
        if (lifecycle != State.RUNNING) {
            lifecycle = State.STOPPED;
            return;
        }
        lifecycle = State.STOPPED;
        ready = false;
        ScheduledExecutorService e = Objects.requireNonNull(executor);
        // Runs after a poll in progress, on the poll thread, so the mirror is never closed under it.
        e.execute(this::closeMirror);
        e.shutdown();
    }

    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        ScheduledExecutorService e;
        synchronized (this) {
            e = executor;
        }
        if (e == null) {
            return true;
        }
        if (e.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        e.shutdownNow();
        return false;
    }

    @Override
    public String name() {
        return "watcher";
    }

    private synchronized boolean running() {
        return lifecycle == State.RUNNING;
    }

    private void closeMirror() {
        GitMirror m = mirror;
        if (m != null) {
            m.close();
        }
    }

    private void poll() {
        pollQueued.set(false);
        if (!running()) {
            return;
        }
        polls.increment();
        Timer.Sample sample = Timer.start(registry);
        boolean ok = false;
        try {
            ok = pollOnce(Objects.requireNonNull(mirror));
        } catch (BerthException e) {
            log.warn("{}; trying again in {}", e.getMessage(), seconds(config.pollInterval()));
        } catch (RuntimeException e) {
            log.error(
                    "poll of {} branch {} failed unexpectedly; trying again in {}",
                    source.display(),
                    config.branch(),
                    seconds(config.pollInterval()),
                    e);
        } finally {
            sample.stop(pollTimer);
        }
        if (!ok) {
            pollErrors.increment();
        }
        ready = ok && running();
    }

    private boolean pollOnce(GitMirror mirror) {
        mirror.fetch(FETCH_TIMEOUT);
        Optional<String> head = mirror.head(config.branch());
        if (head.isEmpty()) {
            log.warn(
                    "branch {} not found in {}: nothing published; push it or give --branch an existing branch",
                    config.branch(),
                    source.display());
            return false;
        }
        String sha = head.get();
        Optional<String> cursor = state.get(cursorKey);
        if (cursor.isPresent() && cursor.get().equals(sha)) {
            return true;
        }
        Commit commit = mirror.commit(sha);
        String base = cursor.filter(mirror::hasCommit).orElse(null);
        Map<String, List<String>> changed;
        if (base == null) {
            if (cursor.isPresent()) {
                log.info(
                        "commit {} published last is no longer in {}: treating every stack at @{} as changed",
                        shortSha(cursor.get()),
                        source.display(),
                        commit.shortSha());
            }
            changed = stackPaths.byStack(mirror.files(sha, config.stacksPath()));
        } else {
            changed = stackPaths.byStack(mirror.changedPaths(base, sha, config.stacksPath()));
        }
        log.debug(
                "{} @{}: {} stack(s) with changes since {}",
                source.display(),
                commit.shortSha(),
                changed.size(),
                base == null ? "the beginning" : shortSha(base));
        if (changed.isEmpty()) {
            log.info(
                    "commit @{} \"{}\" by {} changes no stack under {}",
                    commit.shortSha(),
                    commit.subjectLine(),
                    commit.author(),
                    config.stacksPath().isEmpty() ? "the repository root" : config.stacksPath() + "/");
        }
        for (Map.Entry<String, List<String>> entry : changed.entrySet()) {
            scan(mirror, entry.getKey(), entry.getValue(), base, commit);
        }
        state.put(cursorKey, sha);
        return true;
    }

    /** Publishes the one event a changed stack directory calls for, if any. */
    private void scan(GitMirror mirror, String name, List<String> changedPaths, @Nullable String base, Commit commit) {
        String directory = stackPaths.directory(name);
        StackRef stack;
        try {
            stack = new StackRef(config.environment(), name);
        } catch (BerthException e) {
            log.warn("skipped {} @{}: {}; rename the directory", directory, commit.shortSha(), e.getMessage());
            return;
        }
        String sha = commit.sha();
        Optional<String> composeFile = composeFile(mirror, sha, name);
        if (composeFile.isEmpty()) {
            boolean hadCompose = base != null && composeFile(mirror, base, name).isPresent();
            if (hadCompose) {
                publish(new StackRemoved(stack, commit));
                log.info(
                        "removed {} @{} \"{}\" by {}", stack, commit.shortSha(), commit.subjectLine(), commit.author());
            } else if (!mirror.files(sha, directory).isEmpty()) {
                log.warn(
                        "skipped {} @{}: {} has no compose file (one of {})",
                        stack,
                        commit.shortSha(),
                        directory,
                        String.join(", ", ComposeFiles.NAMES));
            }
            return;
        }
        String file = composeFile.get();
        BerthEvent event;
        try {
            String text = mirror.readText(sha, file, MAX_COMPOSE_BYTES).orElseThrow();
            String envFile = stackPaths.file(name, DotEnv.FILE_NAME);
            try {
                Map<String, String> variables = mirror.isFile(sha, envFile)
                        ? DotEnv.parse(
                                envFile,
                                mirror.readText(sha, envFile, MAX_COMPOSE_BYTES).orElseThrow())
                        : Map.of();
                parser.parse(file, text, variables);
                event = new StackChanged(stack, commit, file, text, changedPaths, variables, StackFiles.EMPTY);
            } catch (ComposeException e) {
                event = new StackInvalid(stack, commit, e.file(), e.line(), e.column(), e.detail());
            }
        } catch (BlobTooLargeException e) {
            event = new StackInvalid(stack, commit, file, 0, 0, e.getMessage());
        }
        publish(event);
        if (event instanceof StackInvalid invalid) {
            log.info("invalid {} @{}: {}: {}", stack, commit.shortSha(), invalid.location(), invalid.error());
        } else {
            log.info("detected {} @{} \"{}\" by {}", stack, commit.shortSha(), commit.subjectLine(), commit.author());
        }
    }

    private Optional<String> composeFile(GitMirror mirror, String sha, String stack) {
        return ComposeFiles.NAMES.stream()
                .map(n -> stackPaths.file(stack, n))
                .filter(path -> mirror.isFile(sha, path))
                .findFirst();
    }

    private void publish(BerthEvent event) {
        try {
            publisher.publish(Envelope.newChain(eventSource, clock, event));
        } catch (RetriableBerthException e) {
            throw new RetriableBerthException(
                    "could not publish " + kind(event) + " " + event.stack() + ": " + e.getMessage()
                            + "; the commit stays unpublished",
                    e);
        }
        registry.counter("berth.watcher.changes", "environment", config.environment(), "kind", kind(event))
                .increment();
    }

    private static String kind(BerthEvent event) {
        if (event instanceof StackChanged) {
            return "changed";
        }
        if (event instanceof StackRemoved) {
            return "removed";
        }
        return "invalid";
    }

    private static String shortSha(String sha) {
        return sha.length() > 7 ? sha.substring(0, 7) : sha;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
