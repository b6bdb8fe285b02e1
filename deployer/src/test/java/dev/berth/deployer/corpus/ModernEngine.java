package dev.berth.deployer.corpus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.util.Optional;

/**
 * The second engine the corpus runs on: a newer Docker Engine than the machine's own (CI's is 20.10, API
 * 1.41; users run 24 to 28), named by the system property {@code berth.it.modern-docker-host} or the
 * variable {@code BERTH_IT_MODERN_DOCKER_HOST} ({@code unix:///run/berth-engines/modern/docker.sock}, as
 * {@code .ci/modern-engine.sh start} prints it). Tests on it are skipped, saying why, when neither is set.
 */
final class ModernEngine {
    static final String PROPERTY = "berth.it.modern-docker-host";
    static final String VARIABLE = "BERTH_IT_MODERN_DOCKER_HOST";

    private ModernEngine() {}

    /** The engine's URL, if one is named. */
    static Optional<String> host() {
        String host = System.getProperty(PROPERTY, "");
        if (host.isBlank()) {
            host = Optional.ofNullable(System.getenv(VARIABLE)).orElse("");
        }
        return host.isBlank() ? Optional.empty() : Optional.of(host.strip());
    }

    /** The named engine; call {@link #assumeAnswers()} first. */
    static DockerCli docker() {
        return DockerCli.at(host().orElseThrow(() -> new IllegalStateException(VARIABLE + " is not set")));
    }

    /**
     * Skips the calling test class when no engine is named; fails when the named engine does not
     * answer: whoever named it expected it to run.
     */
    static void assumeAnswers() {
        Optional<String> host = host();
        assumeThat(host)
                .as(
                        "no modern engine: %s (or -D%s) is not set; .ci/modern-engine.sh start starts one and prints"
                                + " its URL",
                        VARIABLE, PROPERTY)
                .isPresent();
        DockerCli docker = DockerCli.at(host.orElseThrow());
        DockerCli.Result version =
                docker.docker("version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})");
        assertThat(version.ok())
                .as("the modern engine %s=%s answers: %s", VARIABLE, docker, version.err())
                .isTrue();
    }
}
