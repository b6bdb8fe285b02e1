package dev.berth.deployer.corpus;

import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposeStack;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the corpus ITs do to a compose project on an engine: find its containers, images and volumes, and
 * remove everything it left, whether Berth or Compose created it.
 */
final class CorpusProjects {
    /** The images the corpus runs as they are on the machine: never removed, and not built ones. */
    static final Set<String> BASE_IMAGES = Set.of("busybox:1.35", "eclipse-temurin:17-jre", "apache/kafka:4.3.1");

    private CorpusProjects() {}

    /** The stack parsed with its policy; skipped when the parser says Berth does not support a key yet. */
    static ComposeStack parseOrSkip(CorpusStack stack, String file) {
        try {
            return Parsing.parse(stack, stack.policy(), file);
        } catch (ComposeException e) {
            Optional<String> why = Parsing.notLanded(e);
            assumeThat(why).as("%s: %s", stack, why.orElse("")).isEmpty();
            throw e;
        }
    }

    /** Container id by {@code <service>#<number>}, of {@link #inspectAll}'s containers. */
    static Map<String, String> ids(List<JsonNode> containers) {
        Map<String, String> ids = new HashMap<>();
        for (JsonNode c : containers) {
            JsonNode labels = c.at("/Config/Labels");
            ids.put(
                    labels.path(Expectations.SERVICE_LABEL).asText() + "#"
                            + labels.path("com.docker.compose.container-number").asText(),
                    c.path("Id").asText());
        }
        return ids;
    }

    /** The entries of {@link #ids} that belong to one service. */
    static Map<String, String> ofService(Map<String, String> ids, String service) {
        Map<String, String> result = new HashMap<>();
        ids.forEach((k, v) -> {
            if (k.startsWith(service + "#")) {
                result.put(k, v);
            }
        });
        return result;
    }

    /** Every container of the project, inspected: two {@code docker} processes, however many there are. */
    static List<JsonNode> inspectAll(DockerCli docker, String project) {
        return docker.inspect("container", docker.containers(Map.of(Expectations.PROJECT_LABEL, project)));
    }

    /** The images {@link #inspectAll}'s containers run that the corpus built (not the machine's base images). */
    static Set<String> images(List<JsonNode> containers) {
        Set<String> images = new TreeSet<>();
        for (JsonNode c : containers) {
            String image = c.at("/Config/Image").asText();
            if (!BASE_IMAGES.contains(image)) {
                images.add(image);
            }
        }
        return images;
    }

    /** The volumes mounted into {@link #inspectAll}'s containers, anonymous ones included. */
    static Set<String> volumes(List<JsonNode> containers) {
        Set<String> volumes = new TreeSet<>();
        for (JsonNode c : containers) {
            for (JsonNode mount : c.path("Mounts")) {
                if (mount.path("Type").asText().equals("volume")) {
                    volumes.add(mount.path("Name").asText());
                }
            }
        }
        return volumes;
    }

    /**
     * Removes everything the project left: containers, networks, named volumes, built images; not the
     * external networks the stack was prepared with.
     */
    static void cleanUp(DockerCli docker, String project, CorpusStack stack, Set<String> images, Set<String> mounted) {
        docker.removeQuietly("container", docker.containers(Map.of(Expectations.PROJECT_LABEL, project)));
        List<String> networks = new ArrayList<>(docker.labelled("network", project));
        stack.expect()
                .path("networks")
                .fieldNames()
                .forEachRemaining(n -> networks.add(n.replace("${PROJECT}", project)));
        networks.add(project + "_default");
        networks.removeAll(stack.preparedNetworks());
        docker.removeQuietly("network", networks.stream().distinct().toList());
        List<String> volumes = new ArrayList<>(docker.labelled("volume", project));
        volumes.addAll(mounted);
        stack.expect()
                .path("volumes")
                .fieldNames()
                .forEachRemaining(v -> volumes.add(v.replace("${PROJECT}", project)));
        docker.removeQuietly("volume", volumes.stream().distinct().toList());
        docker.removeQuietly("image", new ArrayList<>(images));
    }
}
