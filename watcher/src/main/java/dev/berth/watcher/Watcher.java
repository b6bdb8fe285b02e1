package dev.berth.watcher;

import dev.berth.common.BerthException;
import dev.berth.common.Commit;
import dev.berth.common.RetriableBerthException;
import dev.berth.common.Service;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposeFiles;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposeStack;
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
import dev.berth.watcher.internal.git.CommitFiles;
import dev.berth.watcher.internal.git.GitMirror;
import dev.berth.watcher.internal.git.GitSource;
import dev.berth.watcher.internal.webhook.SignatureVerifier;
import dev.berth.watcher.internal.webhook.WebhookServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one branch of a config repository and publishes what changed in its stacks.
 *
 * <p>Every poll interval (and on {@link #pollNow()}) it asks the source for the branch's head (an
 * {@code ls-remote}; a local repository's ref is read directly) and, only when it moved, fetches the
 * source into a bare mirror under {@code <dataDir>/mirrors/}; it then compares the branch's tree with the tree of the commit it published
 * last (its cursor, kept in {@code berth.state}), and publishes, for each stack with a changed path,
 * in name order: {@link StackChanged} with the validated compose document, its {@code .env} variables
 * and the files it uses, {@link StackRemoved} when the stack's compose file is gone, or
 * {@link StackInvalid} when it does not parse. A stack has a changed path when one is in its directory
 * or is (or lies under) a path its compose file uses outside it, such as a shared {@code env_file} or
 * an {@code extends} base: to know those, the watcher remembers, per stack, the paths outside its
 * directory that its last parse used, for as long as the directory's tree is unchanged, so a commit
 * parses only the stacks it touches (the first commit after a start, or after an unexpected base,
 * parses every stack once; one that no longer parses is judged by what it used at the old commit).
 * The first poll of a source, or one whose cursor commit is no
 * longer in the mirror, treats every stack at the head as changed.
 *
 * <p>Stacks are parsed in watcher mode with the configured policy: a variable neither the
 * environment nor the stack's {@code .env} sets is left to the deployer's host (logged by name, once
 * per stack). A change's files are the regular files of the stack's directory and of every path in
 * {@link ComposeStack#usedPaths()} (directories whole, symbolic links never followed), at most
 * {@link StackFiles#MAX_TOTAL_BYTES} together; more is a {@link StackInvalid} naming the largest. The cursor advances only after every event of the
 * commit was published, so a failed publish is retried at the next poll (delivery is at least once).
 * An unreachable source or a missing branch is logged as one WARN line per poll; nothing is
 * published then.
 *
 * <p>With {@link WatcherConfig#webhook()} set, it also serves push webhooks ({@code POST /hooks/git}) on
 * one thread, {@code berth-watcher-webhook-<environment>}: a correctly signed push for its repository
 * and branch calls {@link #pollNow()}; see {@link WebhookConfig}.
 *
 * <p>Polls run on one thread, {@code berth-watcher-poll-<environment>}. The methods of this class
 * are thread-safe. The watcher owns its mirror and thread; the caller owns the publisher, the state
 * store and the registry.
 */
public final class Watcher implements Service {
    private static final Logger log = LoggerFactory.getLogger(Watcher.class);
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(60);

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
    private final ComposeParser parser;
    /** The host variables last logged per stack; used on the poll thread only. */
    private final Map<StackRef, Set<String>> hostVariablesLogged = new HashMap<>();
    /**
     * Per stack, the paths outside its directory it used when last parsed, valid at commit {@link
     * #usesAt} for as long as its directory's tree id is unchanged; poll thread only.
     */
    private final Map<String, Uses> uses = new HashMap<>();

    private @Nullable String usesAt;

    private final AtomicBoolean pollQueued = new AtomicBoolean();
    private final Counter polls;
    private final Counter pollErrors;
    private final Counter fetches;
    private final Timer pollTimer;
    private final MeterRegistry registry;

    private State lifecycle = State.NEW;
    private volatile boolean ready;
    private @Nullable ScheduledExecutorService executor;
    private @Nullable GitMirror mirror;
    private @Nullable WebhookServer webhookServer;

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
        this.parser = new ComposeParser(config.policy());
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
        this.fetches = Counter.builder("berth.watcher.fetches")
                .description("Fetches into the mirror: polls that found the branch moved or gone")
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
                config.environment());
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
        // An ls-remote costs one round trip; a fetch only follows when the branch moved (or vanished).
        Optional<String> remoteHead = mirror.remoteHead(config.branch(), FETCH_TIMEOUT);
        if (remoteHead.isEmpty() || !remoteHead.equals(mirror.head(config.branch()))) {
            fetches.increment();
            mirror.fetch(FETCH_TIMEOUT);
        }
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
        CommitFiles files = mirror.filesAt(sha);
        CommitFiles baseFiles = base == null ? null : mirror.filesAt(base);
        // The paths each stack uses are known for the commit published last; any other base starts over.
        if (base == null || !base.equals(usesAt)) {
            uses.clear();
        }
        usesAt = null;
        Map<String, String> directoryIds = files.subdirectoryIds(config.stacksPath());
        uses.keySet().retainAll(directoryIds.keySet());
        SortedMap<String, List<String>> changed;
        List<String> changedPaths;
        if (baseFiles == null) {
            if (cursor.isPresent()) {
                log.info(
                        "commit {} published last is no longer in {}: treating every stack at @{} as changed",
                        shortSha(cursor.get()),
                        source.display(),
                        commit.shortSha());
            }
            changed = stackPaths.byStack(mirror.files(sha, config.stacksPath()));
            changedPaths = List.of();
        } else {
            changedPaths = mirror.changedPaths(baseFiles.sha(), sha, "");
            changed = new TreeMap<>(stackPaths.byStack(changedPaths));
            for (String name : stacksUsing(changedPaths, files, baseFiles, directoryIds, changed.keySet())) {
                changed.put(name, List.of());
            }
        }
        log.debug(
                "{} @{}: {} stack(s) with changes since {}",
                source.display(),
                commit.shortSha(),
                changed.size(),
                base == null ? "the beginning" : shortSha(base));
        if (changed.isEmpty()) {
            log.info(
                    "commit @{} \"{}\" by {} changes no stack under {} and no file a stack uses",
                    commit.shortSha(),
                    commit.subjectLine(),
                    commit.author(),
                    config.stacksPath().isEmpty() ? "the repository root" : config.stacksPath() + "/");
        }
        for (Map.Entry<String, List<String>> entry : changed.entrySet()) {
            scan(files, baseFiles, entry.getKey(), entry.getValue(), changedPaths, commit, directoryIds);
        }
        state.put(cursorKey, sha);
        usesAt = sha;
        return true;
    }

    /**
     * The stacks, besides {@code changedStacks}, that use a changed path outside their own directory (a
     * shared {@code env_file}, an {@code extends} base, a bind-mounted directory). What a stack uses is
     * remembered from its last parse while its directory is unchanged (none of those paths changed
     * either, or it would have been parsed again), so a commit parses only the stacks it changes; a
     * stack not known yet is parsed at the new commit, and one that no longer parses there is judged
     * by what it used at the base commit and by the file its error names, so it is reported invalid.
     * A commit that adds a file parses every stack again: the file may be an optional {@code env_file}
     * that was missing, which no parse records as used.
     */
    private List<String> stacksUsing(
            List<String> changedPaths,
            CommitFiles files,
            CommitFiles baseFiles,
            Map<String, String> directoryIds,
            Set<String> changedStacks) {
        if (changedPaths.isEmpty()) {
            return List.of();
        }
        // An optional env_file that is missing is not among the paths a parse used; a file that appears
        // could be one, so a commit that adds a file checks every stack again.
        boolean fileAdded = changedPaths.stream().anyMatch(p -> files.isFile(p) && !baseFiles.isFile(p));
        List<String> result = new ArrayList<>();
        for (Map.Entry<String, String> directory : directoryIds.entrySet()) {
            String name = directory.getKey();
            if (changedStacks.contains(name) || !isStackName(name)) {
                continue;
            }
            Uses known = fileAdded ? null : uses.get(name);
            Set<String> used;
            if (known != null && known.directoryId().equals(directory.getValue())) {
                used = known.paths();
            } else {
                Set<String> found = new TreeSet<>();
                boolean parsed = pathsUsed(files, name, found);
                if (!parsed) {
                    pathsUsed(baseFiles, name, found);
                }
                used = outside(name, found);
                uses.put(name, new Uses(directory.getValue(), used));
            }
            List<String> hits = covered(changedPaths, used);
            if (!hits.isEmpty()) {
                log.debug("{} uses {}, changed", stackPaths.directory(name), String.join(", ", hits));
                result.add(name);
                // Parsed again by scan, which records what it uses now.
                uses.remove(name);
            }
        }
        return result;
    }

    /** The paths a stack uses at one version of its directory, outside that directory. */
    private record Uses(String directoryId, Set<String> paths) {}

    /** The used paths outside the stack's own directory (changes inside it change its tree id). */
    private Set<String> outside(String name, Set<String> used) {
        String directory = stackPaths.directory(name);
        return used.stream()
                .filter(p -> !p.equals(directory) && !p.startsWith(directory + "/"))
                .collect(Collectors.toUnmodifiableSet());
    }

    private static boolean isStackName(String name) {
        try {
            StackRef.requireName("stack", name);
            return true;
        } catch (BerthException e) {
            return false;
        }
    }

    /**
     * Adds the paths a stack uses at a commit to {@code used}: its {@code usedPaths} when it parses,
     * else the file its error names.
     *
     * @return false when the stack has a compose file that does not parse
     */
    private boolean pathsUsed(CommitFiles files, String name, Set<String> used) {
        Optional<String> composeFile = composeFile(files, name);
        if (composeFile.isEmpty()) {
            return true;
        }
        try {
            used.addAll(parse(files, name, composeFile.get()).stack().usedPaths());
            return true;
        } catch (ComposeException e) {
            used.add(e.file());
            return false;
        } catch (BerthException e) {
            log.debug("could not read {} at {}: {}", composeFile.get(), shortSha(files.sha()), e.getMessage());
            return false;
        }
    }

    /** The changed paths that are one of {@code used} or lie under one of them. */
    static List<String> covered(Collection<String> changedPaths, Collection<String> used) {
        return changedPaths.stream()
                .filter(path -> used.stream().anyMatch(u -> u.isEmpty() || path.equals(u) || path.startsWith(u + "/")))
                .toList();
    }

    /** Publishes the one event a changed stack directory calls for, if any. */
    private void scan(
            CommitFiles files,
            @Nullable CommitFiles baseFiles,
            String name,
            List<String> ownChangedPaths,
            List<String> changedPaths,
            Commit commit,
            Map<String, String> directoryIds) {
        uses.remove(name);
        String directory = stackPaths.directory(name);
        StackRef stack;
        try {
            stack = new StackRef(config.environment(), name);
        } catch (BerthException e) {
            log.warn("skipped {} @{}: {}; rename the directory", directory, commit.shortSha(), e.getMessage());
            return;
        }
        Optional<String> composeFile = composeFile(files, name);
        if (composeFile.isEmpty()) {
            boolean hadCompose =
                    baseFiles != null && composeFile(baseFiles, name).isPresent();
            if (hadCompose) {
                publish(new StackRemoved(stack, commit));
                hostVariablesLogged.remove(stack);
                log.info(
                        "removed {} @{} \"{}\" by {}", stack, commit.shortSha(), commit.subjectLine(), commit.author());
            } else if (files.isDirectory(directory)) {
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
        Set<String> hostVariables = Set.of();
        try {
            Parsed parsed = parse(files, name, file);
            StackFiles stackFiles =
                    collect(files, file, directory, parsed.stack().usedPaths());
            TreeSet<String> paths = new TreeSet<>(ownChangedPaths);
            paths.addAll(covered(changedPaths, parsed.stack().usedPaths()));
            event = new StackChanged(
                    stack, commit, file, parsed.text(), List.copyOf(paths), parsed.variables(), stackFiles);
            hostVariables = parsed.stack().hostVariables();
            String directoryId = directoryIds.get(name);
            if (directoryId != null) {
                uses.put(
                        name, new Uses(directoryId, outside(name, parsed.stack().usedPaths())));
            }
        } catch (ComposeException e) {
            event = new StackInvalid(stack, commit, e.file(), e.line(), e.column(), e.detail());
        }
        publish(event);
        if (event instanceof StackInvalid invalid) {
            log.info("invalid {} @{}: {}: {}", stack, commit.shortSha(), invalid.location(), invalid.error());
        } else {
            log.info("detected {} @{} \"{}\" by {}", stack, commit.shortSha(), commit.subjectLine(), commit.author());
            logHostVariables(stack, hostVariables);
        }
    }

    /** A stack's compose document and {@code .env} at a commit, parsed as the deployer will. */
    private record Parsed(String text, Map<String, String> variables, ComposeStack stack) {}

    /**
     * Reads and parses a stack at a commit in watcher mode: a variable neither the environment nor
     * the stack's {@code .env} sets is left to the deployer's host.
     *
     * @throws ComposeException when a file is unreadable, too large, not UTF-8 or not valid
     */
    private Parsed parse(CommitFiles files, String name, String composeFile) {
        String text = files.text(composeFile)
                .orElseThrow(() -> new ComposeException(composeFile, 0, 0, "not a regular file"));
        String envFile = stackPaths.file(name, DotEnv.FILE_NAME);
        Optional<String> env = files.text(envFile);
        Map<String, String> variables = new TreeMap<>(env.isPresent() ? DotEnv.parse(envFile, env.get()) : Map.of());
        // The environment's own variables win over the stack's .env, as the shell does in Compose.
        variables.putAll(config.variables());
        return new Parsed(text, variables, parser.parse(composeFile, text, variables, files, null));
    }

    /**
     * The stack's files: every regular file of its directory and of the paths its compose file uses
     * (directories whole); symbolic links are left out, the parser has refused any the stack needs.
     *
     * @throws ComposeException naming the largest files when they hold more than
     *     {@link StackFiles#MAX_TOTAL_BYTES} together
     */
    private static StackFiles collect(CommitFiles files, String composeFile, String directory, Set<String> usedPaths) {
        Map<String, Long> sizes = new TreeMap<>();
        List<String> roots = new ArrayList<>();
        roots.add(directory);
        roots.addAll(usedPaths);
        for (String root : roots) {
            if (root.startsWith("/")) {
                continue;
            }
            for (CommitFiles.FileEntry entry : files.regularFiles(root)) {
                sizes.put(entry.path(), entry.size());
            }
        }
        long total = sizes.values().stream().mapToLong(Long::longValue).sum();
        if (total > StackFiles.MAX_TOTAL_BYTES) {
            throw new ComposeException(composeFile, 0, 0, tooLarge(sizes, total));
        }
        Map<String, byte[]> contents = new TreeMap<>();
        for (String path : sizes.keySet()) {
            contents.put(path, files.bytes(path));
        }
        return new StackFiles(contents);
    }

    static String tooLarge(Map<String, Long> sizes, long total) {
        String largest = sizes.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(3)
                .map(e -> e.getKey() + " (" + size(e.getValue()) + ")")
                .collect(Collectors.joining(", "));
        return "the files this stack uses hold " + size(total) + ", more than the " + size(StackFiles.MAX_TOTAL_BYTES)
                + " a change can carry; the largest are " + largest
                + ": keep large files out of the stack's directory and of the paths its compose file names"
                + " (build them into an image, or keep them in a volume)";
    }

    /** A size as people read it: 57 B, 12.0 KiB, 8.0 MiB. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }

    /** Says once per stack, by name only, which variables the deployer's host must provide. */
    private void logHostVariables(StackRef stack, Set<String> names) {
        Set<String> before = hostVariablesLogged.put(stack, names);
        if (!names.isEmpty() && !names.equals(before)) {
            log.info(
                    "{}: {} {} set neither in the environment nor in .env; the deployer's host provides {}",
                    stack,
                    names.size() == 1 ? "variable" : "variables",
                    String.join(", ", names),
                    names.size() == 1 ? "it" : "them");
        }
    }

    private Optional<String> composeFile(CommitFiles files, String stack) {
        return ComposeFiles.NAMES.stream()
                .map(n -> stackPaths.file(stack, n))
                .filter(files::isFile)
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
