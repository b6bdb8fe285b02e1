package dev.berth.watcher.internal.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.berth.common.BerthException;
import dev.berth.watcher.internal.webhook.SignatureVerifier.Outcome;
import dev.berth.watcher.internal.webhook.SignatureVerifier.Provider;
import dev.berth.watcher.internal.webhook.SignatureVerifier.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code POST /hooks/git} and {@code /hooks/<provider>} ({@code github}, {@code gitlab}, {@code
 * gitea}, {@code forgejo}, {@code generic}): a signed push for the watched repository and branch
 * answers 202 and asks for a poll at once; anything unsigned, wrongly signed, stale or replayed
 * answers 401 and changes nothing, a replayed delivery answers 202 "ignored" and changes nothing; a body over {@link #MAX_BODY_BYTES} answers
 * 413 without being read whole. Serves on one named thread; owns its server. Never logs the secret.
 */
public final class WebhookServer {
    public static final int MAX_BODY_BYTES = 1024 * 1024;
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
    private @Nullable HttpServer server;
    private @Nullable ExecutorService executor;

    /**
     * @param sourceUrl the watched repository's URL or path, matched against the push's repository
     * @param branch the watched branch; a push for another one is ignored
     * @param pollNow asks the watcher to poll now; must not block
     * @param registry counts requests as {@code berth.watcher.webhooks} by {@code outcome}: {@code
     *     polled}, {@code ignored}, {@code replayed}, {@code refused}, {@code too-large}
     */
    public WebhookServer(
            InetSocketAddress bindAddress,
            SignatureVerifier verifier,
            String sourceUrl,
            String branch,
            Runnable pollNow,
            String threadName,
            MeterRegistry registry,
            String environment) {
        this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.sourceUrl = Objects.requireNonNull(sourceUrl, "sourceUrl");
        this.branch = Objects.requireNonNull(branch, "branch");
        this.pollNow = Objects.requireNonNull(pollNow, "pollNow");
        this.threadName = Objects.requireNonNull(threadName, "threadName");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /** Starts listening. @throws BerthException when the address cannot be bound */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        HttpServer s;
        try {
            s = HttpServer.create(bindAddress, 16);
        } catch (IOException e) {
            throw new BerthException(
                    "could not listen on " + bindAddress.getHostString() + ":" + bindAddress.getPort()
                            + " for push webhooks: " + e.getMessage() + "; choose another --webhook-listen",
                    e);
        }
        ExecutorService e = Executors.newSingleThreadExecutor(r -> new Thread(r, threadName));
        s.setExecutor(e);
        s.createContext(PREFIX, this::handle);
        s.start();
        server = s;
        executor = e;
    }

    /** The port it listens on, once started. */
    public synchronized int port() {
        HttpServer s = server;
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        return s.getAddress().getPort();
    }

    /** Stops listening; idempotent. */
    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            Objects.requireNonNull(executor).shutdown();
            server = null;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String name = exchange.getRequestURI().getPath().substring(PREFIX.length());
            Provider required;
            switch (name) {
                case "git" -> required = null;
                case "github" -> required = Provider.GITHUB;
                case "gitlab" -> required = Provider.GITLAB;
                case "gitea", "forgejo" -> required = Provider.GITEA;
                case "generic" -> required = Provider.GENERIC;
                default -> {
                    respond(exchange, 404, "no such hook: POST to /hooks/git\n");
                    return;
                }
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "POST");
                respond(exchange, 405, "use POST\n");
                return;
            }
            Optional<byte[]> body = readBounded(exchange);
            if (body.isEmpty()) {
                log.warn("push webhook from {} refused: body over 1 MiB", remote(exchange));
                count("too-large");
                respond(exchange, 413, "body over 1 MiB\n");
                return;
            }
            Verdict verdict = verifier.verify(exchange.getRequestHeaders()::getFirst, body.get(), required);
            switch (verdict.outcome()) {
                case VALID -> accept(exchange, body.get());
                case REPLAYED -> {
                    log.info("push webhook from {} ignored: {}", remote(exchange), verdict.reason());
                    count("replayed");
                    respond(exchange, 202, "ignored: replayed delivery\n");
                }
                default -> {
                    log.warn(
                            "push webhook from {} refused ({}): {}",
                            remote(exchange),
                            verdict.provider() == null
                                    ? "unsigned"
                                    : verdict.provider().pathName(),
                            verdict.reason());
                    count("refused");
                    respond(
                            exchange,
                            401,
                            verdict.outcome() == Outcome.STALE ? "stale\n" : "bad or missing signature\n");
                }
            }
        } catch (RuntimeException e) {
            log.error("push webhook failed unexpectedly", e);
        }
    }

    private void accept(HttpExchange exchange, byte[] body) throws IOException {
        String event = firstOf(exchange, "X-GitHub-Event", "X-Gitlab-Event", "X-Gitea-Event", "X-Forgejo-Event");
        if (event != null && !event.toLowerCase(Locale.ROOT).contains("push")) {
            count("ignored");
            respond(exchange, 202, "ignored: event " + event + " is not a push\n");
            return;
        }
        PushPayload push = PushPayload.parse(body, exchange.getRequestHeaders().getFirst("Content-Type"));
        if (!push.isFor(sourceUrl)) {
            log.info("push webhook for {} ignored: not the watched repository", push.repositoryUrls());
            count("ignored");
            respond(exchange, 202, "ignored: not the watched repository\n");
            return;
        }
        if (push.ref() != null && !push.branch().map(branch::equals).orElse(false)) {
            log.debug("push webhook for {} ignored: not branch {}", push.ref(), branch);
            count("ignored");
            respond(exchange, 202, "ignored: " + push.ref() + " is not the watched branch\n");
            return;
        }
        pollNow.run();
        count("polled");
        log.info("push webhook: polling now");
        respond(exchange, 202, "accepted: polling now\n");
    }

    private void count(String outcome) {
        Counter.builder("berth.watcher.webhooks")
                .description("Push webhook requests by outcome")
                .tag("environment", environment)
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }

    /** The body, or empty when it holds more than {@link #MAX_BODY_BYTES}; never reads more than that. */
    private static Optional<byte[]> readBounded(HttpExchange exchange) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > MAX_BODY_BYTES) {
                    return Optional.empty();
                }
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (InputStream in = exchange.getRequestBody()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                if (out.size() > MAX_BODY_BYTES) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(out.toByteArray());
    }

    private static @Nullable String firstOf(HttpExchange exchange, String... names) {
        for (String name : names) {
            String value = exchange.getRequestHeaders().getFirst(name);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    private static String remote(HttpExchange exchange) {
        InetSocketAddress a = exchange.getRemoteAddress();
        return a == null ? "?" : a.getAddress().getHostAddress();
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
