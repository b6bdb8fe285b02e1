package dev.berth.common.event;

import dev.berth.common.BerthException;

/**
 * An {@link AtomicPublisher} was fenced: another instance with the same identity started, so this one
 * (a zombie) must stop publishing. Not retriable.
 */
public final class PublisherFencedException extends BerthException {
    private static final long serialVersionUID = 1L;

    public PublisherFencedException(String message, Throwable cause) {
        super(message, cause);
    }
}
