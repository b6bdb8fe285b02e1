package dev.berth.common.kafka;

import dev.berth.common.BerthException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Waits for the broker and creates Berth's topics when they are missing. Used once at start by each
 * service; not thread-safe.
 */
public final class TopicAdmin {
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(15);
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(3);
    // Record batches are compressed, so this leaves room above the largest record a producer sends.
    private static final String MAX_MESSAGE_BYTES = String.valueOf(KafkaSettings.MAX_RECORD_BYTES + 1024 * 1024);

    private final KafkaSettings settings;
    private final Clock clock;

    public TopicAdmin(KafkaSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Waits until the broker answers, retrying with backoff up to the settings' start-up timeout,
     * then creates the missing topics.
     *
     * @param progress told one line per failed attempt, for the user's console
     * @throws BerthException when the broker does not answer in time
     */
    public void awaitBrokerAndCreateTopics(Consumer<String> progress) throws InterruptedException {
        Instant deadline = clock.instant().plus(settings.startupTimeout());
        Duration backoff = FIRST_BACKOFF;
        int attempt = 0;
        while (true) {
            attempt++;
            try (Admin admin = Admin.create(settings.clientProperties(
                    "berth-admin",
                    Map.of(
                            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000,
                            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000)))) {
                admin.describeCluster().nodes().get(ATTEMPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                createMissing(admin);
                return;
            } catch (ExecutionException | TimeoutException e) {
                Instant now = clock.instant();
                if (!now.isBefore(deadline)) {
                    progress.accept("Kafka at " + settings.bootstrapServers() + " is not reachable (attempt " + attempt
                            + "); giving up");
                    throw new BerthException("Kafka at " + settings.bootstrapServers() + " did not answer within "
                            + settings.startupTimeout().toSeconds() + " s (" + attempt
                            + " attempts): check that the broker runs and --bootstrap-servers names it");
                }
                progress.accept("Kafka at " + settings.bootstrapServers() + " is not reachable (attempt " + attempt
                        + "); retrying in " + backoff.toSeconds() + " s");
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private void createMissing(Admin admin) throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(10, TimeUnit.SECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (String topic : Topics.ALL) {
            if (existing.contains(topic)) {
                continue;
            }
            NewTopic newTopic = new NewTopic(topic, settings.partitions(), settings.replicationFactor());
            Map<String, String> configs =
                    new HashMap<>(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, MAX_MESSAGE_BYTES));
            if (topic.equals(Topics.STATE)) {
                configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
            }
            missing.add(newTopic.configs(configs));
        }
        if (!missing.isEmpty()) {
            try {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // Another service created them at the same time: that is what we wanted.
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        allowLargeRecords(admin, existing);
    }

    /** Topics made by an earlier version of Berth take records as large as this one writes. */
    private static void allowLargeRecords(Admin admin, Set<String> existing)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
        for (String topic : Topics.ALL) {
            if (existing.contains(topic)) {
                changes.put(
                        new ConfigResource(ConfigResource.Type.TOPIC, topic),
                        List.of(new AlterConfigOp(
                                new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, MAX_MESSAGE_BYTES),
                                AlterConfigOp.OpType.SET)));
            }
        }
        if (!changes.isEmpty()) {
            admin.incrementalAlterConfigs(changes).all().get(30, TimeUnit.SECONDS);
        }
    }
}
