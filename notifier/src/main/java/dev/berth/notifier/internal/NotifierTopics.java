package dev.berth.notifier.internal;

import dev.berth.common.BerthException;
import dev.berth.common.kafka.KafkaSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/** The notifier's own topics, beside Berth's shared ones: created at start when missing. */
public final class NotifierTopics {
    /**
     * Compacted: the delivery state of each message on each channel, keyed {@code <channel>/<message
     * id>}; old keys expire after {@link #DELIVERED_RETENTION}.
     */
    public static final String DELIVERED = "berth.notifications.delivered";

    /** Redelivery requests written by {@code berth notifications replay}, keyed by channel. */
    public static final String REPLAY = "berth.notifications.replay";

    static final Duration DELIVERED_RETENTION = Duration.ofDays(7);

    private NotifierTopics() {}

    /** Creates the notifier's topics when missing. */
    public static void ensure(KafkaSettings settings) throws InterruptedException {
        try (Admin admin = Admin.create(settings.clientProperties(
                "berth-notifier-admin", Map.of(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000)))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            if (!existing.contains(DELIVERED)) {
                missing.add(new NewTopic(DELIVERED, settings.partitions(), settings.replicationFactor())
                        .configs(Map.of(
                                TopicConfig.CLEANUP_POLICY_CONFIG,
                                TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                                TopicConfig.RETENTION_MS_CONFIG,
                                String.valueOf(DELIVERED_RETENTION.toMillis()))));
            }
            if (!existing.contains(REPLAY)) {
                missing.add(new NewTopic(REPLAY, settings.partitions(), settings.replicationFactor()));
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new BerthException(
                        "could not create the notifier's topics " + DELIVERED + " and " + REPLAY + ": "
                                + e.getCause().getMessage() + "; is the broker reachable?",
                        e);
            }
        } catch (TimeoutException e) {
            throw new BerthException(
                    "could not create the notifier's topics " + DELIVERED + " and " + REPLAY
                            + ": the broker did not answer in 30 s",
                    e);
        }
    }
}
