package dev.berth.notifier;

import dev.berth.common.event.Envelope;
import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.Topics;
import dev.berth.notifier.internal.HttpPoster;
import java.net.URI;
import java.util.Map;

/**
 * A generic webhook: every event of {@code berth.deployments}, posted as a CloudEvents 1.0
 * structured-mode JSON document ({@code application/cloudevents+json}) whose {@code data} is the
 * CDEvents event. Thread-safe.
 */
public final class JsonWebhookChannel implements NotificationChannel {
    private final URI url;
    private final EventCodec codec;
    private final HttpPoster poster;

    public JsonWebhookChannel(URI url, EventCodec codec, HttpPoster poster) {
        this.url = url;
        this.codec = codec;
        this.poster = poster;
    }

    @Override
    public String name() {
        return "webhook " + url;
    }

    @Override
    public boolean accepts(Envelope envelope) {
        return envelope.type().topic().equals(Topics.DEPLOYMENTS);
    }

    @Override
    public void deliver(Envelope envelope) throws InterruptedException {
        poster.post(
                url,
                "application/cloudevents+json",
                Map.of("ce-id", envelope.id(), "ce-type", envelope.type().ceType()),
                codec.toStructured(envelope).toString());
    }
}
