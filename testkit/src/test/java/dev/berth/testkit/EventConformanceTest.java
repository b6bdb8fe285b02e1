package dev.berth.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.DeploymentFailed;
import dev.berth.common.event.DeploymentStarted;
import dev.berth.common.event.DeploymentSucceeded;
import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.event.EventType;
import dev.berth.common.event.ServiceDeployed;
import dev.berth.common.event.ServiceRemoved;
import dev.berth.common.event.ServiceRolledBack;
import dev.berth.common.event.ServiceUpgraded;
import dev.berth.common.event.SourceFailed;
import dev.berth.common.event.SourceRecovered;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackInvalid;
import dev.berth.common.event.StackRemoved;
import dev.berth.common.event.StackRetryRequested;
import dev.berth.common.event.StackRollbackRequested;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every event type round-trips through its JSON value, and CDEvents core types match the 0.5.1 schemas. */
class EventConformanceTest {
    private static final StackRef STACK = new StackRef("dev", "shop");
    private static final Commit COMMIT = new Commit(
            "0123456789abcdef0123456789abcdef01234567",
            "Alice",
            "Add shop\n\nwith a body",
            Instant.parse("2026-11-22T10:00:00Z"));
    private static final Commit COMMAND =
            new Commit("", "alice", "berth rollback dev/shop", Instant.parse("2026-11-22T10:00:00Z"));
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T10:00:01Z"), ZoneOffset.UTC);

    private final EventCodec codec = new EventCodec();
    private final CdEventsSchemas schemas = new CdEventsSchemas();

    static List<BerthEvent> oneOfEach() {
        return List.of(
                new StackChanged(
                        STACK, COMMIT, "stacks/shop/compose.yaml", "services: {}", List.of("stacks/shop/compose.yaml")),
                new StackRemoved(STACK, COMMIT),
                new StackInvalid(STACK, COMMIT, "stacks/shop/compose.yaml", 3, 7, "bad"),
                new DeploymentStarted(STACK, "d1", COMMIT, List.of("create web")),
                new ServiceDeployed(STACK, "d1", COMMIT, "web", "busybox:1.35", "abc"),
                new ServiceUpgraded(STACK, "d1", COMMIT, "web", "registry.local:5000/team/web@sha256:00ff", "abc"),
                new ServiceRemoved(STACK, "d1", COMMIT, "old"),
                new DeploymentSucceeded(STACK, "d1", COMMIT, List.of("create web"), Duration.ofMillis(1500)),
                new DeploymentFailed(STACK, "d1", COMMIT, "web", "unhealthy", "exit 1", Duration.ofSeconds(2)),
                new ServiceRolledBack(STACK, "d1", COMMIT, "web", "busybox:1.35", "abc"),
                new StackRollbackRequested(STACK, COMMAND, "0123456", "alice"),
                new StackRetryRequested(STACK, COMMAND, "alice"),
                new SourceFailed(
                        "dev",
                        COMMIT,
                        "https://git.example/config.git",
                        "main",
                        "could not fetch https://git.example/config.git: not authorized",
                        3),
                new SourceRecovered("dev", COMMIT, "https://git.example/config.git", "main", 4));
    }

    @ParameterizedTest
    @MethodSource("oneOfEach")
    void roundTripsAndConforms(BerthEvent event) throws Exception {
        Envelope envelope = Envelope.newChain(URI.create("/berth/test"), CLOCK, event);
        byte[] value = codec.encode(envelope);

        assertThat(codec.decode(envelope.type().ceType(), value)).isEqualTo(envelope);

        JsonNode document = codec.json().readTree(value);
        assertThat(document.at("/context/type").asText())
                .isEqualTo(envelope.type().ceType());
        assertThat(document.at("/context/chainId").asText()).isEqualTo(envelope.chainId());
        if (envelope.type().isCdEvent()) {
            assertThat(schemas.validate(envelope.type().ceType(), document)).isEmpty();
        } else {
            assertThat(envelope.type().ceType())
                    .matches("dev\\.cdeventsx\\.berth-[a-z]+\\.[a-z]+(-[a-z]+)*\\.\\d+\\.\\d+\\.\\d+");
            assertThat(schemas.validateCustom(document)).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("oneOfEach")
    void structuredModeWrapsTheDocument(BerthEvent event) {
        Envelope envelope = Envelope.newChain(URI.create("/berth/test"), CLOCK, event);
        JsonNode structured = codec.toStructured(envelope);
        assertThat(structured.get("specversion").asText()).isEqualTo("1.0");
        assertThat(structured.get("subject").asText())
                .isEqualTo(envelope.subject())
                .startsWith("dev/");
        assertThat(structured.at("/data/context/id").asText()).isEqualTo(envelope.id());
    }

    @Test
    void aChangeWithFilesRoundTripsAsBase64AndStaysValid() throws Exception {
        byte[] binary = {0, 1, 2, (byte) 0xff, (byte) 0xfe, '\n'};
        Map<String, byte[]> contents = new TreeMap<>();
        contents.put("stacks/shop/compose.yaml", "services: {}\n".getBytes(StandardCharsets.UTF_8));
        contents.put("stacks/shop/html/logo.png", binary);
        contents.put("shared/common.env", "GREETING=héllo\n".getBytes(StandardCharsets.UTF_8));
        StackChanged change = new StackChanged(
                STACK,
                COMMIT,
                "stacks/shop/compose.yaml",
                "services: {}\n",
                List.of("shared/common.env"),
                Map.of("TAG", "1.35"),
                new StackFiles(contents));
        Envelope envelope = Envelope.newChain(URI.create("/berth/test"), CLOCK, change);
        byte[] value = codec.encode(envelope);

        Envelope decoded = codec.decode(envelope.type().ceType(), value);
        assertThat(decoded).isEqualTo(envelope);
        StackFiles files = ((StackChanged) decoded.event()).files();
        assertThat(files.paths())
                .containsExactly("shared/common.env", "stacks/shop/compose.yaml", "stacks/shop/html/logo.png");
        assertThat(files.bytes("stacks/shop/html/logo.png")).hasValue(binary);
        assertThat(files.text("shared/common.env")).contains("GREETING=héllo\n");

        JsonNode document = codec.json().readTree(value);
        assertThat(document.at("/subject/content/files/stacks~1shop~1html~1logo.png")
                        .asText())
                .isEqualTo(Base64.getEncoder().encodeToString(binary));
        assertThat(schemas.validateCustom(document)).isEmpty();
    }

    @Test
    void aCustomDocumentWithoutItsContextIsNotValid() throws Exception {
        Envelope envelope = Envelope.newChain(URI.create("/berth/test"), CLOCK, new StackRemoved(STACK, COMMIT));
        ObjectNode document = (ObjectNode) codec.json().readTree(codec.encode(envelope));
        ((ObjectNode) document.get("context")).put("type", "dev.cdevents.stack.removed.0.1.0");
        ((ObjectNode) document.get("context")).remove("timestamp");

        assertThat(schemas.validateCustom(document)).hasSize(2);
    }

    @Test
    void aFailureRolledBackCarriesItsTarget() {
        DeploymentFailed failed = new DeploymentFailed(
                STACK, "d1", COMMIT, "web", "unhealthy", "", Duration.ofSeconds(2), "fedcba9876543210");
        Envelope envelope = Envelope.newChain(URI.create("/berth/test"), CLOCK, failed);
        assertThat(codec.decode(envelope.type().ceType(), codec.encode(envelope)))
                .isEqualTo(envelope);
        assertThat(codec.toCdEvent(envelope).at("/subject/content/rolledBackTo").asText())
                .isEqualTo("fedcba9876543210");
    }

    @Test
    void aRollbackWithoutTargetRoundTrips() {
        Envelope envelope = Envelope.newChain(
                URI.create("/berth/test"), CLOCK, new StackRollbackRequested(STACK, COMMAND, null, "alice"));
        assertThat(codec.decode(envelope.type().ceType(), codec.encode(envelope)))
                .isEqualTo(envelope);
    }

    @Test
    void everyTypeIsCovered() {
        assertThat(oneOfEach().stream().map(BerthEvent::type).toList())
                .containsExactlyInAnyOrderElementsOf(Arrays.asList(EventType.values()));
    }
}
