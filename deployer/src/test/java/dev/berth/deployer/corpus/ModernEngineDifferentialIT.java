package dev.berth.deployer.corpus;

import org.junit.jupiter.api.BeforeAll;

/**
 * {@link DifferentialIT}, every stack, on the modern engine {@link ModernEngine} names (Docker 26 in CI,
 * beside the machine's 20.10): Compose v2 and Berth bring each stack up on that engine and must agree
 * there too. Skipped when no modern engine is named.
 */
class ModernEngineDifferentialIT extends DifferentialIT {
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
