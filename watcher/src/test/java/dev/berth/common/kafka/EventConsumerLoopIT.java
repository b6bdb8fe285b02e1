package dev.berth.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.testkit.KafkaFixture;
import dev.berth.testkit.SharedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The consumer loop of the deployer and notifier against a real broker: an Error in a handler is
 * never silent. Here, not in common, because common has no Kafka fixture (testkit depends on it).
 */
@ExtendWith(SharedKafka.class)
class EventConsumerLoopIT {
    private static KafkaFixture kafka;

    @BeforeAll
    static void startKafka(KafkaFixture broker) {
        kafka = broker;
    }

    @Test
    void aStackOverflowSkipsItsRecordAndAnotherErrorEndsTheLoopAndTurnsHealthDown() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String topic = "loop-it-" + id;
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin client = Admin.create(admin)) {
            client.createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
                    .all()
                    .get();
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (String key : List.of("prod/overflow", "prod/fine", "prod/fatal", "prod/never")) {
                producer.send(new ProducerRecord<>(topic, key, key.getBytes(StandardCharsets.UTF_8)))
                        .get();
            }
        }
        List<String> handled = new CopyOnWriteArrayList<>();
        EventConsumerLoop loop = new EventConsumerLoop(
                "it-" + id, kafka.settings(), "loop-it-" + id, List.of(topic), Map.of(), event -> {
                    handled.add(event.key());
                    switch (event.key()) {
                        case "prod/overflow" -> throw new StackOverflowError();
                        case "prod/fatal" -> throw new AssertionError("a bug of the handler");
                        default -> {}
                    }
                });
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        loop.bindTo(registry);
        try {
            loop.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> !loop.isHealthy());
            assertThat(handled).containsExactly("prod/overflow", "prod/fine", "prod/fatal");
            assertThat(loop.isPolling()).isFalse();
            assertThat(registry.get("berth.loop.failures")
                            .tag("loop", "it-" + id)
                            .functionCounter()
                            .count())
                    .isEqualTo(2.0);
        } finally {
            loop.stop();
            assertThat(loop.awaitStop(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(loop.isHealthy()).as("a stopped loop is not a dead one").isTrue();
    }
}
