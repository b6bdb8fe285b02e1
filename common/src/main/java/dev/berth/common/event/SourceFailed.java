package dev.berth.common.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.util.Objects;

/**
 * The watcher could not read a source for {@code failures} consecutive polls (unreachable, refused
 * credentials, a deleted branch). Nothing is published or removed meanwhile; the running stacks stay.
 * Published once when the failures reach the watcher's error threshold (and again if the reason
 * changes), on {@code berth.deployments}; {@link SourceRecovered} follows when a poll works again.
 *
 * @param environment the environment the source belongs to
 * @param commit the sha published last ({@code ""} when none), with the watcher as author (the
 *     audit trail's actor), the reason as message and the time of the event
 * @param source the repository URL, without any password
 * @param branch the branch followed
 * @param reason what failed and what to do about it; never a secret
 * @param failures consecutive failed polls so far
 */
public record SourceFailed(String environment, Commit commit, String source, String branch, String reason, int failures)
        implements BerthEvent {
    /** The stack name in the subject ({@code <environment>/berth-source}) of source events. */
    public static final String SUBJECT_NAME = "berth-source";

    public SourceFailed {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(branch, "branch");
        Objects.requireNonNull(reason, "reason");
    }

    /** {@code <environment>/berth-source}: the key that keeps a source's events in order. */
    @Override
    @JsonIgnore
    public StackRef stack() {
        return new StackRef(environment, SUBJECT_NAME);
    }
}
