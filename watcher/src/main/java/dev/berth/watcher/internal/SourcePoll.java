package dev.berth.watcher.internal;

import dev.berth.common.BerthException;
import dev.berth.common.Commit;
import dev.berth.common.event.AtomicPublisher;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.PublisherFencedException;
import dev.berth.common.event.SourceFailed;
import dev.berth.common.event.SourceRecovered;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackRemoved;
import dev.berth.common.ops.Stages;
import dev.berth.watcher.WatcherConfig;
import dev.berth.watcher.internal.git.GitMirror;
import dev.berth.watcher.internal.git.GitSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll of one source: reads the branch head ({@code ls-remote}, then a fetch only when it moved),
 * publishes the commit's changes with the new cursor as one batch, and turns failures of the source
 * into backoff and {@link SourceFailed}/{@link SourceRecovered} events ({@link SourceHealth}). Holds
 * the cursor (the commit published last). A failing source never publishes anything about stacks.
 * Not thread-safe: the watcher's poll thread uses it.
 */
public final class SourcePoll {
    private static final Logger log = LoggerFactory.getLogger(SourcePoll.class);
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(60);
    /** The author of the commit a {@link SourceFailed} carries. */
    static final String ACTOR = "berth-watcher";

    /**
     * What a poll came to.
     *
     * @param ok the source was read and its changes published
     * @param next when the next poll is due
     * @param publisherFailed the publisher failed (not fenced): the caller replaces it
     */
    public record Outcome(boolean ok, Duration next, boolean publisherFailed) {}

    private final WatcherConfig config;
    private final GitSource source;
    private final String cursorKey;
    private final URI eventSource;
    private final Clock clock;
    private final MeterRegistry registry;
    private final Stages stages;
    private final Counter fetches;
    private final ChangeDetector detector;
    private final SourceHealth health;
    private @Nullable String cursor;

    public SourcePoll(
            WatcherConfig config,
            GitSource source,
            String cursorKey,
            URI eventSource,
            Clock clock,
            MeterRegistry registry,
            Counter fetches) {
        this.config = Objects.requireNonNull(config, "config");
        this.source = Objects.requireNonNull(source, "source");
        this.cursorKey = Objects.requireNonNull(cursorKey, "cursorKey");
        this.eventSource = Objects.requireNonNull(eventSource, "eventSource");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.stages = new Stages(registry);
        this.fetches = Objects.requireNonNull(fetches, "fetches");
        this.detector =
                new ChangeDetector(config.environment(), config.stacksPath(), config.policy(), config.variables());
        this.health = new SourceHealth(config.retry());
    }

    /** Sets the cursor read from {@code berth.state} (when this instance becomes active). */
    public void resume(@Nullable String publishedLast) {
        cursor = publishedLast;
    }

    /**
     * Polls once.
     *
     * @throws PublisherFencedException when another instance took over the publisher's identity
     */
    public Outcome run(GitMirror mirror, AtomicPublisher publisher) {
        Optional<String> head;
        try {
            head = readHead(mirror);
        } catch (BerthException e) {
            return sourceFails(publisher, e.getMessage());
        }
        if (head.isEmpty()) {
            return sourceFails(
                    publisher,
                    "branch " + config.branch() + " not found in " + source.display()
                            + ": nothing published, nothing removed; push the branch or give the environment an"
                            + " existing branch");
        }
        int failures = health.succeeded();
        if (failures > 0) {
            log.info(
                    "{} branch {} can be read again after {} failed poll(s)",
                    source.display(),
                    config.branch(),
                    failures);
            SourceRecovered recovered = new SourceRecovered(
                    config.environment(), mirror.commit(head.get()), source.safeUrl(), config.branch(), failures);
            if (!publishAlone(publisher, recovered)) {
                return new Outcome(false, config.pollInterval(), true);
            }
        }
        boolean published = publishChanges(mirror, publisher, head.get());
        return new Outcome(published, config.pollInterval(), !published);
    }

    /**
     * Brings the mirror up to the source's branches (an {@code ls-remote}, then a fetch only when the
     * branch moved) and publishes nothing: a standby keeps its mirror warm with it, so the poll it
     * makes once elected finds the commits already fetched.
     *
     * @throws BerthException when the source cannot be reached or read
     */
    public void refresh(GitMirror mirror) {
        readHead(mirror);
    }

    /** The branch's head, fetched into the mirror when it moved; empty when the branch is gone. */
    private Optional<String> readHead(GitMirror mirror) {
        // An ls-remote costs one round trip; a fetch only follows when the branch moved (or vanished).
        Optional<String> remoteHead = mirror.remoteHead(config.branch(), FETCH_TIMEOUT);
        if (remoteHead.isEmpty() || !remoteHead.equals(mirror.head(config.branch()))) {
            fetches.increment();
            mirror.fetch(FETCH_TIMEOUT);
        }
        if (remoteHead.isEmpty()) {
            return Optional.empty();
        }
        return mirror.head(config.branch());
    }

    private Outcome sourceFails(AtomicPublisher publisher, String reason) {
        SourceHealth.Failure failure = health.failed(reason);
        log.warn("{} (attempt {}); trying again in {}", reason, failure.failures(), seconds(failure.retryIn()));
        boolean publisherFailed = false;
        if (failure.publishError()) {
            SourceFailed failed = new SourceFailed(
                    config.environment(),
                    failureCommit(reason),
                    source.safeUrl(),
                    config.branch(),
                    reason,
                    failure.failures());
            publisherFailed = !publishAlone(publisher, failed);
        }
        return new Outcome(false, failure.retryIn(), publisherFailed);
    }

    /**
     * The commit a failure event carries: the sha published last ({@code ""} when none), with the
     * watcher as its author, so the audit trail names {@value #ACTOR} as the actor and not the last
     * committer.
     */
    private Commit failureCommit(String reason) {
        String c = cursor;
        return new Commit(c == null ? "" : c, ACTOR, reason, clock.instant());
    }

    /**
     * Publishes a source event in a batch of its own.
     *
     * @return false when it could not (logged)
     */
    private boolean publishAlone(AtomicPublisher publisher, BerthEvent event) {
        try {
            publisher.publish(List.of(Envelope.newChain(eventSource, clock, event)), Map.of());
            return true;
        } catch (PublisherFencedException e) {
            throw e;
        } catch (BerthException e) {
            log.warn("could not publish {} for {}: {}", event.type().ceType(), source.display(), e.getMessage());
            return false;
        }
    }

    /**
     * Publishes the changes from the cursor to {@code sha} with the new cursor, as one batch.
     *
     * @return true when they are published (or there were none)
     */
    private boolean publishChanges(GitMirror mirror, AtomicPublisher publisher, String sha) {
        String last = cursor;
        if (sha.equals(last)) {
            return true;
        }
        Instant detected = clock.instant();
        Commit commit = mirror.commit(sha);
        String base = last != null && mirror.hasCommit(last) ? last : null;
        List<BerthEvent> events = detector.changes(mirror, base, last, sha, commit);
        List<Envelope> envelopes = events.stream()
                .map(e -> Envelope.newChain(eventSource, clock, e))
                .toList();
        try {
            publisher.publish(envelopes, Map.of(cursorKey, sha));
        } catch (PublisherFencedException e) {
            throw e;
        } catch (BerthException e) {
            log.warn(
                    "could not publish the {} change(s) of @{}: {}; the commit stays unpublished and is tried again",
                    events.size(),
                    commit.shortSha(),
                    e.getMessage());
            return false;
        }
        cursor = sha;
        detector.published(sha);
        if (!events.isEmpty()) {
            stages.record(
                    Stages.Stage.COMMIT_TO_DETECTED, config.environment(), Duration.between(commit.time(), detected));
            stages.record(
                    Stages.Stage.DETECTED_TO_PUBLISHED,
                    config.environment(),
                    Duration.between(detected, clock.instant()));
        }
        for (BerthEvent event : events) {
            registry.counter("berth.watcher.changes", "environment", config.environment(), "kind", kind(event))
                    .increment();
        }
        return true;
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

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
