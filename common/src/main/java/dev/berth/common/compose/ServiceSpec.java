package dev.berth.common.compose;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One service of a compose stack, normalised: short and long syntaxes read into one form, maps
 * sorted, so equal specs are equal records and hash alike.
 *
 * @param entrypoint the entrypoint in exec form, or null to keep the image's
 * @param command the command in exec form, or null to keep the image's
 * @param expose container ports exposed without publishing, as {@code port/protocol}
 * @param healthcheck null to keep the image's HEALTHCHECK
 * @param dependsOn the services this one starts after, with Compose's condition
 *     ({@code service_started} or {@code service_healthy})
 */
public record ServiceSpec(
        String name,
        String image,
        @Nullable List<String> entrypoint,
        @Nullable List<String> command,
        Map<String, String> environment,
        List<PortMapping> ports,
        List<String> expose,
        @Nullable HealthCheck healthcheck,
        Map<String, String> labels,
        Map<String, String> dependsOn,
        ContainerOptions options) {
    public ServiceSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
        command = command == null ? null : List.copyOf(command);
        environment = Collections.unmodifiableMap(new TreeMap<>(environment));
        ports = List.copyOf(ports);
        expose = List.copyOf(expose);
        labels = Collections.unmodifiableMap(new TreeMap<>(labels));
        dependsOn = Collections.unmodifiableMap(new TreeMap<>(dependsOn));
        Objects.requireNonNull(options, "options");
    }
}
