package dev.berth.deployer.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
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
