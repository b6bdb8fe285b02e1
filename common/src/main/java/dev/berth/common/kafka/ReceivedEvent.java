package dev.berth.common.kafka;

import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import java.util.Map;
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
