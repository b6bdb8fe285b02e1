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
 * @param command the command in exec form, or null to keep the image's
 * @param healthcheck null to keep the image's HEALTHCHECK
 */
public record ServiceSpec(
        String name,
        String image,
        @Nullable List<String> command,
        Map<String, String> environment,
        List<PortMapping> ports,
        @Nullable HealthCheck healthcheck,
        Map<String, String> labels) {
    public ServiceSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        command = command == null ? null : List.copyOf(command);
        environment = Collections.unmodifiableMap(new TreeMap<>(environment));
        ports = List.copyOf(ports);
        labels = Collections.unmodifiableMap(new TreeMap<>(labels));
    }
}
