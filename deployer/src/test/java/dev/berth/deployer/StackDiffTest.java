package dev.berth.deployer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.EventCodec;
import dev.berth.deployer.StackDiff.Action;
import dev.berth.deployer.StackDiff.ServiceChange;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StackDiffTest {
    private static final StackRef STACK = new StackRef("dev", "shop");
    private static final String BEFORE = """
            services:
              web:
                image: nginx:1.25
                environment: {LOG: debug}
                volumes: ["./html:/usr/share/nginx/html:ro"]
              api:
                image: api:1
                deploy: {replicas: 2}
              cron:
                image: busybox:1.35
              db:
                image: postgres:16
            """;
    private static final String AFTER = """
            services:
              web:
                image: nginx:1.27
                environment: {LOG: info, EXTRA: "1"}
                volumes: ["./html:/usr/share/nginx/html:ro"]
              api:
                image: api:1
                deploy: {replicas: 4, update_config: {order: start-first}}
              db:
                image: postgres:16
              worker:
                image: busybox:1.35
            """;

    private static StackDiff.Side side(String compose, String html) {
        Map<String, byte[]> files = Map.of(
                "stacks/shop/compose.yaml", compose.getBytes(StandardCharsets.UTF_8),
                "stacks/shop/html/index.html", html.getBytes(StandardCharsets.UTF_8));
        return new StackDiff.Side(
                new ComposeParser().parse("stacks/shop/compose.yaml", compose, Map.of(), new StackFiles(files), null),
                files);
    }

    @Test
    void eachServiceByTheDeployersOwnRule() {
        StackDiff diff = StackDiff.compute(
                STACK,
                "a".repeat(40),
                "b".repeat(40),
                side(BEFORE, "<p>one</p>"),
                side(AFTER, "<p>two</p>"),
                Map.of("web", 1, "api", 2, "cron", 1, "db", 1),
                new EventCodec().json());

        assertThat(diff.hasChanges()).isTrue();
        assertThat(diff.changedFiles()).containsExactly("stacks/shop/compose.yaml", "stacks/shop/html/index.html");
        assertThat(diff.services())
                .extracting(ServiceChange::service, ServiceChange::action)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("web", Action.RECREATE),
                        org.assertj.core.groups.Tuple.tuple("api", Action.SCALE),
                        org.assertj.core.groups.Tuple.tuple("db", Action.UNCHANGED),
                        org.assertj.core.groups.Tuple.tuple("worker", Action.CREATE),
                        org.assertj.core.groups.Tuple.tuple("cron", Action.REMOVE));
        assertThat(diff.services().get(0).details())
                .containsExactly(
                        "environment.EXTRA: added \"1\"",
                        "environment.LOG: \"debug\" → \"info\"",
                        "image: \"nginx:1.25\" → \"nginx:1.27\"",
                        "file stacks/shop/html/index.html changed");
        // The update policy is how containers are replaced, not what they run: a scale, not a recreate.
        assertThat(diff.services().get(1).details()).isEmpty();
        assertThat(diff.services().get(1).replicas()).isEqualTo(4);
    }

    @Test
    void theSameRevisionWithEveryContainerUpIsNoChange() {
        StackDiff diff = StackDiff.compute(
                STACK,
                "a".repeat(40),
                "a".repeat(40),
                side(BEFORE, "x"),
                side(BEFORE, "x"),
                Map.of("web", 1, "api", 2, "cron", 1, "db", 1),
                new EventCodec().json());
        assertThat(diff.hasChanges()).isFalse();
    }

    @Test
    void aContainerThatIsGoneIsCreatedAgainAndAnUnknownRevisionIsRecreated() {
        StackDiff drift = StackDiff.compute(
                STACK,
                "a".repeat(40),
                "a".repeat(40),
                side(BEFORE, "x"),
                side(BEFORE, "x"),
                Map.of("web", 1, "api", 2, "cron", 1),
                new EventCodec().json());
        assertThat(drift.services())
                .filteredOn(c -> c.service().equals("db"))
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.action()).isEqualTo(Action.CREATE);
                    assertThat(c.details()).containsExactly("no container runs");
                });
        StackDiff unknown = StackDiff.compute(
                STACK,
                "c".repeat(40),
                "a".repeat(40),
                null,
                side(BEFORE, "x"),
                Map.of("web", 1),
                new EventCodec().json());
        assertThat(unknown.services())
                .filteredOn(c -> c.service().equals("web"))
                .singleElement()
                .extracting(ServiceChange::action)
                .isEqualTo(Action.RECREATE);
    }
}
