package dev.berth.notifier.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentStarted;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.notifier.Message;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Flood control on event time: incidents per stack, updates, resolution, storms. */
class FloodControlTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final Commit COMMIT = new Commit("0123456789abcdef0123456789abcdef01234567", "Dana", "change", T0);
    private final Notices notices = new Notices(new EventCodec(), null);
    private final Messages messages = new Messages(new Redactor(List.of()));
    private final FloodControl flood = new FloodControl(Duration.ofMinutes(10), 3);
    private int n;

    private Message at(long seconds, BerthEvent event) {
        n++;
        return messages.render(
                notices.known(new Envelope("e" + n, URI.create("/t"), T0.plusSeconds(seconds), "e" + n, event)), null);
    }

    private static DeploymentFailed failed(String stack, String reason) {
        return new DeploymentFailed(new StackRef("prod", stack), "d", COMMIT, "web", reason, "", Duration.ofSeconds(1));
    }

    private static DeploymentSucceeded succeeded(String stack) {
        return new DeploymentSucceeded(new StackRef("prod", stack), "d", COMMIT, List.of("x"), Duration.ofSeconds(1));
    }

    @Test
    void failuresOfOneStackAreOneIncidentWithUpdatesThenOneResolution() {
        List<Message> out = new ArrayList<>();
        out.addAll(flood.offer(at(0, failed("shop", "unhealthy"))));
        out.addAll(flood.offer(at(10, failed("shop", "unhealthy")))); // the same again: counted only
        out.addAll(flood.offer(at(20, failed("shop", "exit 1")))); // something new: an update
        out.addAll(flood.offer(at(25, new DeploymentStarted(new StackRef("prod", "shop"), "d", COMMIT, List.of()))));
        out.addAll(flood.offer(at(30, succeeded("shop"))));
        assertThat(out)
                .extracting(Message::ceType)
                .containsExactly(
                        FloodControl.INCIDENT_DETECTED,
                        FloodControl.INCIDENT_DETECTED,
                        "dev.cdeventsx.berth-deployment.started.0.1.0",
                        FloodControl.INCIDENT_RESOLVED);
        assertThat(out.get(0).title()).startsWith("🔥 Incident: prod/shop failed");
        assertThat(out.get(1).title()).startsWith("🔥 Incident update:");
        assertThat(out.get(1).text()).contains("3 failures since");
        assertThat(out.get(3).text()).startsWith("Resolved after 3 failures over 30 s");
        assertThat(out.get(3).colour()).isEqualTo("#2EB67D");
        assertThat(out.get(0)
                        .cloudEvent()
                        .path("data")
                        .path("context")
                        .path("type")
                        .asText())
                .isEqualTo(FloodControl.INCIDENT_DETECTED);
        // Ids are derived from the first failure: a restart that sees it again sends nothing new.
        assertThat(out.get(0).id()).isEqualTo("e1:detected");
        assertThat(out.get(3).id()).isEqualTo("e1:resolved");
    }

    @Test
    void updatesAreLimitedPerWindow() {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            out.addAll(flood.offer(at(i, failed("shop", "reason " + i))));
        }
        assertThat(out).hasSize(1 + FloodControl.MAX_UPDATES_PER_WINDOW);
        // A window later, updates flow again and say how many were held back.
        List<Message> later = flood.offer(at(700, failed("shop", "reason late")));
        assertThat(later).singleElement().satisfies(m -> assertThat(m.text()).contains("4 more not shown"));
    }

    @Test
    void aStormIsOneSummaryPerWindow() {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            out.addAll(flood.offer(at(i, failed("s" + i, "down"))));
        }
        // The first two stacks were announced; from the third on, a storm holds them.
        assertThat(out).hasSize(2);
        out.addAll(flood.offer(at(30, succeeded("s5"))));
        assertThat(out).hasSize(2);
        assertThat(flood.tick(T0.plusSeconds(300))).isEmpty();
        List<Message> summary = flood.tick(T0.plus(Duration.ofMinutes(11)));
        assertThat(summary).singleElement().satisfies(m -> {
            assertThat(m.ceType()).isEqualTo(FloodControl.STORM_SUMMARY);
            assertThat(m.text())
                    .contains("5 stacks started failing")
                    .contains("prod/s7")
                    .contains("Recovered");
            assertThat(m.title()).contains("6 stacks");
        });
        // After the storm, a failing stack's updates follow the usual rules again.
        assertThat(flood.offer(at(700, failed("s7", "still down")))).hasSize(1);
    }

    @Test
    void successesWithoutIncidentPassThrough() {
        assertThat(flood.offer(at(0, succeeded("shop"))))
                .singleElement()
                .satisfies(m -> assertThat(m.ceType()).endsWith("deployment.succeeded.0.1.0"));
    }
}
