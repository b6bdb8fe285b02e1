package dev.berth.deployer.internal;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackRemoved;
import dev.berth.common.event.StackRetryRequested;
import dev.berth.common.event.StackRollbackRequested;
import dev.berth.deployer.StackHistory;
import dev.berth.deployer.StackHistory.Revision;
import dev.berth.deployer.StackHistory.Status;
import dev.berth.deployer.StackHistoryStore;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
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
    private static final String BEFORE_RECORD = "before its next record";

    private final StackApplier applier;
    private final StackHistoryStore store;
    private final Takeover takeover;
    private final Clock clock;

    public RevisionKeeper(StackApplier applier, StackHistoryStore store, Takeover takeover, Clock clock) {
        this.applier = Objects.requireNonNull(applier, "applier");
        this.store = Objects.requireNonNull(store, "store");
        this.takeover = Objects.requireNonNull(takeover, "takeover");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A change from the watcher: applied unless it is the quarantined revision. */
    public void onChange(Envelope incoming, StackChanged change) throws InterruptedException {
        recover(incoming, change.stack(), BEFORE_RECORD);
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
        recover(incoming, stack, BEFORE_RECORD);
        StackHistory history = store.history(stack);
        String wanted = request.targetRevision();
        Optional<Revision> target = wanted == null ? history.previousGood(history.lastGood()) : history.find(wanted);
        if (target.isEmpty()) {
            reject(
                    incoming,
                    stack,
                    request.commit(),
                    wanted == null
                            ? "stack " + stack + " has no earlier good revision to roll back to; `berth history "
                                    + stack + "` lists its revisions"
                            : "stack " + stack + " has no revision \"" + wanted + "\" in its history (the last "
                                    + StackHistory.MAX_REVISIONS + " are kept); `berth history " + stack
                                    + "` lists them: nothing was changed",
                    history);
            return;
        }
        String sha = target.get().revision();
        Optional<StackChanged> desired = store.desired(stack, sha);
        if (desired.isEmpty()) {
            reject(
                    incoming,
                    stack,
                    request.commit(),
                    "stack " + stack + ": the desired state of revision " + sha + " is no longer kept, so it cannot"
                            + " be applied again; revert the commit in the repository instead: nothing was changed",
                    history);
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
        recover(incoming, stack, BEFORE_RECORD);
        StackHistory history = store.history(stack);
        String quarantined = history.quarantined();
        if (quarantined == null) {
            reject(
                    incoming,
                    stack,
                    request.commit(),
                    "stack " + stack + " has no quarantined revision to retry: nothing was changed",
                    history);
            return;
        }
        Optional<StackChanged> desired = store.desired(stack, quarantined);
        history = history.withQuarantined(null);
        if (desired.isEmpty()) {
            reject(
                    incoming,
                    stack,
                    request.commit(),
                    "stack " + stack + ": the quarantine of " + shortSha(quarantined) + " is cleared, but its desired"
                            + " state is no longer kept; the next commit applies",
                    history);
            return;
        }
        log.info("retry of {} @{} requested by {}", stack, shortSha(quarantined), request.actor());
        deploy(incoming, desired.get(), history, "retry requested by " + request.actor());
    }

    /**
     * A stack removal from the watcher: ends what a stopped deployer left of the stack first (so an
     * interrupted deployment still gets its one terminal event), then removes every container of the
     * stack; the removal's terminal event is written with the stack's history.
     */
    public void onRemoval(Envelope incoming, StackRemoved removal) throws InterruptedException {
        StackRef stack = removal.stack();
        recover(incoming, stack, BEFORE_RECORD);
        String id = UUID.randomUUID().toString();
        Commit commit = removal.commit();
        // In flight until its terminal event is written: a worker killed mid-removal leaves it to the next.
        StackHistory history = store.history(stack)
                .record(new Revision(
                        commit.sha(),
                        commit.subjectLine(),
                        Status.REMOVED,
                        id,
                        clock.instant(),
                        "stack removed",
                        false));
        store.put(history);
        StackApplier.Result result = applier.remove(incoming, removal, id, StackApplier.Terminal.RETURN);
        store.commit(
                history.mark(id, Status.REMOVED, clock.instant(), "stack removed", true), result.requireTerminal());
    }

    /**
     * Ends what a deployer that stopped mid-way left of a stack this worker was just given (at partition
     * assignment, before any of the stack's records arrives), when it left anything: in-flight entries in
     * its history, or containers kept aside. The chain of events it publishes is a new one, starting from
     * the interrupted revision's change.
     */
    public void recoverOnAssignment(StackRef stack, URI source) throws InterruptedException {
        StackHistory history = store.history(stack);
        List<Revision> open = history.inFlight();
        if (open.isEmpty() && !takeover.unsettled(stack)) {
            return;
        }
        String sha = !open.isEmpty() ? open.get(0).revision() : history.lastGood();
        BerthEvent cause = sha == null
                ? new StackRemoved(stack, new Commit("0".repeat(40), "", "takeover", clock.instant()))
                : store.desired(stack, sha)
                        .orElseGet(() -> new StackChanged(
                                stack, new Commit(sha, "", "takeover", clock.instant()), "", "", List.of()));
        recover(Envelope.newChain(source, clock, cause), stack, "at partition assignment");
    }

    /** Writes the failure of a request that touched nothing, with the stack's history. */
    private void reject(Envelope incoming, StackRef stack, Commit commit, String reason, StackHistory history) {
        StackApplier.Result result = applier.reject(incoming, stack, commit, reason);
        store.commit(history, result.requireTerminal());
    }

    /**
     * Ends what a deployer that stopped mid-way (killed, crashed, or that lost the stack in a rebalance)
     * left of this stack, before this worker acts on it: the deployments its history saw start but not
     * end, and containers kept aside or temporary. Deterministically: the aside containers are put back,
     * the last good revision is applied again (the interrupted revision itself when there is none), and
     * each interrupted deployment gets its one terminal event, a {@code deployment.failed} saying it was
     * interrupted and what was done, unless the history says it was written. Each step is recorded first,
     * so a worker that stops here too leaves the next one the same decision. Does nothing on a stack that
     * ended cleanly.
     */
    void recover(Envelope incoming, StackRef stack, String when) throws InterruptedException {
        StackHistory history = store.history(stack);
        List<Revision> open = history.inFlight();
        if (open.isEmpty() && !takeover.unsettled(stack)) {
            return;
        }
        long began = System.nanoTime();
        @Nullable Revision newest = open.isEmpty() ? null : open.get(0);
        // An interrupted removal is finished by its redelivered record: nothing to bring back first.
        boolean removing = newest != null && newest.status() == Status.REMOVED;
        @Nullable
        String target = removing
                ? null
                : history.lastGood() != null ? history.lastGood() : newest == null ? null : newest.revision();
        log.info(
                "takeover of {} ({}): {} left in flight, {}; going back to {}",
                stack,
                when,
                open.isEmpty()
                        ? "no deployment"
                        : open.stream()
                                .map(r -> "deployment " + r.deploymentId() + " of @" + shortSha(r.revision()))
                                .collect(Collectors.joining(", ")),
                "putting back what it kept aside",
                removing
                        ? "nothing (the stack was being removed)"
                        : target == null ? "nothing (no revision known)" : "@" + shortSha(target));
        for (Revision r : open) {
            if (r.status() == Status.APPLIED) {
                history = history.mark(
                        r.deploymentId(), Status.FAILED, clock.instant(), "interrupted: being taken over", false);
            }
        }
        if (!open.isEmpty()) {
            store.put(history);
        }
        List<String> done = new ArrayList<>(takeover.settle(stack));
        Optional<StackChanged> desired = target == null ? Optional.empty() : store.desired(stack, target);
        if (desired.isPresent()) {
            StackApplier.Result result =
                    deploy(incoming, desired.get(), history, "restoring the stack after an interrupted deployment");
            done.add(
                    switch (result.kind()) {
                        case UNCHANGED -> "the stack already ran @" + shortSha(target);
                        case SUCCEEDED ->
                            "the stack was brought back to @" + shortSha(target) + " by deployment "
                                    + result.deploymentId();
                        default ->
                            "bringing the stack back to @" + shortSha(target) + " failed (deployment "
                                    + result.deploymentId() + "): " + result.reason();
                    });
        } else if (target != null) {
            done.add("the desired state of @" + shortSha(target) + " is no longer kept, so the stack was left as"
                    + " it is");
        }
        history = store.history(stack);
        for (Revision r : open) {
            Optional<Revision> now = history.revisions().stream()
                    .filter(e -> e.deploymentId().equals(r.deploymentId()))
                    .findFirst();
            if (now.isEmpty() || !now.get().inFlight()) {
                continue;
            }
            String what = r.status() == Status.REMOVED
                    ? "the removal " + r.deploymentId() + " of the stack (@" + shortSha(r.revision()) + ")"
                    : "deployment " + r.deploymentId() + " of @" + shortSha(r.revision());
            String reason = what + " was interrupted:"
                    + " the deployer applying it stopped before it ended; the worker that took the stack over "
                    + (done.isEmpty() ? "found nothing to undo" : String.join("; ", done));
            Commit commit = store.desired(stack, r.revision())
                    .map(StackChanged::commit)
                    .orElseGet(() -> new Commit(r.revision(), "", r.subject(), r.time()));
            StackApplier.Result result = applier.interrupted(incoming, stack, commit, r.deploymentId(), reason);
            history = history.mark(
                    r.deploymentId(),
                    r.status() == Status.REMOVED ? Status.REMOVED : Status.FAILED,
                    clock.instant(),
                    reason,
                    true);
            // The event and its marker in one transaction: a worker killed here leaves both or neither.
            store.commit(history, result.requireTerminal());
        }
        log.info(
                "takeover of {} ended in {} ms: {}",
                stack,
                (System.nanoTime() - began) / 1_000_000,
                done.isEmpty() ? "nothing to undo" : String.join("; ", done));
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
        StackApplier.Result result = applier.apply(incoming, change, restore, id, StackApplier.Terminal.RETURN);
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
        // The outcome and its terminal event in one transaction: never one without the other.
        store.commit(after, result.requireTerminal());
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
