package dev.berth.common.event;

import dev.berth.common.BerthException;
import dev.berth.common.kafka.Topics;
import java.util.Arrays;

/**
 * Every event type Berth emits: its CloudEvents {@code type}, its record class and the topic it is
 * published to. CDEvents types carry Berth's record in {@code customData}; Berth's own types follow
 * the CDEvents custom-event form ({@code dev.cdeventsx.berth-<subject>.<predicate>.<version>}) and
 * carry the record as the subject's content.
 */
public enum EventType {
    STACK_CHANGED("dev.cdeventsx.berth-stack.changed.0.1.0", StackChanged.class, Topics.CHANGES, false),
    STACK_REMOVED("dev.cdeventsx.berth-stack.removed.0.1.0", StackRemoved.class, Topics.CHANGES, false),
    STACK_INVALID("dev.cdeventsx.berth-stack.invalid.0.1.0", StackInvalid.class, Topics.DEPLOYMENTS, false),
    DEPLOYMENT_STARTED(
            "dev.cdeventsx.berth-deployment.started.0.1.0", DeploymentStarted.class, Topics.DEPLOYMENTS, false),
    SERVICE_DEPLOYED("dev.cdevents.service.deployed.0.3.0", ServiceDeployed.class, Topics.DEPLOYMENTS, true),
    SERVICE_UPGRADED("dev.cdevents.service.upgraded.0.3.0", ServiceUpgraded.class, Topics.DEPLOYMENTS, true),
    SERVICE_REMOVED("dev.cdevents.service.removed.0.3.0", ServiceRemoved.class, Topics.DEPLOYMENTS, true),
    DEPLOYMENT_SUCCEEDED(
            "dev.cdeventsx.berth-deployment.succeeded.0.1.0", DeploymentSucceeded.class, Topics.DEPLOYMENTS, false),
    DEPLOYMENT_FAILED("dev.cdeventsx.berth-deployment.failed.0.1.0", DeploymentFailed.class, Topics.DEPLOYMENTS, false),
    SERVICE_ROLLED_BACK("dev.cdevents.service.rolledback.0.3.0", ServiceRolledBack.class, Topics.DEPLOYMENTS, true),
    STACK_ROLLBACK_REQUESTED(
            "dev.cdeventsx.berth-stack.rollback-requested.0.1.0", StackRollbackRequested.class, Topics.CHANGES, false),
    STACK_RETRY_REQUESTED(
            "dev.cdeventsx.berth-stack.retry-requested.0.1.0", StackRetryRequested.class, Topics.CHANGES, false),
    SOURCE_FAILED("dev.cdeventsx.berth-source.failed.0.1.0", SourceFailed.class, Topics.DEPLOYMENTS, false),
    SOURCE_RECOVERED("dev.cdeventsx.berth-source.recovered.0.1.0", SourceRecovered.class, Topics.DEPLOYMENTS, false);

    /** The CDEvents specification version of every event's context. */
    public static final String CDEVENTS_SPEC_VERSION = "0.5.1";

    private final String ceType;
    private final Class<? extends BerthEvent> recordClass;
    private final String topic;
    private final boolean cdevent;

    EventType(String ceType, Class<? extends BerthEvent> recordClass, String topic, boolean cdevent) {
        this.ceType = ceType;
        this.recordClass = recordClass;
        this.topic = topic;
        this.cdevent = cdevent;
    }

    public String ceType() {
        return ceType;
    }

    public Class<? extends BerthEvent> recordClass() {
        return recordClass;
    }

    /** The topic this type is published to. */
    public String topic() {
        return topic;
    }

    /** True for a CDEvents core type, false for a Berth custom type. */
    public boolean isCdEvent() {
        return cdevent;
    }

    public static EventType of(BerthEvent event) {
        for (EventType t : values()) {
            if (t.recordClass == event.getClass()) {
                return t;
            }
        }
        throw new IllegalStateException("no event type for " + event.getClass());
    }

    public static EventType ofCeType(String ceType) {
        return Arrays.stream(values())
                .filter(t -> t.ceType.equals(ceType))
                .findFirst()
                .orElseThrow(() -> new BerthException("unknown event type \"" + ceType + "\": this Berth knows "
                        + Arrays.stream(values()).map(EventType::ceType).toList()));
    }
}
