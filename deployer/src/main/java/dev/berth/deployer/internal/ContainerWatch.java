package dev.berth.deployer.internal;

import dev.berth.common.BerthException;
import dev.berth.common.StackRef;
import dev.berth.deployer.internal.docker.DockerEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deployment's view of Docker's event stream: the start, die, restart and health events of the
 * stack's containers, handed to the gate that follows each container, and the containers that must
 * stay up through their stability window before the deployment counts as good. One subscription per
 * deployment, opened before the first container is created; a stream that broke (the engine restarted,
 * or went silent past the socket's bound) is opened again, at most every {@link #REOPEN_EVERY}, while
 * the gates inspect on a short period meanwhile. Thread-safe; the deployment closes it.
 */
final class ContainerWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ContainerWatch.class);
    /** How often a broken event stream is opened again. */
    static final Duration REOPEN_EVERY = Duration.ofSeconds(5);

    /**
     * A container that passed its health check and must stay up until {@code until}.
     *
     * @param window the stability window, as the service asked
     * @param restarts the container's restart count when it passed
     */
    record Stay(String service, String id, Instant until, Duration window, int restarts) {
        Stay {
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(until, "until");
            Objects.requireNonNull(window, "window");
        }
    }

    private final Map<String, BlockingQueue<String>> followed = new ConcurrentHashMap<>();
    private final List<Stay> stays = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> stayEvents = new LinkedBlockingQueue<>();
    private final DockerEngine engine;
    private final StackRef stack;
    private final Clock clock;
    private volatile DockerEngine.Subscription subscription;
    private volatile Instant lastOpen;
    private volatile boolean closed;

    private ContainerWatch(DockerEngine engine, StackRef stack, Clock clock) throws InterruptedException {
        this.engine = engine;
        this.stack = stack;
        this.clock = clock;
        this.lastOpen = clock.instant();
        this.subscription = engine.followContainers(Labels.STACK, stack.key(), this::dispatch);
    }

    static ContainerWatch open(DockerEngine engine, StackRef stack, Clock clock) throws InterruptedException {
        return new ContainerWatch(engine, stack, clock);
    }

    private void dispatch(DockerEngine.ContainerEvent event) {
        BlockingQueue<String> queue = followed.get(event.containerId());
        if (queue != null) {
            queue.add(event.action());
        }
        if (stays.stream().anyMatch(s -> s.id().equals(event.containerId()))) {
            stayEvents.add(event.action());
        }
    }

    /** Starts keeping the events of a container (call it before starting the container). */
    BlockingQueue<String> follow(String containerId) {
        return followed.computeIfAbsent(containerId, id -> new LinkedBlockingQueue<>());
    }

    void unfollow(String containerId) {
        followed.remove(containerId);
    }

    /** Keeps a container that must stay up through its stability window. */
    void mustStayUp(Stay stay) {
        stays.add(stay);
    }

    /** The containers that must stay up, in the order they passed. */
    List<Stay> stays() {
        return List.copyOf(stays);
    }

    /** Waits up to {@code millis} for an event of a container that must stay up. */
    void awaitStayEvent(long millis) throws InterruptedException {
        if (stayEvents.poll(millis, TimeUnit.MILLISECONDS) != null) {
            stayEvents.clear();
        }
    }

    /**
     * False while the stream is broken: gates then inspect on a short period instead. A broken stream
     * is opened again here, at most every {@link #REOPEN_EVERY}.
     */
    boolean alive() {
        if (subscription.alive()) {
            return true;
        }
        Instant now = clock.instant();
        if (closed || now.isBefore(lastOpen.plus(REOPEN_EVERY))) {
            return false;
        }
        lastOpen = now;
        try {
            DockerEngine.Subscription reopened = engine.followContainers(Labels.STACK, stack.key(), this::dispatch);
            subscription.close();
            subscription = reopened;
            log.info("{}: the Docker event stream broke and was opened again", stack);
            return true;
        } catch (BerthException e) {
            log.warn("{}: the Docker event stream is broken and could not be opened again: {}", stack, e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        subscription.close();
    }
}
