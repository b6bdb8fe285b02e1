package dev.berth.common.event;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;

/**
 * An event about one stack. Each record maps to one CloudEvents type ({@link EventType}); the
 * CloudEvent attributes that are not about the stack (id, source, time, chain id) live in the
 * {@link Envelope}.
 */
public sealed interface BerthEvent
        permits StackChanged,
                StackRemoved,
                StackInvalid,
                DeploymentStarted,
                ServiceDeployed,
                ServiceUpgraded,
                ServiceRemoved,
                DeploymentSucceeded,
                DeploymentFailed,
                ServiceRolledBack,
                StackRollbackRequested,
                StackRetryRequested,
                SourceFailed,
                SourceRecovered {

    /** The stack this event is about; its key is the Kafka record key. */
    StackRef stack();

    /** The config-repo commit this event is about: its author is the event's actor. */
    Commit commit();

    default EventType type() {
        return EventType.of(this);
    }
}
