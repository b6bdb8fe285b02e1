package dev.berth.cli;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@link ComposeStackIT}'s scenario, every step, with Compose v2 ({@code docker compose}, the Docker
 * CLI plugin) instead of docker-compose 1.29.2: the root compose files must work with both. Skipped
 * when {@code docker compose version} does not report v2 ({@code .ci/compose-v2.sh} installs
 * Debian trixie's plugin beside docker-compose 1.29.2).
 */
class ComposeV2StackIT extends ComposeStackIT {
    @Override
    protected List<String> composeCommand() {
        return List.of("docker", "compose");
    }

    @Override
    protected @Nullable String composeMissing() {
        String version;
        try {
            version = run(Duration.ofSeconds(30), Map.of(), "docker", "compose", "version")
                    .strip();
        } catch (IllegalStateException e) {
            return "Compose v2 is not installed (`docker compose version` fails): run .ci/compose-v2.sh";
        }
        return version.matches("(?s).*[Vv]ersion v?2\\..*")
                ? null
                : "`docker compose version` does not report Compose v2 (" + version + "): run .ci/compose-v2.sh";
    }
}
