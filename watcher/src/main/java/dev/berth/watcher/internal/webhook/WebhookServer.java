package dev.berth.watcher.internal.webhook;

import dev.berth.common.BerthException;
import dev.berth.common.http.HttpCall;
import dev.berth.common.http.HttpLimits;
import dev.berth.common.http.HttpListener;
import dev.berth.common.http.HttpReply;
import dev.berth.common.http.WarningSummary;
import dev.berth.watcher.internal.webhook.SignatureVerifier.Outcome;
import dev.berth.watcher.internal.webhook.SignatureVerifier.Provider;
import dev.berth.watcher.internal.webhook.SignatureVerifier.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code POST /hooks/git} and {@code /hooks/<provider>} ({@code github}, {@code gitlab}, {@code
 * gitea}, {@code forgejo}, {@code generic}): a signed push for the watched repository and branch
 * answers 202 and asks for a poll at once; anything unsigned, wrongly signed or stale answers 401 and
 * changes nothing; a replayed payload answers 202 "ignored" and changes nothing; a signed body that is
 * not a JSON object answers 400 and polls nothing; a body over {@link #MAX_BODY_BYTES} answers 413
 * without being read whole. Refusals are logged at most once a minute in full, with a summary of
 * the others by reason ({@link WarningSummary}). Serves on an {@link HttpListener} with {@link
 * #LIMITS}; owns it. Never logs the secret.
 */
public final class WebhookServer {
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    /** The {@link HttpLimits} defaults with a body of at most {@link #MAX_BODY_BYTES}. */
    public static final HttpLimits LIMITS = HttpLimits.withMaxBody(MAX_BODY_BYTES);

    private static final Logger log = LoggerFactory.getLogger(WebhookServer.class);
    private static final String PREFIX = "/hooks/";

    private final InetSocketAddress bindAddress;
    private final SignatureVerifier verifier;
    private final String sourceUrl;
    private final String branch;
    private final Runnable pollNow;
    private final String threadName;
    private final MeterRegistry registry;
    private final String environment;
    private final WarningSummary refusals;
    private @Nullable HttpListener server;

    /**
     * @param sourceUrl the watched repository's URL or path, matched against the push's repository
     * @param branch the watched branch; a push for another one is ignored
     * @param pollNow asks the watcher to poll now; must not block
     * @param threadName names the listener's threads ({@code <threadName>-<n>})
     * @param registry counts requests as {@code berth.watcher.webhooks} by {@code outcome}: {@code
     *     polled}, {@code ignored}, {@code replayed}, {@code refused}, {@code invalid}, {@code too-large}
     * @param clock paces the summaries of refused requests
     */
    public WebhookServer(
            InetSocketAddress bindAddress,
            SignatureVerifier verifier,
            String sourceUrl,
            String branch,
            Runnable pollNow,
            String threadName,
            MeterRegistry registry,
            String environment,
            Clock clock) {
        this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.sourceUrl = Objects.requireNonNull(sourceUrl, "sourceUrl");
        this.branch = Objects.requireNonNull(branch, "branch");
        this.pollNow = Objects.requireNonNull(pollNow, "pollNow");
        this.threadName = Objects.requireNonNull(threadName, "threadName");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.environment = Objects.requireNonNull(environment, "environment");
        this.refusals = new WarningSummary(
                "push webhooks refused for environment " + environment,
                WarningSummary.DEFAULT_PERIOD,
                Objects.requireNonNull(clock, "clock"),
                log::warn);
    }

    /** Starts listening. @throws BerthException when the address cannot be bound */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        HttpListener s = new HttpListener(threadName, bindAddress, LIMITS, this::handle);
        try {
            s.start();
        } catch (IOException e) {
            throw new BerthException(
                    "could not listen on " + bindAddress.getHostString() + ":" + bindAddress.getPort()
                            + " for push webhooks: " + e.getMessage() + "; choose another --webhook-listen",
                    e);
        }
        server = s;
    }

    /** The port it listens on, once started. */
    public synchronized int port() {
        HttpListener s = server;
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        return s.port();
    }

    /** Stops listening; idempotent. Writes the summary of refusals not written yet. */
    public synchronized void stop() {
        if (server != null) {
            server.stop();
            server = null;
            refusals.flush();
        }
    }

    private HttpReply handle(HttpCall call) {
        refusals.flushIfDue();
        String name = call.path().startsWith(PREFIX) ? call.path().substring(PREFIX.length()) : "";
        Provider required;
        switch (name) {
            case "git" -> required = null;
            case "github" -> required = Provider.GITHUB;
            case "gitlab" -> required = Provider.GITLAB;
            case "gitea", "forgejo" -> required = Provider.GITEA;
            case "generic" -> required = Provider.GENERIC;
            default -> {
                return HttpReply.text(404, "no such hook: POST to /hooks/git\n");
            }
        }
        if (!"POST".equals(call.method())) {
            return HttpReply.text(405, "use POST\n").withHeader("Allow", "POST");
        }
        if (call.bodyTooLarge()) {
            refuse(call, "too-large", ": body over 1 MiB");
            count("too-large");
            return HttpReply.text(413, "body over 1 MiB\n");
        }
        Verdict verdict = verifier.verify(call::header, call.body(), required);
        return switch (verdict.outcome()) {
            case VALID -> accept(call);
            case REPLAYED -> {
                log.info("push webhook from {} ignored: {}", call.remoteAddress(), verdict.reason());
                count("replayed");
                yield HttpReply.text(202, "ignored: replayed delivery\n");
            }
            default -> {
                String format = verdict.provider() == null
                        ? "unsigned"
                        : verdict.provider().pathName();
                refuse(
                        call,
                        verdict.outcome().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                        "(" + format + "): " + verdict.reason());
                count("refused");
                yield HttpReply.text(
                        401, verdict.outcome() == Outcome.STALE ? "stale\n" : "bad or missing signature\n");
            }
        };
    }

    private HttpReply accept(HttpCall call) {
        PushPayload push;
        try {
            push = PushPayload.parse(call.body(), call.header("Content-Type"));
        } catch (IllegalArgumentException e) {
            refuse(call, "invalid-json", "(signed): " + e.getMessage());
            count("invalid");
            return HttpReply.text(400, "signed payload refused: " + e.getMessage() + "\n");
        }
        String event = firstOf(call, "X-GitHub-Event", "X-Gitlab-Event", "X-Gitea-Event", "X-Forgejo-Event");
        if (event != null && !event.toLowerCase(Locale.ROOT).contains("push")) {
            count("ignored");
            return HttpReply.text(202, "ignored: event " + event + " is not a push\n");
        }
        if (!push.isFor(sourceUrl)) {
            log.info("push webhook for {} ignored: not the watched repository", push.repositoryUrls());
            count("ignored");
            return HttpReply.text(202, "ignored: not the watched repository\n");
        }
        if (push.ref() != null && !push.branch().map(branch::equals).orElse(false)) {
            log.debug("push webhook for {} ignored: not branch {}", push.ref(), branch);
            count("ignored");
            return HttpReply.text(202, "ignored: " + push.ref() + " is not the watched branch\n");
        }
        pollNow.run();
        count("polled");
        log.info("push webhook: polling now");
        return HttpReply.text(202, "accepted: polling now\n");
    }

    private void refuse(HttpCall call, String reason, String why) {
        refusals.warn(
                reason,
                call.remoteAddress(),
                "push webhook from " + call.remoteAddress() + " refused " + why
                        + " (further refusals are summed up once a minute)");
    }

    private void count(String outcome) {
        Counter.builder("berth.watcher.webhooks")
                .description("Push webhook requests by outcome")
                .tag("environment", environment)
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }

    private static @Nullable String firstOf(HttpCall call, String... names) {
        for (String name : names) {
            String value = call.header(name);
            if (value != null) {
                return value;
            }
        }
        return null;
    }
}
