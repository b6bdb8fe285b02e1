package dev.berth.common.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.util.Objects;

/**
 * A source the watcher had published {@link SourceFailed} for can be read again, after {@code
 * failures} failed polls. Published once, on {@code berth.deployments}.
 *
 * @param environment the environment the source belongs to
 * @param commit the branch's head now
 * @param source the repository URL, without any password
 * @param branch the branch followed
 * @param failures how many polls had failed in a row
 */
public record SourceRecovered(String environment, Commit commit, String source, String branch, int failures)
        implements BerthEvent {
    public SourceRecovered {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(branch, "branch");
    }

    /** {@code <environment>/berth-source}, as {@link SourceFailed#stack()}. */
    @Override
    @JsonIgnore
    public StackRef stack() {
        return new StackRef(environment, SourceFailed.SUBJECT_NAME);
    }
}
