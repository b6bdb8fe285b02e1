package dev.berth.deployer;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.berth.common.StackRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The recent revisions of one stack, newest first, as the deployer that owns the stack records them in
 * {@code berth.state}. A revision is a config-repo commit sha; one sha may appear more than once (applied
 * again by a rollback or a retry). Immutable.
 *
 * @param lastGood the sha of the last revision that ended healthy: what a failed deployment goes back to
 * @param quarantined the sha of the revision that failed its gate and was rolled back (or was rolled back
 *     by an operator): a change for it is not applied again until a newer commit arrives or an operator
 *     retries it
 * @param revisions at most {@link #MAX_REVISIONS}, newest first
 */
public record StackHistory(
        StackRef stack, @Nullable String lastGood, @Nullable String quarantined, List<Revision> revisions) {
    /** How many revisions a stack keeps. */
    public static final int MAX_REVISIONS = 20;

    /** What became of a revision. */
    public enum Status {
        /** Being applied (or the deployer stopped while applying it). */
        @JsonProperty("applied")
        APPLIED,
        /** Every changed service passed its gate. */
        @JsonProperty("good")
        GOOD,
        /** Failed before anything was touched (parse error, missing image, port in use). */
        @JsonProperty("failed")
        FAILED,
        /** Failed its gate; the stack went back to the last good revision, and this one is not applied again. */
        @JsonProperty("quarantined")
        QUARANTINED,
        /** Was running until an operator rolled the stack back to an earlier revision. */
        @JsonProperty("rolledback")
        ROLLEDBACK,
        /**
         * Not a revision of the stack: its removal (its directory was deleted), under the removing
         * commit's sha; in flight until its terminal event is written.
         */
        @JsonProperty("removed")
        REMOVED
    }

    /**
     * One deployment of a revision.
     *
     * @param revision the commit sha
     * @param subject the commit message's first line
     * @param deploymentId the deployment that applied it
     * @param reason why it ended so (empty for a good one)
     * @param terminalWritten whether the deployment's one terminal event ({@code deployment.succeeded} or
     *     {@code deployment.failed}) was published; null in histories written before the marker existed,
     *     where an entry still {@code applied} is taken as not written and any other as written
     */
    public record Revision(
            String revision,
            String subject,
            Status status,
            String deploymentId,
            Instant time,
            String reason,
            @Nullable Boolean terminalWritten) {
        @JsonCreator
        public Revision {
            Objects.requireNonNull(revision, "revision");
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(deploymentId, "deploymentId");
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(reason, "reason");
        }

        /** An entry whose terminal event was written unless it is still {@code applied}. */
        public Revision(
                String revision, String subject, Status status, String deploymentId, Instant time, String reason) {
            this(revision, subject, status, deploymentId, time, reason, status != Status.APPLIED);
        }

        /**
         * True when the deployment has not ended as far as this history knows: its terminal event is not
         * written, so the deployer that ran it stopped mid-way (a crash, a kill, a rebalance).
         */
        public boolean inFlight() {
            return terminalWritten == null ? status == Status.APPLIED : !terminalWritten;
        }

        Revision with(Status next, Instant at, String why) {
            return new Revision(revision, subject, next, deploymentId, at, why, terminalWritten);
        }

        Revision with(Status next, Instant at, String why, boolean written) {
            return new Revision(revision, subject, next, deploymentId, at, why, written);
        }
    }

    public StackHistory {
        Objects.requireNonNull(stack, "stack");
        revisions = List.copyOf(revisions);
    }

    /** A stack with no history. */
    public static StackHistory empty(StackRef stack) {
        return new StackHistory(stack, null, null, List.of());
    }

    /** True when {@code sha} is the quarantined revision. */
    public boolean isQuarantined(String sha) {
        return sha.equals(quarantined);
    }

    /** The newest entry of a revision, found by its full sha or a unique prefix of at least 4 characters. */
    public Optional<Revision> find(String shaOrPrefix) {
        List<String> matches = revisions.stream()
                .map(Revision::revision)
                .filter(sha -> sha.equals(shaOrPrefix) || (shaOrPrefix.length() >= 4 && sha.startsWith(shaOrPrefix)))
                .distinct()
                .toList();
        if (matches.size() != 1) {
            return Optional.empty();
        }
        return revisions.stream()
                .filter(r -> r.revision().equals(matches.get(0)))
                .findFirst();
    }

    /** The newest good revision other than {@code current}: where a rollback without target goes. */
    public Optional<Revision> previousGood(@Nullable String current) {
        return revisions.stream()
                .filter(r -> r.status() == Status.GOOD && !r.revision().equals(current))
                .findFirst();
    }

    /** This history with {@code entry} as its newest revision, trimmed to {@link #MAX_REVISIONS}. */
    public StackHistory record(Revision entry) {
        List<Revision> next = new ArrayList<>();
        next.add(entry);
        next.addAll(revisions);
        return new StackHistory(stack, lastGood, quarantined, next.subList(0, Math.min(MAX_REVISIONS, next.size())));
    }

    /**
     * This history with the newest entry of {@code deploymentId} changed to {@code status}, its terminal
     * event written (the applier publishes it before the outcome is recorded).
     */
    public StackHistory mark(String deploymentId, Status status, Instant at, String reason) {
        return mark(deploymentId, status, at, reason, true);
    }

    /** This history with the newest entry of {@code deploymentId} changed to {@code status}. */
    public StackHistory mark(String deploymentId, Status status, Instant at, String reason, boolean terminalWritten) {
        List<Revision> next = new ArrayList<>(revisions);
        for (int i = 0; i < next.size(); i++) {
            if (next.get(i).deploymentId().equals(deploymentId)) {
                next.set(i, next.get(i).with(status, at, reason, terminalWritten));
                break;
            }
        }
        return new StackHistory(stack, lastGood, quarantined, next);
    }

    /** The deployments this history saw start but not end, newest first. */
    public List<Revision> inFlight() {
        return revisions.stream().filter(Revision::inFlight).toList();
    }

    public StackHistory withLastGood(@Nullable String sha) {
        return new StackHistory(stack, sha, quarantined, revisions);
    }

    public StackHistory withQuarantined(@Nullable String sha) {
        return new StackHistory(stack, lastGood, sha, revisions);
    }
}
