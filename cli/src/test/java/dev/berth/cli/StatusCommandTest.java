package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.StackRef;
import dev.berth.deployer.StackHealth;
import dev.berth.deployer.StackHistory;
import dev.berth.deployer.StackHistory.Revision;
import dev.berth.deployer.StackHistory.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class StatusCommandTest {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    private static final StackRef SHOP = new StackRef("prod", "shop");
    private static final StackRef BLOG = new StackRef("dev", "blog");

    private static StackHistory history(StackRef stack, Status status, Instant at) {
        return StackHistory.empty(stack)
                .record(new Revision("a".repeat(40), "subject", status, "d1", at, ""))
                .withLastGood("a".repeat(40));
    }

    private static StackHealth health(StackRef stack, int containers, int running, int healthy, int unhealthy) {
        return new StackHealth(
                stack, new TreeSet<>(Set.of("b".repeat(40))), containers, running, healthy, unhealthy, 0, 0, Map.of());
    }

    @Test
    void oneRowPerStackFromHistoryAndEngine() {
        var rows = StatusCommand.rows(
                List.of(history(SHOP, Status.GOOD, NOW.minusSeconds(300))), Map.of(BLOG, health(BLOG, 2, 2, 2, 0)));
        assertThat(StatusCommand.table(rows, NOW))
                .contains("ENVIRONMENT  STACK")
                .containsPattern("dev +blog +bbbbbbb +healthy 2/2 +- +-")
                .containsPattern("prod +shop +aaaaaaa +absent +good aaaaaaa +5m");
        assertThat(rows)
                .filteredOn(StatusCommand.Row::needsAttention)
                .extracting(StatusCommand.Row::stack)
                .containsExactly(SHOP);
    }

    @Test
    void withoutTheEngineHealthIsUnknownAndRevisionIsTheLastGood() {
        var rows = StatusCommand.rows(List.of(history(SHOP, Status.QUARANTINED, NOW)), null);
        assertThat(StatusCommand.table(rows, NOW))
                .containsPattern("prod +shop +aaaaaaa +unknown +quarantined aaaaaaa +0s");
        assertThat(rows.get(0).needsAttention()).isTrue();
    }

    @Test
    void healthSummaries() {
        assertThat(health(SHOP, 3, 3, 3, 0).summary()).isEqualTo("healthy 3/3");
        assertThat(health(SHOP, 3, 3, 1, 1).summary()).isEqualTo("unhealthy 1/3");
        assertThat(health(SHOP, 2, 1, 0, 0).summary()).isEqualTo("degraded 1/2");
        assertThat(new StackHealth(SHOP, new TreeSet<>(), 3, 2, 0, 0, 0, 1, Map.of()).summary())
                .isEqualTo("running 2/2");
        assertThat(new StackHealth(SHOP, new TreeSet<>(), 2, 2, 1, 0, 1, 0, Map.of()).summary())
                .isEqualTo("starting 1/2");
    }

    @Test
    void agesAsOperatorsReadThem() {
        assertThat(StatusCommand.age(Duration.ofSeconds(42))).isEqualTo("42s");
        assertThat(StatusCommand.age(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(StatusCommand.age(Duration.ofHours(3))).isEqualTo("3h");
        assertThat(StatusCommand.age(Duration.ofDays(2))).isEqualTo("2d");
        assertThat(StatusCommand.age(Duration.ofSeconds(-3))).isEqualTo("0s");
    }
}
