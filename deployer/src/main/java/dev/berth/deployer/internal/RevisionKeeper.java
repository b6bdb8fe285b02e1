package dev.berth.deployer.internal;

import dev.berth.common.StackRef;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackRetryRequested;
import dev.berth.common.event.StackRollbackRequested;
import dev.berth.deployer.StackHistory;
import dev.berth.deployer.StackHistory.Revision;
import dev.berth.deployer.StackHistory.Status;
import dev.berth.deployer.StackHistoryStore;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each stack's history around its deployments: records every revision applied and how it
 * ended, hands the applier the last good desired state to roll back to, quarantines a revision whose
 * gate failed (a change for it is then an empty plan), and acts on the operators' rollback and retry
 * commands. Called from the consumer thread, one stack at a time.
 */
public final class RevisionKeeper {
    private static final Logger log = LoggerFactory.getLogger("dev.berth.deployer");

    private final StackApplier applier;
    private final StackHistoryStore store;
    private final Clock clock;

    public RevisionKeeper(StackApplier applier, StackHistoryStore store, Clock clock) {
        this.applier = Objects.requireNonNull(applier, "applier");
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A change from the watcher: applied unless it is the quarantined revision. */
    public void onChange(Envelope incoming, StackChanged change) throws InterruptedException {
        StackHistory history = store.history(change.stack());
        String sha = change.commit().sha();
        if (history.isQuarantined(sha)) {
            log.info(
                    "quarantined {} @{}: it failed and was rolled back, so it is not applied again; a newer commit,"
                            + " or `berth retry {}`, applies it",
                    change.stack(),
                    change.commit().shortSha(),
                    change.stack());
            return;
        }
        if (history.quarantined() != null) {
            // A newer commit arrived: the quarantine has done its job.
            history = history.withQuarantined(null);
        }
        deploy(incoming, change, history, "");
    }

    /** {@code berth rollback}: applies the requested revision (or the last good one before the current). */
    public void onRollback(Envelope incoming, StackRollbackRequested request) throws InterruptedException {
        StackRef stack = request.stack();
        StackHistory history = store.history(stack);
        String wanted = request.targetRevision();
        Optional<Revision> target = wanted == null ? history.previousGood(history.lastGood()) : history.find(wanted);
        if (target.isEmpty()) {
            applier.reject(
                    incoming,
                    stack,
                    request.commit(),
                    wanted == null
                            ? "stack " + stack + " has no earlier good revision to roll back to; `berth history "
                                    + stack + "` lists its revisions"
                            : "stack " + stack + " has no revision \"" + wanted + "\" in its history (the last "
                                    + StackHistory.MAX_REVISIONS + " are kept); `berth history " + stack
                                    + "` lists them: nothing was changed");
            return;
        }
        String sha = target.get().revision();
        Optional<StackChanged> desired = store.desired(stack, sha);
        if (desired.isEmpty()) {
            applier.reject(
                    incoming,
                    stack,
                    request.commit(),
                    "stack " + stack + ": the desired state of revision " + sha + " is no longer kept, so it cannot"
                            + " be applied again; revert the commit in the repository instead: nothing was changed");
            return;
        }
        String current = history.lastGood();
        log.info("rollback of {} to @{} requested by {}", stack, shortSha(sha), request.actor());
        StackApplier.Result result =
                deploy(incoming, desired.get(), history, "rollback requested by " + request.actor());
        if (isGood(result) && current != null && !current.equals(sha)) {
            // The revision rolled back from stays off until a newer commit or a retry.
            StackHistory after = store.history(stack);
            store.put(markNewest(
                            after,
                            current,
                            Status.ROLLEDBACK,
                            "rolled back to " + shortSha(sha) + " by " + request.actor())
                    .withQuarantined(current));
        }
    }

    /** {@code berth retry}: clears the quarantine and applies the quarantined revision again. */
    public void onRetry(Envelope incoming, StackRetryRequested request) throws InterruptedException {
        StackRef stack = request.stack();
        StackHistory history = store.history(stack);
        String quarantined = history.quarantined();
        if (quarantined == null) {
            applier.reject(
                    incoming,
                    stack,
                    request.commit(),
                    "stack " + stack + " has no quarantined revision to retry: nothing was changed");
            return;
        }
        Optional<StackChanged> desired = store.desired(stack, quarantined);
        history = history.withQuarantined(null);
        if (desired.isEmpty()) {
            store.put(history);
            applier.reject(
                    incoming,
                    stack,
                    request.commit(),
                    "stack " + stack + ": the quarantine of " + shortSha(quarantined) + " is cleared, but its desired"
                            + " state is no longer kept; the next commit applies");
            return;
        }
        log.info("retry of {} @{} requested by {}", stack, shortSha(quarantined), request.actor());
        deploy(incoming, desired.get(), history, "retry requested by " + request.actor());
    }

    /** Applies a desired state, recording it before (applied) and after (how it ended). */
    private StackApplier.Result deploy(Envelope incoming, StackChanged change, StackHistory before, String why)
            throws InterruptedException {
        StackRef stack = change.stack();
        String sha = change.commit().sha();
        String id = UUID.randomUUID().toString();
        store.putDesired(change);
        StackHistory history = before.record(
                new Revision(sha, change.commit().subjectLine(), Status.APPLIED, id, clock.instant(), why));
        store.put(history);
        @Nullable String lastGood = before.lastGood();
        @Nullable
        StackChanged restore = lastGood == null || lastGood.equals(sha)
                ? null
                : store.desired(stack, lastGood).orElse(null);
        StackApplier.Result result = applier.apply(incoming, change, restore, id);
        StackHistory after = switch (result.kind()) {
            case UNCHANGED, SUCCEEDED ->
                history.mark(id, Status.GOOD, clock.instant(), why).withLastGood(sha);
            case FAILED -> history.mark(id, Status.FAILED, clock.instant(), result.reason());
            case ROLLED_BACK, GATE_FAILED ->
                history.mark(id, Status.QUARANTINED, clock.instant(), result.reason())
                        .withQuarantined(sha);
        };
        if (result.kind() == StackApplier.Result.Kind.UNCHANGED && isNewestGood(before, sha)) {
            // A redelivered or repeated change: nothing happened, so nothing to add to the history.
            after = before.withLastGood(sha);
        }
        store.put(after);
        prune(before, after);
        return result;
    }

    private static boolean isGood(StackApplier.Result result) {
        return result.kind() == StackApplier.Result.Kind.SUCCEEDED
                || result.kind() == StackApplier.Result.Kind.UNCHANGED;
    }

    private static boolean isNewestGood(StackHistory history, String sha) {
        List<Revision> revisions = history.revisions();
        return !revisions.isEmpty()
                && revisions.get(0).revision().equals(sha)
                && revisions.get(0).status() == Status.GOOD;
    }

    /** The history with the newest entry of {@code sha} in {@code status}. */
    private StackHistory markNewest(StackHistory history, String sha, Status status, String reason) {
        return history.revisions().stream()
                .filter(r -> r.revision().equals(sha))
                .findFirst()
                .map(r -> history.mark(r.deploymentId(), status, clock.instant(), reason))
                .orElse(history);
    }

    /** Forgets the desired states of revisions that left the history. */
    private void prune(StackHistory before, StackHistory after) {
        Set<String> kept = new HashSet<>();
        after.revisions().forEach(r -> kept.add(r.revision()));
        if (after.lastGood() != null) {
            kept.add(after.lastGood());
        }
        if (after.quarantined() != null) {
            kept.add(after.quarantined());
        }
        before.revisions().stream()
                .map(Revision::revision)
                .distinct()
                .filter(sha -> !kept.contains(sha))
                .forEach(sha -> store.removeDesired(after.stack(), sha));
    }

    private static String shortSha(String sha) {
        return sha.length() > 7 ? sha.substring(0, 7) : sha;
    }
}
