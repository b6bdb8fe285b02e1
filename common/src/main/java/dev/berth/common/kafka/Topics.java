package dev.berth.common.kafka;

import java.util.List;

/** Berth's topic names. They are a contract: users' consumers and our acceptance checks read them. */
public final class Topics {
    /** Desired state per stack (stack changed / removed) and operator commands, keyed env/stack. */
    public static final String CHANGES = "berth.changes";
    /** Deployment progress and outcomes, and the watcher's errors, keyed env/stack. */
    public static final String DEPLOYMENTS = "berth.deployments";
    /** Every event, with actor and evidence, kept long. */
    public static final String AUDIT = "berth.audit";
    /** Compacted: last published commit per source, per-stack revision state. */
    public static final String STATE = "berth.state";
    /** Notifications that failed every retry, keyed by channel. */
    public static final String NOTIFICATIONS_DLQ = "berth.notifications.dlq";

    /** All of them, in creation order. */
    public static final List<String> ALL = List.of(CHANGES, DEPLOYMENTS, AUDIT, STATE, NOTIFICATIONS_DLQ);

    private Topics() {}
}
