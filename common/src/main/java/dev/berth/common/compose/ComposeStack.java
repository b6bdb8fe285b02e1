package dev.berth.common.compose;

import java.util.List;
import java.util.Optional;

/** A parsed compose document: its services in the order the file declares them. */
public record ComposeStack(List<ServiceSpec> services) {
    public ComposeStack {
        services = List.copyOf(services);
    }

    public Optional<ServiceSpec> service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
