package dev.berth.common.kafka;

import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/**
 * A record as a consumer loop hands it over: its topic and key, its CloudEvents headers and its raw
 * value, so a handler can copy it unchanged (the audit trail) or decode it.
 */
public record ReceivedEvent(
        String topic, int partition, long offset, @Nullable String key, Map<String, String> headers, byte[] value) {
    public ReceivedEvent {
        headers = Map.copyOf(headers);
    }

    /** A consumed record: headers as UTF-8 text (a header without a value is left out), no value as empty. */
    public static ReceivedEvent of(ConsumerRecord<String, byte[]> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header header : record.headers()) {
            if (header.value() != null) {
                headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        return new ReceivedEvent(
                record.topic(),
                record.partition(),
                record.offset(),
                record.key(),
                headers,
                record.value() == null ? new byte[0] : record.value());
    }

    /** The CloudEvents type, or null when the record carries none. */
    public @Nullable String ceType() {
        return headers.get(CloudEventHeaders.TYPE);
    }

    /** Decodes the event; throws {@link dev.berth.common.BerthException} when it cannot. */
    public Envelope decode(EventCodec codec) {
        String type = ceType();
        if (type == null) {
            throw new dev.berth.common.BerthException("record " + topic + "-" + partition + "@" + offset + " has no "
                    + CloudEventHeaders.TYPE + " header: it was not written by Berth");
        }
        return codec.decode(type, value);
    }
}
