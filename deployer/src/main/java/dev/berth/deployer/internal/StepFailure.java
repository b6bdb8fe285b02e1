package dev.berth.deployer.internal;

import org.jspecify.annotations.Nullable;

/** A failed step: what failed, for which service, with what evidence. Carries no stack trace. */
final class StepFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final @Nullable String service;
    private final String evidence;
    private final boolean rollsBack;

    StepFailure(@Nullable String service, String reason, String evidence) {
        this(service, reason, evidence, true);
    }

    /**
     * @param rollsBack false when the service's {@code update_config} asked to keep what was done
     *     ({@code failure_action: pause} or {@code continue}): the stack is then not rolled back
     */
    StepFailure(@Nullable String service, String reason, String evidence, boolean rollsBack) {
        super(reason, null, false, false);
        this.service = service;
        this.evidence = evidence;
        this.rollsBack = rollsBack;
    }

    /** False when the failed service's update policy keeps what was done instead of rolling back. */
    boolean rollsBack() {
        return rollsBack;
    }

    @Nullable
    String service() {
        return service;
    }

    String reason() {
        return String.valueOf(getMessage());
    }

    /** What the gate saw (health log, exit code, log tail); empty when nothing. */
    String evidence() {
        return evidence;
    }
}
