package dev.berth.deployer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.compose.HostVariables;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentStarted;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.ServiceUpgraded;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StackApplierTest {
    private static final StackRef STACK = new StackRef("prod", "shop");
    private static final Commit COMMIT = new Commit("a".repeat(40), "Erin", "m", Instant.EPOCH);
    private static final HostVariables HOST = taken(new HostVariables(Map.of("DB_PASSWORD", "s3cr3t-value")));

    /** The variables after a stack took its value, as the parser does. */
    private static HostVariables taken(HostVariables host) {
        host.get("DB_PASSWORD");
        return host;
    }

    @Test
    void hidesHostSecretsInEveryTextOfAnEvent() {
        assertThat(StackApplier.redact(
                        HOST,
                        new DeploymentFailed(
                                STACK,
                                "d",
                                COMMIT,
                                "web",
                                "service \"web\" failed with s3cr3t-value",
                                "last output:\n  password=s3cr3t-value",
                                Duration.ZERO)))
                .isEqualTo(new DeploymentFailed(
                        STACK,
                        "d",
                        COMMIT,
                        "web",
                        "service \"web\" failed with ***",
                        "last output:\n  password=***",
                        Duration.ZERO));
        assertThat(((DeploymentStarted) StackApplier.redact(
                                HOST, new DeploymentStarted(STACK, "d", COMMIT, List.of("create s3cr3t-value"))))
                        .plan())
                .containsExactly("create ***");
        assertThat(((DeploymentSucceeded) StackApplier.redact(
                                HOST,
                                new DeploymentSucceeded(
                                        STACK, "d", COMMIT, List.of("replace s3cr3t-value"), Duration.ZERO)))
                        .changed())
                .containsExactly("replace ***");
        assertThat(((ServiceUpgraded) StackApplier.redact(
                                HOST, new ServiceUpgraded(STACK, "d", COMMIT, "web", "registry/s3cr3t-value:1", "id")))
                        .image())
                .isEqualTo("registry/***:1");
    }

    @Test
    void leavesEventsAloneWithoutHostVariables() {
        DeploymentStarted started = new DeploymentStarted(STACK, "d", COMMIT, List.of("create web"));
        assertThat(StackApplier.redact(HostVariables.NONE, started)).isSameAs(started);
    }
}
