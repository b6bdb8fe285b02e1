package dev.berth.common;

import org.jspecify.annotations.Nullable;

/** A transient failure (an unreachable engine or broker): the same operation may succeed later. */
public class RetriableBerthException extends BerthException {
    private static final long serialVersionUID = 1L;

    public RetriableBerthException(String message) {
        super(message);
    }

    public RetriableBerthException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
