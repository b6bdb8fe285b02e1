package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import java.util.Objects;

/**
 * A stack whose compose file does not pass validation at {@code commit}. Nothing is deployed; the
 * running version stays.
 *
 * @param file the repository path of the file at fault
 * @param line 1-based line, 0 when unknown
 * @param column 1-based column, 0 when unknown
 */
public record StackInvalid(StackRef stack, Commit commit, String file, int line, int column, String error)
        implements BerthEvent {
    public StackInvalid {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(error, "error");
    }

    /** {@code file:line:column: error}, as compilers print it. */
    public String location() {
        return line > 0 ? file + ":" + line + ":" + column : file;
    }
}
