package dev.berth.common;

import org.jspecify.annotations.Nullable;

/**
 * The root of Berth's unchecked exceptions. Its message is meant for the user: it says what was
 * being done, with which inputs, and what to do about it.
 */
public class BerthException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BerthException(String message) {
        super(message);
    }

    public BerthException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
