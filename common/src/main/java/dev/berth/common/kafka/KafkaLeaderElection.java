package dev.berth.common.kafka;

import dev.berth.common.Service;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects one leader among the instances that share a group id, with Kafka's group membership: each
 * instance joins the consumer group {@code groupId} on {@code berth.state} (reading nothing: every
 * partition stays paused), and the one that is assigned the partition of {@code key} (where the
 * leader's state entry lives) leads. An instance that dies is dropped by the group coordinator after
 * {@link #SESSION_TIMEOUT}, one that hangs after {@link #MAX_POLL_INTERVAL}; another is then assigned
 * the partition and told {@link Listener#elected()}. Being elected does not fence a zombie: the leader
 * does that with a transactional producer ({@link KafkaTransactionalPublisher}).
 *
 * <p>Runs one thread, {@code threadName}; the listener is called on it. {@link #stop()} leaves the
 * group at once, so a clean stop hands over without waiting for the session timeout.
 */
public final class KafkaLeaderElection implements Service {
    private static final Logger log = LoggerFactory.getLogger(KafkaLeaderElection.class);
    /** How long a silent instance stays a member. */
    public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    /** How long an instance whose election thread stalls stays a member. */
    public static final Duration MAX_POLL_INTERVAL = Duration.ofSeconds(15);

    /** Told when this instance becomes or stops being the leader; called on the election thread. */
    public interface Listener {
        void elected();

        void deposed();
    }

    private final KafkaSettings settings;
    private final String groupId;
    private final String clientId;
    private final byte[] key;
    private final Listener listener;
    private final String threadName;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private volatile boolean leader;
    private volatile boolean halted;
    private @org.jspecify.annotations.Nullable KafkaConsumer<byte[], byte[]> consumer;
    private @org.jspecify.annotations.Nullable Thread thread;

    public KafkaLeaderElection(
            KafkaSettings settings, String groupId, String clientId, String key, Listener listener, String threadName) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.key = key.getBytes(StandardCharsets.UTF_8);
        this.listener = Objects.requireNonNull(listener, "listener");
        this.threadName = Objects.requireNonNull(threadName, "threadName");
    }

    @Override
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("election " + groupId + " was already started");
        }
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                settings.clientProperties(
                        clientId,
                        Map.of(
                                ConsumerConfig.GROUP_ID_CONFIG,
                                groupId,
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false,
                                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                                (int) SESSION_TIMEOUT.toMillis(),
                                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                                1_000,
                                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                                (int) MAX_POLL_INTERVAL.toMillis(),
                                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                                org.apache.kafka.clients.consumer.RangeAssignor.class.getName())),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer = c;
        running = true;
        Thread t = new Thread(() -> run(c), threadName);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** True while this instance is the leader. */
    public boolean isLeader() {
        return leader;
    }

    private void run(KafkaConsumer<byte[], byte[]> c) {
        try {
            c.subscribe(List.of(Topics.STATE), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    update(c, List.of());
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    update(c, List.of());
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    c.pause(c.assignment());
                    update(c, c.assignment());
                }
            });
            while (running) {
                c.poll(Duration.ofMillis(500));
            }
        } catch (WakeupException e) {
            // stop() or halt()
        } catch (RuntimeException e) {
            log.error("leader election {} stopped: {}", groupId, e.toString());
        } finally {
            if (!halted) {
                setLeader(false);
                c.close(Duration.ofSeconds(5));
            }
            stopped.countDown();
        }
    }

    private void update(KafkaConsumer<byte[], byte[]> c, Collection<TopicPartition> assigned) {
        boolean leads = false;
        if (!assigned.isEmpty()) {
            int partitions = c.partitionsFor(Topics.STATE).size();
            TopicPartition mine = new TopicPartition(Topics.STATE, Utils.toPositive(Utils.murmur2(key)) % partitions);
            leads = assigned.contains(mine);
        }
        setLeader(leads);
    }

    private void setLeader(boolean leads) {
        if (leads == leader) {
            return;
        }
        leader = leads;
        if (leads) {
            listener.elected();
        } else {
            listener.deposed();
        }
    }

    @Override
    public void stop() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /**
     * Stops the election thread without leaving the group or telling the listener, as a killed process
     * would: the coordinator drops this member after {@link #MAX_POLL_INTERVAL}. For tests of takeover.
     */
    public void halt() {
        halted = true;
        stop();
    }

    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public String name() {
        return "leader election " + groupId;
    }
}
