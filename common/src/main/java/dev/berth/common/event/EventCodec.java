package dev.berth.common.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.berth.common.BerthException;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;

/**
 * Maps events to and from their JSON value: a CDEvents 0.5.1 document
 * ({@code context}, {@code subject}, {@code customData}). For CDEvents core types the subject content
 * follows the specification and Berth's record goes in {@code customData}; for Berth's custom types
 * the record is the subject content. Thread-safe.
 */
public final class EventCodec {
    /** Where a subject's {@code source} points when there is nothing more specific. */
    private static final String SUBJECT_SOURCE = "/berth";

    private final ObjectMapper json = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** The shared mapper, configured for Berth's records (ISO-8601 times and durations). */
    public ObjectMapper json() {
        return json;
    }

    /** The CDEvents document of an event, as a tree. */
    public ObjectNode toCdEvent(Envelope envelope) {
        BerthEvent event = envelope.event();
        EventType type = event.type();
        ObjectNode root = json.createObjectNode();
        ObjectNode context = root.putObject("context");
        context.put("specversion", EventType.CDEVENTS_SPEC_VERSION);
        context.put("id", envelope.id());
        context.put("source", envelope.source().toString());
        context.put("type", type.ceType());
        context.put("timestamp", envelope.time().toString());
        context.put("chainId", envelope.chainId());
        ObjectNode subject = root.putObject("subject");
        JsonNode record = json.valueToTree(event);
        if (type.isCdEvent()) {
            String service = record.path("service").asText();
            subject.put("id", event.stack().key() + "/" + service);
            subject.put("source", SUBJECT_SOURCE + "/" + event.stack().key());
            ObjectNode content = subject.putObject("content");
            content.putObject("environment").put("id", event.stack().environment());
            if (event instanceof ServiceDeployed d) {
                content.put("artifactId", Purl.ofImage(d.image()));
            } else if (event instanceof ServiceUpgraded u) {
                content.put("artifactId", Purl.ofImage(u.image()));
            } else if (event instanceof ServiceRolledBack r) {
                content.put("artifactId", Purl.ofImage(r.image()));
            }
            root.set("customData", record);
            root.put("customDataContentType", "application/json");
        } else {
            subject.put("id", event.stack().key());
            subject.put("source", SUBJECT_SOURCE + "/" + event.stack().key());
            subject.set("content", record);
        }
        return root;
    }

    /** The event's Kafka value: its CDEvents document as UTF-8 JSON. */
    public byte[] encode(Envelope envelope) {
        try {
            return json.writeValueAsBytes(toCdEvent(envelope));
        } catch (JsonProcessingException e) {
            throw new BerthException(
                    "could not write event " + envelope.id() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads an event from its CloudEvents type and JSON value.
     *
     * @throws BerthException when the type is unknown or the value does not match it
     */
    public Envelope decode(String ceType, byte[] value) {
        EventType type = EventType.ofCeType(ceType);
        try {
            JsonNode root = json.readTree(value);
            JsonNode context = root.path("context");
            JsonNode record = type.isCdEvent()
                    ? root.path("customData")
                    : root.path("subject").path("content");
            BerthEvent event = json.treeToValue(record, type.recordClass());
            return new Envelope(
                    context.path("id").asText(),
                    URI.create(context.path("source").asText()),
                    Instant.parse(context.path("timestamp").asText()),
                    context.path("chainId").asText(context.path("id").asText()),
                    event);
        } catch (IOException | RuntimeException e) {
            throw new BerthException("could not read a " + ceType + " event: " + e.getMessage(), e);
        }
    }

    /**
     * The CloudEvents 1.0 structured-mode JSON of an event ({@code application/cloudevents+json}):
     * the attributes plus {@code data}, the CDEvents document. Used where there are no headers to
     * carry the attributes, such as webhooks.
     */
    public ObjectNode toStructured(Envelope envelope) {
        ObjectNode root = json.createObjectNode();
        root.put("specversion", "1.0");
        root.put("id", envelope.id());
        root.put("source", envelope.source().toString());
        root.put("type", envelope.type().ceType());
        root.put("time", envelope.time().toString());
        root.put("subject", envelope.subject());
        root.put("datacontenttype", "application/json");
        root.set("data", toCdEvent(envelope));
        return root;
    }
}
