package dev.berth.watcher;

import dev.berth.common.BerthException;
import dev.berth.common.Service;
import dev.berth.common.event.AtomicPublisher;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.EventPublisher;
import dev.berth.common.event.PublisherFencedException;
import dev.berth.common.event.SourceFailed;
import dev.berth.common.event.SourceRecovered;
import dev.berth.common.kafka.KafkaLeaderElection;
import dev.berth.common.kafka.KafkaSettings;
import dev.berth.common.kafka.KafkaStateStore;
import dev.berth.common.kafka.KafkaTransactionalPublisher;
import dev.berth.common.ops.Heartbeat;
import dev.berth.watcher.internal.ChangeDetector;
import dev.berth.watcher.internal.SequentialPublisher;
import dev.berth.watcher.internal.SourcePoll;
import dev.berth.watcher.internal.git.GitMirror;
import dev.berth.watcher.internal.git.GitSource;
import dev.berth.watcher.internal.git.GitTransport;
import dev.berth.watcher.internal.webhook.SignatureVerifier;
import dev.berth.watcher.internal.webhook.WebhookServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one branch of a config repository and publishes what changed in its stacks.
 *
 * <p>Every poll interval (and on {@link #pollNow()}) it asks the source for the branch's head (an
 * {@code ls-remote}, with {@link WatcherConfig#credentials()}; a local repository's ref is read
 * directly) and, only when it moved, fetches the source into a bare mirror under {@code
 * <dataDir>/mirrors/<environment>/} ({@link SourcePoll} does one poll). The {@link ChangeDetector} then diffs the tree of the commit published last (the
 * cursor, kept in {@code berth.state} under {@link #cursorKey}) with the new one and returns the
 * changed, removed and invalid stacks' events; they and the new cursor are published as one batch.
 *
 * <p>Delivery: built with {@link #transactional}, the batch is one Kafka transaction (events and
 * cursor visible together or not at all to {@code read_committed} readers), so a restart neither
 * republishes nor skips; built with a plain {@link EventPublisher}, events go first and the cursor
 * after them (at least once).
 *
 * <p>Failures: a source that cannot be reached, refuses the credentials or no longer has the branch
 * publishes nothing and removes nothing; the poll is retried with exponential backoff ({@link
 * WatcherConfig#retry()}), a {@link SourceFailed} event is published on {@code berth.deployments}
 * once the consecutive failures reach the threshold, and one {@link SourceRecovered} (and an INFO
 * line) when a poll works again. No message or event names a credential.
 *
 * <p>Active/standby ({@link #transactional} only): instances watching the same source elect one
 * active instance through a Kafka consumer group ({@link KafkaLeaderElection}); the others wait,
 * keeping their mirror fetched every poll interval (from start, while the election is decided) and
 * publishing nothing, so an instance's first poll as active needs no clone. When
 * the active one dies, another is elected within about 15 s, and its transactional producer (one
 * {@code transactional.id} per source) fences the old one, which can then publish nothing.
 *
 * <p>With {@link WatcherConfig#webhook()} set, it also serves push webhooks ({@code POST /hooks/git})
 * on one thread, {@code berth-watcher-webhook-<environment>}: a correctly signed push for its
 * repository and branch calls {@link #pollNow()}; see {@link WebhookConfig}.
 *
 * <p>Polls run on one thread, {@code berth-watcher-poll-<environment>}. The methods of this class
 * are thread-safe. The watcher owns its mirror, threads, election and transactional producer; the
 * caller owns a publisher it passes in, the state store and the registry.
 */
public final class Watcher implements Service {
    private static final Logger log = LoggerFactory.getLogger(Watcher.class);

    private enum State {
        NEW,
        RUNNING,
        STOPPED
    }

    private final WatcherConfig config;
    private final KafkaStateStore state;
    private final Clock clock;
    private final GitSource source;
    private final String cursorKey;
    private final URI eventSource;
    private final SourcePoll sourcePoll;
    private final Supplier<AtomicPublisher> publishers;
    private final @Nullable KafkaLeaderElection election;

    private final AtomicBoolean pollQueued = new AtomicBoolean();
    private final Counter polls;
    private final Counter pollErrors;
    private final Counter fetches;
    private final Timer pollTimer;
    private final MeterRegistry registry;
    private final Heartbeat heartbeat;

    private State lifecycle = State.NEW;
    private volatile boolean ready;
    private volatile boolean active;
    private @Nullable ScheduledExecutorService executor;
    private @Nullable GitMirror mirror;
    private @Nullable WebhookServer webhookServer;

    // Poll thread only.
    private @Nullable AtomicPublisher publisher;
    private @Nullable ScheduledFuture<?> nextPoll;

    /**
     * A watcher that publishes each event with {@code publisher} and then writes its cursor with
     * {@code state}: at least once, with no standby.
     */
    public Watcher(
            WatcherConfig config,
            EventPublisher publisher,
            KafkaStateStore state,
            Clock clock,
            MeterRegistry registry) {
        this(config, state, clock, registry, () -> new SequentialPublisher(publisher, state), null, null);
        Objects.requireNonNull(publisher, "publisher");
    }

    private Watcher(
            WatcherConfig config,
            KafkaStateStore state,
            Clock clock,
            MeterRegistry registry,
            @Nullable Supplier<AtomicPublisher> publishers,
            @Nullable KafkaSettings settings,
            @Nullable EventCodec codec) {
        this.config = Objects.requireNonNull(config, "config");
        this.state = Objects.requireNonNull(state, "state");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.heartbeat = new Heartbeat("watcher " + config.environment() + " poll loop", clock, stallBound(config));
        this.source = GitSource.parse(config.repository());
        this.cursorKey = cursorKey(config.environment(), source.safeUrl(), config.branch());
        this.eventSource = URI.create("/berth/watcher/" + config.environment());
        String id = "berth-watcher-" + config.environment() + "-" + shortHash(cursorKey);
        if (settings != null && codec != null) {
            this.publishers = () -> new KafkaTransactionalPublisher(settings, id + "-tx", id, codec);
            this.election = new KafkaLeaderElection(
                    settings,
                    id,
                    id + "-election",
                    cursorKey,
                    new KafkaLeaderElection.Listener() {
                        @Override
                        public void elected() {
                            onPollThread(Watcher.this::activate);
                        }

                        @Override
                        public void deposed() {
                            onPollThread(() -> deactivate("another instance was elected"));
                        }
                    },
                    "berth-watcher-leader-" + config.environment());
        } else {
            this.publishers = Objects.requireNonNull(publishers, "publishers");
            this.election = null;
        }
        this.polls = Counter.builder("berth.watcher.polls")
                .description("Polls of the config repository")
                .tag("environment", config.environment())
                .register(registry);
        this.pollErrors = Counter.builder("berth.watcher.poll.errors")
                .description("Polls that could not fetch, find the branch or publish")
                .tag("environment", config.environment())
                .register(registry);
        this.fetches = Counter.builder("berth.watcher.fetches")
                .description("Fetches into the mirror: polls that found the branch moved or gone")
                .tag("environment", config.environment())
                .register(registry);
        this.pollTimer = Timer.builder("berth.watcher.poll")
                .description("Time of one poll: fetch, diff, validate and publish")
                .tag("environment", config.environment())
                .register(registry);
        this.sourcePoll = new SourcePoll(config, source, cursorKey, eventSource, clock, registry, fetches);
    }

    /**
     * A watcher that publishes each poll's events and its cursor in one Kafka transaction (exactly
     * once across restarts) and runs as active or standby among the instances watching the same
     * source. Its {@code transactional.id} and election group are {@code
     * berth-watcher-<environment>-<hash of the cursor key>}. Readers of {@code berth.changes} must
     * read with {@code isolation.level=read_committed} (Berth's consumers do).
     *
     * @param state the store the cursor is read from when this instance becomes active (the
     *     watcher writes it through its transactions)
     */
    public static Watcher transactional(
            WatcherConfig config,
            KafkaSettings settings,
            EventCodec codec,
            KafkaStateStore state,
            Clock clock,
            MeterRegistry registry) {
        return new Watcher(
                config,
                state,
                clock,
                registry,
                null,
                Objects.requireNonNull(settings, "settings"),
                Objects.requireNonNull(codec, "codec"));
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

    /**
     * The {@code berth.state} key of a source's cursor: {@code watcher/<environment>/<url>#<branch>},
     * the URL without any password.
     */
    static String cursorKey(String environment, String url, String branch) {
        return "watcher/" + environment + "/" + url + "#" + branch;
    }

    /**
     * Checks the source and its credentials, opens the mirror and starts: at once polling (the first
     * poll runs at once), or, for a {@link #transactional} watcher, taking part in the election.
     *
     * @throws BerthException when a local repository does not exist or is not a git repository, the
     *     credentials do not suit the URL or their files cannot be read, or the mirror cannot be
     *     created
     */
    @Override
    public synchronized void start() {
        if (lifecycle != State.NEW) {
            throw new IllegalStateException("watcher for " + config.environment() + " was already started");
        }
        source.requireLocalRepository();
        GitTransport transport =
                GitTransport.of(source, config.credentials(), config.dataDir().resolve("ssh"));
        GitMirror opened = GitMirror.open(
                source,
                config.branch(),
                // One mirror per environment: environments that share a repository and branch (a
                // directory each) never fetch into the same directory at once.
                config.dataDir().resolve("mirrors").resolve(config.environment()),
                transport);
        mirror = opened;
        String threadName = "berth-watcher-poll-" + config.environment();
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> new Thread(r, threadName));
        scheduler.setRemoveOnCancelPolicy(true);
        // A stop drops the next poll or standby refresh at once instead of waiting for it.
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor = scheduler;
        lifecycle = State.RUNNING;
        log.debug("mirror of {} is {}; cursor key {}", source.display(), opened.directory(), cursorKey);
        log.info(
                "watching {} branch {} every {} for environment {}{}",
                source.display(),
                config.branch(),
                seconds(config.pollInterval()),
                config.environment(),
                election == null ? "" : " once elected active among the instances watching it");
        KafkaLeaderElection e = election;
        if (e == null) {
            scheduler.execute(this::activate);
        } else {
            // The mirror is fetched while the election is decided: both take a round trip or more.
            scheduler.execute(this::refreshStandby);
            e.start();
        }
        WebhookConfig webhook = config.webhook();
        if (webhook != null) {
            startWebhook(webhook);
        }
    }

    private void startWebhook(WebhookConfig webhook) {
        WebhookServer server = new WebhookServer(
                new InetSocketAddress(webhook.host(), webhook.port()),
                new SignatureVerifier(webhook.secretBytes(), clock),
                source.url(),
                config.branch(),
                this::pollNow,
                "berth-watcher-webhook-" + config.environment(),
                registry,
                config.environment(),
                clock);
        try {
            server.start();
        } catch (BerthException e) {
            stop();
            throw e;
        }
        webhookServer = server;
        log.info(
                "push webhooks for environment {}: POST http://{}:{}/hooks/git (GitHub, GitLab, Gitea, Forgejo or"
                        + " generic signatures)",
                config.environment(),
                webhook.host(),
                server.port());
    }

    /** The port push webhooks are served on, when {@link WatcherConfig#webhook()} is set and it started. */
    public synchronized OptionalInt webhookPort() {
        WebhookServer server = webhookServer;
        return server == null ? OptionalInt.empty() : OptionalInt.of(server.port());
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

    /**
     * False when the poll thread died or stalled: no poll (nor standby refresh) ended for longer than
     * {@link #stallBound()}. True before the start and after the stop.
     */
    public boolean isHealthy() {
        return !running() || heartbeat.isHealthy();
    }

    /** Two poll intervals and ten minutes: a fetch of a large repository over a slow link fits in it. */
    private static Duration stallBound(WatcherConfig config) {
        return config.pollInterval().multipliedBy(2).plus(Duration.ofMinutes(10));
    }

    /** True while this instance is the one that polls and publishes (always, without a standby). */
    public boolean isActive() {
        return active;
    }

    @Override
    public synchronized void stop() {
        if (lifecycle != State.RUNNING) {
            lifecycle = State.STOPPED;
            return;
        }
        lifecycle = State.STOPPED;
        ready = false;
        WebhookServer server = webhookServer;
        if (server != null) {
            server.stop();
        }
        KafkaLeaderElection e = election;
        if (e != null) {
            e.stop();
        }
        ScheduledExecutorService ex = Objects.requireNonNull(executor);
        // Runs after a poll in progress, on the poll thread, so nothing is closed under it.
        ex.execute(() -> {
            deactivate("stopping");
            closeMirror();
        });
        ex.shutdown();
    }

    /**
     * Stops every thread without closing the producer, leaving the election group or saying so, as a
     * killed process would; the other instances take over once the group drops this one. For tests
     * of takeover and fencing only.
     */
    synchronized void halt() {
        lifecycle = State.STOPPED;
        ready = false;
        active = false;
        KafkaLeaderElection e = election;
        if (e != null) {
            e.halt();
        }
        WebhookServer server = webhookServer;
        if (server != null) {
            server.stop();
        }
        ScheduledExecutorService ex = executor;
        if (ex != null) {
            ex.shutdownNow();
        }
    }

    /** The publisher a halted watcher left open, to show that it is fenced. For tests only. */
    @Nullable
    AtomicPublisher leftPublisher() {
        return publisher;
    }

    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        ScheduledExecutorService e;
        synchronized (this) {
            e = executor;
        }
        KafkaLeaderElection el = election;
        if (el != null && !el.awaitStop(timeout)) {
            return false;
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

    private synchronized void onPollThread(Runnable task) {
        ScheduledExecutorService e = executor;
        if (lifecycle == State.RUNNING && e != null) {
            e.execute(task);
        }
    }

    private void closeMirror() {
        GitMirror m = mirror;
        if (m != null) {
            m.close();
        }
    }

    /**
     * While this instance stands by: brings the mirror up to the source, then again every poll
     * interval, and publishes nothing (no publisher is open, so nobody is fenced either). The first
     * refresh runs while the election is decided, so the first poll of an instance elected at start
     * finds the mirror fetched; a standby that takes over later finds it nearly up to date. On the
     * poll thread, like {@link #activate()}: an election result that arrives during a fetch is acted
     * on once the fetch is done, never on a mirror half fetched.
     */
    private void refreshStandby() {
        if (active || !running()) {
            return;
        }
        try {
            sourcePoll.refresh(Objects.requireNonNull(mirror));
        } catch (BerthException e) {
            // The active instance reports the source's failures; a standby only says so in detail.
            log.debug("standing by: could not refresh the mirror of {}: {}", source.display(), e.getMessage());
        } catch (RuntimeException | Error e) {
            log.warn("standing by: refreshing the mirror of {} failed unexpectedly", source.display(), e);
        }
        heartbeat.beat();
        if (!active) {
            schedule(this::refreshStandby, config.pollInterval());
        }
    }

    /** Becomes the instance that publishes: opens the publisher (fencing any zombie), reads the cursor, polls. */
    private void activate() {
        KafkaLeaderElection e = election;
        if (active || !running() || (e != null && !e.isLeader())) {
            return;
        }
        try {
            publisher = publishers.get();
            // After the fencing, so every batch a previous owner committed is read.
            state.load();
            sourcePoll.resume(state.get(cursorKey).orElse(null));
        } catch (BerthException failure) {
            closePublisher();
            Duration retry = config.retry().initialBackoff();
            log.warn(
                    "could not become active for {}: {}; trying again in {}",
                    source.display(),
                    failure.getMessage(),
                    seconds(retry));
            heartbeat.beat();
            schedule(this::activate, retry);
            return;
        } catch (RuntimeException | Error failure) {
            closePublisher();
            Duration retry = config.retry().initialBackoff();
            log.error(
                    "could not become active for {} (environment {}): unexpected error; trying again in {}",
                    source.display(),
                    config.environment(),
                    seconds(retry),
                    failure);
            pollErrors.increment();
            heartbeat.beat();
            schedule(this::activate, retry);
            return;
        }
        active = true;
        if (election != null) {
            log.info(
                    "active for {} branch {} (environment {})",
                    source.display(),
                    config.branch(),
                    config.environment());
        }
        pollQueued.set(true);
        poll();
    }

    private void deactivate(String why) {
        if (!active && publisher == null) {
            return;
        }
        boolean was = active;
        active = false;
        ready = false;
        cancelNextPoll();
        closePublisher();
        if (was && election != null) {
            log.info("standing by for {} branch {}: {}", source.display(), config.branch(), why);
        }
        if (election != null) {
            schedule(this::refreshStandby, config.pollInterval());
        }
    }

    private void closePublisher() {
        AtomicPublisher p = publisher;
        publisher = null;
        if (p != null) {
            try {
                p.close();
            } catch (RuntimeException e) {
                log.debug("closing the publisher failed: {}", e.toString());
            }
        }
    }

    private void cancelNextPoll() {
        ScheduledFuture<?> f = nextPoll;
        if (f != null) {
            f.cancel(false);
            nextPoll = null;
        }
    }

    private void schedule(Runnable task, Duration delay) {
        ScheduledExecutorService e = executor;
        if (e != null && running()) {
            cancelNextPoll();
            nextPoll = e.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void poll() {
        pollQueued.set(false);
        AtomicPublisher p = publisher;
        if (!running() || !active || p == null) {
            return;
        }
        cancelNextPoll();
        polls.increment();
        Timer.Sample sample = Timer.start(registry);
        SourcePoll.Outcome outcome = new SourcePoll.Outcome(false, config.pollInterval(), false);
        try {
            outcome = sourcePoll.run(Objects.requireNonNull(mirror), p);
        } catch (PublisherFencedException e) {
            log.warn("{}: standing by", e.getMessage());
            deactivate("fenced by another instance");
            return;
        } catch (BerthException e) {
            log.warn("{}; trying again in {}", e.getMessage(), seconds(outcome.next()));
        } catch (RuntimeException | Error e) {
            // An Error too (a StackOverflowError): logged, counted, not ready, and polled again.
            log.error(
                    "poll of {} branch {} for environment {} failed unexpectedly; trying again in {}",
                    source.display(),
                    config.branch(),
                    config.environment(),
                    seconds(outcome.next()),
                    e);
        } finally {
            sample.stop(pollTimer);
        }
        if (!outcome.ok()) {
            pollErrors.increment();
        }
        if (outcome.publisherFailed()) {
            // A failed transaction leaves the producer unusable: become active again with a new one,
            // reading the cursor back (a commit that did land is not published twice).
            closePublisher();
            active = false;
            ready = false;
            schedule(this::activate, outcome.next());
            return;
        }
        ready = outcome.ok() && running() && active;
        heartbeat.beat();
        schedule(this::poll, outcome.next());
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
