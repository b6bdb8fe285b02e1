package dev.berth.deployer.internal;

import org.jspecify.annotations.Nullable;

/** A failed step: what failed, for which service, with what evidence. Carries no stack trace. */
final class StepFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final @Nullable String service;
    private final String evidence;

    StepFailure(@Nullable String service, String reason, String evidence) {
        super(reason, null, false, false);
        this.service = service;
        this.evidence = evidence;
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
