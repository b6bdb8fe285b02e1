package dev.berth.deployer.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.compose.ServiceSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The config hash Berth labels a container with ({@code berth.config-hash}): equal hashes mean the
 * running container is what the stack asks for. Pure; thread-safe.
 */
final class ConfigHash {
    private final ObjectMapper json;

    /** @param json the event mapper ({@code EventCodec.json()}), so a spec serialises as it does in events */
    ConfigHash(ObjectMapper json) {
        this.json = Objects.requireNonNull(json, "json");
    }

    /** The hash of a service that joins one network. */
    String of(ServiceSpec service, String imageId, String network) {
        return of(service, imageId, List.of(network));
    }

    /**
     * SHA-256 (hex) of the normalised spec, the local image id its image resolves to (so a re-tagged
     * image replaces the container) and the engine names of the networks it joins (so a network that
     * is renamed or becomes external replaces it too). The replica count is left out: scaling a
     * service adds or removes containers and leaves the others running; so are the update policy and
     * Berth's gate, which say how containers are replaced, not what they run.
     */
    String of(ServiceSpec service, String imageId, Collection<String> networks) {
        try {
            ObjectNode spec = SpecFields.of(json, service);
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(json.writeValueAsBytes(spec));
            digest.update(("\n" + imageId).getBytes(StandardCharsets.UTF_8));
            for (String network : networks.stream().sorted().toList()) {
                digest.update(("\n" + network).getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot hash service " + service.name(), e);
        }
    }
}
