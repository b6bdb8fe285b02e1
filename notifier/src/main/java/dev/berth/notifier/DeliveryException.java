package dev.berth.notifier;

import dev.berth.common.BerthException;

/** Every attempt to deliver an event to a channel failed. */
public final class DeliveryException extends BerthException {
    private static final long serialVersionUID = 1L;

    public DeliveryException(String message) {
        super(message);
    }
}
