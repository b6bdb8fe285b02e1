package dev.berth.notifier.internal;

import dev.berth.common.BerthException;
import dev.berth.notifier.DeadLetter;
import dev.berth.notifier.Message;
import dev.berth.notifier.NotificationChannel;
import dev.berth.notifier.NotifierConfig;
import dev.berth.notifier.Payload;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends messages to one channel at most once each: the message's state is recorded in a {@link
 * Ledger} before and after every attempt, a message whose last attempt ended without an answer
 * (timeout, connection cut) is never sent again automatically, and a message that cannot be sent
 * goes to the {@link DeadLetters}. Retries answered failures (5xx, 408, 429) and refused connections
 * with exponential backoff ({@link NotifierConfig#initialBackoff()} doubled up to {@link
 * NotifierConfig#maxBackoff()}), honouring {@code Retry-After}; a 4xx refusal is final. A resilience4j
 * circuit breaker opens after {@link NotifierConfig#circuitBreakerFailures()} failed attempts in a
 * row: while open, messages go straight to the dead letters. Used by one thread.
 */
public final class Deliverer {
    private static final Logger log = LoggerFactory.getLogger(Deliverer.class);

    /** A message's delivery state on one channel. */
    public enum State {
        /** An attempt was under way: it may or may not have arrived. */
        SENDING,
        /** The last attempt was answered with a failure, or never connected: safe to send again. */
        RETRYING,
        /** A 2xx answer: never send again. */
        DELIVERED,
        /** Gone to the dead-letter topic: only a replay sends it again. */
        DEAD
    }

    /** Where states are kept: the compacted topic in production. */
    public interface Ledger {
        @Nullable
        State get(String messageId);

        /** Records a state durably before returning. */
        void put(String messageId, State state) throws InterruptedException;
    }

    /** Where undeliverable messages go: {@code berth.notifications.dlq} in production. */
    public interface DeadLetters {
        /** Stores the letter durably before returning. */
        void add(DeadLetter letter) throws InterruptedException;
    }

    /** How a delivery ended. */
    public enum Outcome {
        DELIVERED,
        /** Not sent: the ledger has it delivered or dead already. */
        SKIPPED,
        DEAD,
        /** Stopped during a backoff wait; the message is safe to send again. */
        STOPPED
    }

    private final NotificationChannel channel;
    private final NotifierConfig config;
    private final HttpSender sender;
    private final Ledger ledger;
    private final DeadLetters dead;
    private final Clock clock;
    private final CountDownLatch stopRequested;
    private final CircuitBreaker breaker;
    private final Counter delivered;
    private final Counter failedAttempts;
    private final Counter deadLettered;
    private final Counter skipped;

    public Deliverer(
            NotificationChannel channel,
            NotifierConfig config,
            HttpSender sender,
            Ledger ledger,
            DeadLetters dead,
            Clock clock,
            CountDownLatch stopRequested,
            MeterRegistry registry) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.config = Objects.requireNonNull(config, "config");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.dead = Objects.requireNonNull(dead, "dead");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.stopRequested = Objects.requireNonNull(stopRequested, "stopRequested");
        this.breaker = CircuitBreaker.of(
                channel.name(),
                CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(config.circuitBreakerFailures())
                        .minimumNumberOfCalls(config.circuitBreakerFailures())
                        .failureRateThreshold(100)
                        .waitDurationInOpenState(config.circuitBreakerOpenFor())
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .build());
        String tag = channel.name();
        this.delivered = Counter.builder("berth.notifications.delivered")
                .description("Messages a channel accepted")
                .tag("channel", tag)
                .register(registry);
        this.failedAttempts = Counter.builder("berth.notifications.failed")
                .description("Attempts a channel did not accept (each retry counts)")
                .tag("channel", tag)
                .register(registry);
        this.deadLettered = Counter.builder("berth.notifications.dead")
                .description("Messages sent to berth.notifications.dlq")
                .tag("channel", tag)
                .register(registry);
        this.skipped = Counter.builder("berth.notifications.skipped")
                .description("Messages not sent again because the ledger has them")
                .tag("channel", tag)
                .register(registry);
    }

    /** The circuit breaker's state, for tests and logs. */
    public CircuitBreaker.State circuit() {
        return breaker.getState();
    }

    /** Delivers a message unless the ledger says it was delivered, given up, or possibly sent. */
    public Outcome deliver(Message message) throws InterruptedException {
        State state = ledger.get(message.id());
        if (state == State.DELIVERED || state == State.DEAD) {
            skipped.increment();
            return Outcome.SKIPPED;
        }
        if (state == State.SENDING) {
            // The previous notifier stopped in the middle of an attempt: it may have arrived, and
            // sending it again could make it arrive twice. An operator decides, with a replay.
            deadLetter(message, "the notifier stopped while sending it; it may have arrived", 0);
            return Outcome.DEAD;
        }
        return send(message);
    }

    /** Sends a message whatever the ledger says except delivered: what a replay asks for. */
    public Outcome replay(Message message) throws InterruptedException {
        if (ledger.get(message.id()) == State.DELIVERED) {
            skipped.increment();
            return Outcome.SKIPPED;
        }
        return send(message);
    }

    private Outcome send(Message message) throws InterruptedException {
        Payload payload = channel.format(message);
        Duration backoff = config.initialBackoff();
        String last = "not attempted";
        for (int attempt = 1; attempt <= config.maxAttempts(); attempt++) {
            if (!breaker.tryAcquirePermission()) {
                deadLetter(
                        message,
                        "circuit open after " + config.circuitBreakerFailures() + " failed attempts in a row (last: "
                                + last + ")",
                        attempt - 1);
                return Outcome.DEAD;
            }
            ledger.put(message.id(), State.SENDING);
            long begin = System.nanoTime();
            HttpSender.Attempt a =
                    sender.send(channel.config().url(), payload, channel.signatureHeaders(payload, clock.instant()));
            long took = System.nanoTime() - begin;
            if (a.delivered()) {
                breaker.onSuccess(took, TimeUnit.NANOSECONDS);
                ledger.put(message.id(), State.DELIVERED);
                delivered.increment();
                return Outcome.DELIVERED;
            }
            failedAttempts.increment();
            last = a.outcome();
            if (a.rateLimited()) {
                breaker.releasePermission();
            } else {
                breaker.onError(took, TimeUnit.NANOSECONDS, new BerthException(a.outcome()));
            }
            if (a.uncertain()) {
                deadLetter(message, a.outcome() + "; it may have arrived, so it is not sent again by itself", attempt);
                return Outcome.DEAD;
            }
            ledger.put(message.id(), State.RETRYING);
            if (a.refused()) {
                deadLetter(message, a.outcome() + " (refused: not retried)", attempt);
                return Outcome.DEAD;
            }
            if (attempt == config.maxAttempts()) {
                break;
            }
            Duration wait = a.retryAfter().orElse(backoff);
            if (wait.compareTo(config.maxBackoff()) > 0) {
                wait = config.maxBackoff();
            }
            log.debug(
                    "notifier: {} to {}: {}; attempt {} in {} ms",
                    message.id(),
                    channel.name(),
                    last,
                    attempt + 1,
                    wait.toMillis());
            if (stopRequested.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                return Outcome.STOPPED;
            }
            backoff = backoff.multipliedBy(2).compareTo(config.maxBackoff()) > 0
                    ? config.maxBackoff()
                    : backoff.multipliedBy(2);
        }
        deadLetter(message, last + " after " + config.maxAttempts() + " attempts", config.maxAttempts());
        return Outcome.DEAD;
    }

    private void deadLetter(Message message, String reason, int attempts) throws InterruptedException {
        dead.add(new DeadLetter(channel.name(), reason, attempts, clock.instant(), message));
        ledger.put(message.id(), State.DEAD);
        deadLettered.increment();
        log.warn(
                "notifier: could not deliver \"{}\" ({}) to {}: {}; it is in berth.notifications.dlq"
                        + " (`berth notifications replay` sends it again)",
                message.title(),
                message.id(),
                channel.name(),
                reason);
    }
}
