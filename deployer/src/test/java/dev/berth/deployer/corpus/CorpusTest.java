package dev.berth.deployer.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.compose.PortMapping;
import dev.berth.common.compose.ServiceSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The corpus is well-formed, and docs/compose.md shows every known difference it lists. */
class CorpusTest {
    private static final Set<String> KNOWN_KEYS = Set.of(
            "description",
            "features",
            "variables",
            "hostVariables",
            "policy",
            "prepare",
            "deploy",
            "compose",
            "services",
            "absent",
            "networks",
            "volumes",
            "networksKept",
            "next");

    @Test
    void holdsAtLeastTwentyFiveStacksEachWithExpectations() {
        List<CorpusStack> stacks = Corpus.stacks();
        assertThat(stacks).hasSizeGreaterThanOrEqualTo(25);
        for (CorpusStack stack : stacks) {
            JsonNode expect = stack.expect();
            Set<String> keys = new TreeSet<>();
            expect.fieldNames().forEachRemaining(keys::add);
            assertThat(KNOWN_KEYS).as("keys of %s/expect.json", stack).containsAll(keys);
            assertThat(expect.path("services").size())
                    .as("services of %s", stack)
                    .isPositive();
            assertThat(stack.features()).as("features of %s", stack).isNotEmpty();
            assertThat(expect.path("compose").has("runs"))
                    .as("%s says whether Compose v2, the reference, runs it", stack)
                    .isTrue();
            if (!expect.path("compose").path("runs").asBoolean()) {
                assertThat(expect.path("compose").path("reason").asText())
                        .as("why not, for %s", stack)
                        .isNotBlank();
            }
        }
    }

    /**
     * Two corpus stacks may run at once (the two engines' passes of DifferentialIT do), so no two may
     * publish the same host port, in any revision.
     */
    @Test
    void noTwoStacksPublishTheSameHostPort() {
        Map<Integer, String> owners = new TreeMap<>();
        for (CorpusStack stack : Corpus.stacks()) {
            List<String> files = new ArrayList<>(List.of(CorpusStack.COMPOSE));
            JsonNode next = stack.expect().path("next").path("file");
            if (!next.isMissingNode()) {
                files.add(next.asText());
            }
            for (String file : files) {
                for (ServiceSpec service :
                        Parsing.parse(stack, stack.policy(), file).services()) {
                    for (PortMapping port : service.ports()) {
                        if (port.hostPort() == null) {
                            continue;
                        }
                        int end = port.hostPortEnd() == null ? port.hostPort() : port.hostPortEnd();
                        for (int p = port.hostPort(); p <= end; p++) {
                            String owner = owners.putIfAbsent(p, stack.name());
                            assertThat(owner == null || owner.equals(stack.name()))
                                    .as("host port %d is published by %s and %s", p, owner, stack)
                                    .isTrue();
                        }
                    }
                }
            }
        }
    }

    @Test
    void docsListEveryKnownDifference() throws Exception {
        String docs = Files.readString(Path.of("..", "docs", "compose.md"), StandardCharsets.UTF_8);
        for (KnownDifferences.Entry entry : KnownDifferences.load(Corpus.root()).entries()) {
            assertThat(docs)
                    .as("docs/compose.md shows %s", entry)
                    .contains("| " + entry.stack() + " | " + entry.service() + " | " + entry.field() + " | "
                            + entry.reason() + " |");
        }
    }
}
