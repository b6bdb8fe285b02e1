package dev.berth.deployer.internal;

import dev.berth.common.StackRef;
import dev.berth.deployer.internal.docker.DockerEngine;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One deployment's view of Docker's event stream: the start, die, restart and health events of the
 * stack's containers, handed to the gate that follows each container. One subscription per deployment,
 * opened before the first container is created. Thread-safe; the deployment closes it.
 */
final class ContainerWatch implements AutoCloseable {
    private final Map<String, BlockingQueue<String>> followed = new ConcurrentHashMap<>();
    private final DockerEngine.Subscription subscription;

    private ContainerWatch(DockerEngine engine, StackRef stack) throws InterruptedException {
        this.subscription = engine.followContainers(Labels.STACK, stack.key(), this::dispatch);
    }

    static ContainerWatch open(DockerEngine engine, StackRef stack) throws InterruptedException {
        return new ContainerWatch(engine, stack);
    }

    private void dispatch(DockerEngine.ContainerEvent event) {
        BlockingQueue<String> queue = followed.get(event.containerId());
        if (queue != null) {
            queue.add(event.action());
        }
    }

    /** Starts keeping the events of a container (call it before starting the container). */
    BlockingQueue<String> follow(String containerId) {
        return followed.computeIfAbsent(containerId, id -> new LinkedBlockingQueue<>());
    }

    void unfollow(String containerId) {
        followed.remove(containerId);
    }

    /** False once the stream broke: gates then inspect on a short period instead. */
    boolean alive() {
        return subscription.alive();
    }

    @Override
    public void close() {
        subscription.close();
    }
}
