package dev.berth.deployer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.StackRef;
import dev.berth.common.event.EventCodec;
import dev.berth.deployer.StackHistory.Revision;
import dev.berth.deployer.StackHistory.Status;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StackHistoryTest {
    private static final StackRef STACK = new StackRef("dev", "shop");
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");

    private static Revision rev(String sha, Status status) {
        return new Revision(sha, "subject " + sha, status, "d-" + sha, T, "");
    }

    @Test
    void keepsTheNewestTwentyNewestFirst() {
        StackHistory history = StackHistory.empty(STACK);
        for (int i = 0; i < 25; i++) {
            history = history.record(rev("sha" + i, Status.GOOD));
        }
        assertThat(history.revisions()).hasSize(StackHistory.MAX_REVISIONS);
        assertThat(history.revisions().get(0).revision()).isEqualTo("sha24");
        assertThat(history.revisions().get(19).revision()).isEqualTo("sha5");
    }

    @Test
    void findsByShaOrUniquePrefix() {
        StackHistory history = StackHistory.empty(STACK)
                .record(rev("abcdef1", Status.GOOD))
                .record(rev("abcdef2", Status.GOOD))
                .record(rev("0123456", Status.GOOD));
        assertThat(history.find("0123")).map(Revision::revision).hasValue("0123456");
        assertThat(history.find("abcdef2")).map(Revision::revision).hasValue("abcdef2");
        assertThat(history.find("abcd")).isEmpty();
        assertThat(history.find("012")).isEmpty();
        assertThat(history.find("deadbeef")).isEmpty();
    }

    @Test
    void previousGoodSkipsTheCurrentAndTheBad() {
        StackHistory history = StackHistory.empty(STACK)
                .record(rev("one", Status.GOOD))
                .record(rev("two", Status.FAILED))
                .record(rev("three", Status.QUARANTINED))
                .record(rev("four", Status.GOOD))
                .withLastGood("four");
        assertThat(history.previousGood(history.lastGood()))
                .map(Revision::revision)
                .hasValue("one");
    }

    @Test
    void marksAnEntryByItsDeployment() {
        StackHistory history = StackHistory.empty(STACK)
                .record(rev("one", Status.APPLIED))
                .mark("d-one", Status.QUARANTINED, T.plusSeconds(5), "gate failed")
                .withQuarantined("one");
        assertThat(history.revisions().get(0))
                .isEqualTo(new Revision(
                        "one", "subject one", Status.QUARANTINED, "d-one", T.plusSeconds(5), "gate failed"));
        assertThat(history.isQuarantined("one")).isTrue();
        assertThat(history.isQuarantined("two")).isFalse();
    }

    @Test
    void roundTripsAsJson() throws Exception {
        EventCodec codec = new EventCodec();
        StackHistory history = StackHistory.empty(STACK)
                .record(rev("one", Status.GOOD))
                .withLastGood("one")
                .withQuarantined("two");
        String json = codec.json().writeValueAsString(history);
        assertThat(codec.json().readValue(json, StackHistory.class)).isEqualTo(history);
        assertThat(json).contains("\"status\":\"good\"").contains("\"stack\":\"dev/shop\"");
    }

    @Test
    void anEntryIsInFlightUntilItsTerminalEventIsWritten() {
        StackHistory history =
                StackHistory.empty(STACK).record(rev("one", Status.GOOD)).record(rev("two", Status.APPLIED));
        assertThat(history.inFlight()).extracting(Revision::revision).containsExactly("two");
        history = history.mark("d-two", Status.FAILED, T.plusSeconds(5), "interrupted", false);
        assertThat(history.inFlight()).extracting(Revision::revision).containsExactly("two");
        history = history.mark("d-two", Status.FAILED, T.plusSeconds(6), "interrupted", true);
        assertThat(history.inFlight()).isEmpty();
        assertThat(history.revisions().get(0).terminalWritten()).isTrue();
    }

    @Test
    void readsHistoriesWrittenBeforeTheTerminalMarker() throws Exception {
        EventCodec codec = new EventCodec();
        String json = "{\"stack\":\"dev/shop\",\"lastGood\":\"one\",\"revisions\":["
                + "{\"revision\":\"two\",\"subject\":\"s\",\"status\":\"applied\",\"deploymentId\":\"d2\","
                + "\"time\":\"2026-11-22T10:00:05Z\",\"reason\":\"\"},"
                + "{\"revision\":\"one\",\"subject\":\"s\",\"status\":\"good\",\"deploymentId\":\"d1\","
                + "\"time\":\"2026-11-22T10:00:00Z\",\"reason\":\"\"}]}";
        StackHistory history = codec.json().readValue(json, StackHistory.class);
        assertThat(history.inFlight()).extracting(Revision::deploymentId).containsExactly("d2");
        String again = codec.json().writeValueAsString(history.mark("d2", Status.FAILED, T, "interrupted"));
        assertThat(codec.json().readValue(again, StackHistory.class).inFlight()).isEmpty();
    }
}
