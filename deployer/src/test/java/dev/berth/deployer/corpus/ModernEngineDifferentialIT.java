package dev.berth.deployer.corpus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link DifferentialIT}, every stack, on the modern engine {@link ModernEngine} names (Docker 26 in CI,
 * beside the machine's 20.10): Compose v2 and Berth bring each stack up on that engine and must agree
 * there too. Skipped when no modern engine is named. It runs at the same time as DifferentialIT (see
 * there), from the other end of the corpus.
 */
class ModernEngineDifferentialIT extends DifferentialIT {
    /**
     * The corpus from its end: DifferentialIT, running at the same time on the local engine, starts at its
     * beginning, so the two passes rarely wait for the same stack.
     */
    static Stream<CorpusStack> stacks() {
        List<CorpusStack> stacks = new ArrayList<>(Corpus.selected());
        Collections.reverse(stacks);
        return stacks.stream();
    }

    @BeforeAll
    static void modernEngineAnswers() {
        ModernEngine.assumeAnswers();
    }

    @Override
    DockerCli docker() {
        return ModernEngine.docker();
    }

    @Override
    String environment() {
        return "dim";
    }
}
