package dev.berth.deployer;

import dev.berth.common.event.EventCodec;
import dev.berth.common.kafka.KafkaEventPublisher;
import dev.berth.common.kafka.KafkaSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A deployer in a process of its own, for {@link CrashIT} to kill: {@code CrashChild <bootstrap-servers>
 * <group> <environment> [<instance-id>]}. It runs until it is killed. Its group session is short (6 s,
 * the broker's minimum), so the group notices a killed member quickly; given an instance id, it is a
 * static member with the default session (45 s), for {@link HungEngineIT} to show that its restart does
 * not wait for it.
 */
public final class CrashChild {
    private CrashChild() {}

    public static void main(String[] args) throws InterruptedException {
        KafkaSettings settings = new KafkaSettings(
                args[0],
                3,
                (short) 1,
                Duration.ofSeconds(30),
                args.length > 3 ? Map.of() : Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "1000"));
        EventCodec codec = new EventCodec();
        KafkaEventPublisher publisher = new KafkaEventPublisher(settings, "crash-child", codec);
        DeployerConfig config = DeployerConfig.defaults()
                .withEnvironment(args[2])
                .withGroupId(args[1])
                .withHealthTimeout(Duration.ofSeconds(40))
                .withMonitorPeriod(Duration.ofSeconds(1));
        Deployer deployer = new Deployer(
                config,
                settings,
                publisher,
                Clock.systemUTC(),
                new SimpleMeterRegistry(),
                args.length > 3 ? args[3] : null);
        deployer.start();
        new CountDownLatch(1).await();
    }
}
