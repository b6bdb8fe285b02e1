package dev.berth.common.kafka;

import dev.berth.common.event.Envelope;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jspecify.annotations.Nullable;

/** The CloudEvents Kafka protocol binding, binary mode: attributes as {@code ce_*} headers. */
public final class CloudEventHeaders {
    public static final String SPECVERSION = "ce_specversion";
    public static final String ID = "ce_id";
    public static final String SOURCE = "ce_source";
    public static final String TYPE = "ce_type";
    public static final String TIME = "ce_time";
    public static final String SUBJECT = "ce_subject";
    public static final String CHAIN_ID = "ce_chainid";
    public static final String CONTENT_TYPE = "content-type";

    public static final String CLOUDEVENTS_SPEC_VERSION = "1.0";
    public static final String JSON = "application/json";

    private CloudEventHeaders() {}

    /** The headers of an event. */
    public static Headers of(Envelope envelope) {
        Headers headers = new RecordHeaders();
        put(headers, SPECVERSION, CLOUDEVENTS_SPEC_VERSION);
        put(headers, ID, envelope.id());
        put(headers, SOURCE, envelope.source().toString());
        put(headers, TYPE, envelope.type().ceType());
        put(headers, TIME, envelope.time().toString());
        put(headers, SUBJECT, envelope.subject());
        put(headers, CHAIN_ID, envelope.chainId());
        put(headers, CONTENT_TYPE, JSON);
        return headers;
    }

    /** The last value of a header as text, or null. */
    public static @Nullable String get(Headers headers, String key) {
        Header header = headers.lastHeader(key);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void put(Headers headers, String key, String value) {
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
