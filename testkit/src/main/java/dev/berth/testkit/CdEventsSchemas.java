package dev.berth.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.AbsoluteIri;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CDEvents 0.5.1 JSON schemas from {@code ../shared/cdevents-0.5.1/} (found from the working
 * directory upwards, or named by {@code BERTH_CDEVENTS_SCHEMAS}), to validate emitted events.
 */
public final class CdEventsSchemas {
    private static final String SCHEMA_BASE = "https://cdevents.dev/0.5.1/schema/";
    private static final Map<String, String> FILES = Map.of(
            "dev.cdevents.service.deployed.0.3.0", "servicedeployed.json",
            "dev.cdevents.service.upgraded.0.3.0", "serviceupgraded.json",
            "dev.cdevents.service.removed.0.3.0", "serviceremoved.json",
            "dev.cdevents.service.rolledback.0.3.0", "servicerolledback.json",
            "dev.cdevents.change.merged.0.3.0", "changemerged.json",
            "dev.cdevents.incident.detected.0.3.0", "incidentdetected.json",
            "dev.cdevents.incident.resolved.0.3.0", "incidentresolved.json");

    private static final String CUSTOM = "custom";
    private static final String CUSTOM_TYPE =
            "^dev\\.cdeventsx\\.[a-z0-9]+-[a-z0-9-]+\\.[a-z0-9-]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final JsonSchemaFactory factory;
    private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();

    public CdEventsSchemas() {
        this.dir = locate();
        this.factory = JsonSchemaFactory.getInstance(
                SpecVersion.VersionFlag.V202012,
                builder -> builder.schemaMappers(mappers -> mappers.add(iri -> {
                    String text = iri.toString();
                    if (text.startsWith(SCHEMA_BASE + "links/")) {
                        return AbsoluteIri.of(dir.resolve("links")
                                .resolve(text.substring((SCHEMA_BASE + "links/").length()) + ".json")
                                .toUri()
                                .toString());
                    }
                    return null;
                })));
    }

    /** True for the CDEvents core types these schemas cover. */
    public static boolean covers(String type) {
        return FILES.containsKey(type);
    }

    /**
     * Validation messages of a custom-type document ({@code dev.cdeventsx.<producer>-<subject>.<predicate>.<version>})
     * against the CDEvents 0.5.1 envelope: the core schemas' {@code context}, with the type's custom
     * form, and a {@code subject} whose {@code content} is any object; empty when valid.
     */
    public Set<ValidationMessage> validateCustom(JsonNode document) {
        JsonSchema schema = schemas.computeIfAbsent(CUSTOM, f -> {
            try (InputStream in = Files.newInputStream(dir.resolve("servicedeployed.json"))) {
                ObjectNode root = (ObjectNode) JSON.readTree(in);
                root.put("$id", SCHEMA_BASE + "berth-custom-event");
                ObjectNode type = (ObjectNode) root.at("/properties/context/properties/type");
                type.remove("enum");
                type.remove("default");
                type.put("pattern", CUSTOM_TYPE);
                ObjectNode subject = (ObjectNode) root.at("/properties/subject/properties");
                subject.set("content", JSON.createObjectNode().put("type", "object"));
                return factory.getSchema(root);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return schema.validate(document);
    }

    /** Validation messages of a CDEvents document against the schema of its type; empty when valid. */
    public Set<ValidationMessage> validate(String type, JsonNode document) {
        String file = FILES.get(type);
        if (file == null) {
            throw new IllegalArgumentException(
                    "no CDEvents 0.5.1 schema for type " + type + "; known: " + FILES.keySet());
        }
        JsonSchema schema = schemas.computeIfAbsent(file, f -> {
            try (InputStream in = Files.newInputStream(dir.resolve(f))) {
                return factory.getSchema(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return schema.validate(document);
    }

    private static Path locate() {
        String configured = System.getenv("BERTH_CDEVENTS_SCHEMAS");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path at = Path.of("").toAbsolutePath(); at != null; at = at.getParent()) {
            for (Path candidate :
                    List.of(at.resolve("shared/cdevents-0.5.1"), at.resolve("../shared/cdevents-0.5.1"))) {
                if (Files.isDirectory(candidate)) {
                    return candidate.normalize();
                }
            }
        }
        throw new IllegalStateException("CDEvents schemas not found: put them at ../shared/cdevents-0.5.1 beside"
                + " the checkout or name the folder with BERTH_CDEVENTS_SCHEMAS");
    }
}
