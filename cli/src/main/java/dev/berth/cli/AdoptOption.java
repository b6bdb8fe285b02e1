package dev.berth.cli;

import picocli.CommandLine.Option;

/** {@code --adopt}: for {@code berth run} and {@code berth deployer}. */
final class AdoptOption {
    @Option(
            names = "--adopt",
            description = {
                "Let the first deployment of a service with container_name replace a container of that name that"
                        + " docker compose created (it carries com.docker.compose.project labels): stop-first and"
                        + " gated like an update, the Compose container put back under its name if the new one"
                        + " fails its gate. Without it, such a container fails the deployment before anything is"
                        + " touched. A container of that name that docker compose did not create is refused either"
                        + " way. Environment files say it with deploy.adopt: true (see docs/environments.md)."
            })
    boolean adopt;
}
