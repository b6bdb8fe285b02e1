package dev.berth.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real HTTP server on 127.0.0.1 that behaves like a chat provider's incoming webhook: it checks
 * each request against the provider's documented payload shape and limits and answers as the
 * provider does (400 with a reason for a malformed or oversized payload, 413 for Teams' size limit,
 * 401 for a wrong generic-webhook signature), and it can be told to fail, rate-limit (429 with
 * {@code Retry-After}) or answer slowly. Records every request in order. Thread-safe.
 *
 * <p>Limits checked: Slack (text ≤ 40,000; ≤ 50 blocks; header ≤ 150; section text ≤ 3,000; ≤ 10
 * fields of ≤ 2,000), Teams workflow (type {@code message}, one Adaptive Card attachment, body ≤
 * 28 KB), Discord (≤ 10 embeds; title ≤ 256, description ≤ 4,096, ≤ 25 fields with name ≤ 256 and
 * value ≤ 1,024, footer ≤ 2,048, all embeds ≤ 6,000 characters; content ≤ 2,000), Mattermost (text
 * plus attachments ≤ 16,383 characters), generic webhook (CloudEvents structured JSON with {@code
 * specversion}, {@code id}, {@code type}, {@code source}; when a secret is set, {@code
 * X-Berth-Signature} must be the HMAC-SHA256 of {@code "<X-Berth-Timestamp>.<body>"} and the
 * timestamp within 5 minutes).
 */
public final class ProviderServer implements AutoCloseable {
    /** Which provider to behave like. */
    public enum Provider {
        SLACK,
        TEAMS,
        DISCORD,
        MATTERMOST,
        WEBHOOK
    }

    /** One recorded request; {@code status} is what was answered, {@code problem} why it was refused (or empty). */
    public record Request(
            String path, Map<String, String> headers, String body, int status, String problem, Instant at) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // Without TCP_NODELAY the JDK's server holds each small answer for the client's delayed ACK:
        // 40-50 ms per request, which no real provider adds. Read once, when the first server starts.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final Provider provider;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Request> requests = new ArrayList<>();
    private final List<Integer> nextStatuses = new ArrayList<>();
    private final AtomicLong counter = new AtomicLong();
    private volatile int failEvery;
    private volatile Duration delay = Duration.ZERO;
    private volatile int delayCount;
    private volatile int retryAfterSeconds = 1;
    private volatile String secret = "";

    private ProviderServer(Provider provider, HttpServer server, ExecutorService executor) {
        this.provider = provider;
        this.server = server;
        this.executor = executor;
    }

    /** Starts a server on a free port of 127.0.0.1. */
    public static ProviderServer start(Provider provider) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "provider-" + provider.name().toLowerCase(Locale.ROOT));
                t.setDaemon(true);
                return t;
            });
            ProviderServer s = new ProviderServer(provider, server, executor);
            server.setExecutor(executor);
            server.createContext("/", s::handle);
            server.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The URL of a path, shaped like the provider's ({@code /services/T0/B0/token} for Slack). */
    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** Answers the next {@code count} requests with {@code status} (500, 429 with Retry-After, 503...). */
    public synchronized void failNext(int count, int status) {
        for (int i = 0; i < count; i++) {
            nextStatuses.add(status);
        }
    }

    /** Answers every {@code n}-th request (n, 2n, ...) with 500; 0 turns it off. */
    public void failEvery(int n) {
        failEvery = n;
    }

    /** The next {@code count} requests wait {@code delay} before their answer. */
    public void delayNext(int count, Duration delay) {
        this.delay = delay;
        this.delayCount = count;
    }

    /** The Retry-After a 429 carries, in seconds (default 1). */
    public void retryAfterSeconds(int seconds) {
        retryAfterSeconds = seconds;
    }

    /** Generic webhook only: requests must be signed with this HMAC key. */
    public void requireSignature(String key) {
        secret = key;
    }

    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The requests answered 2xx, in order. */
    public synchronized List<Request> accepted() {
        return requests.stream().filter(r -> r.status() / 100 == 2).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange;
                InputStream in = exchange.getRequestBody()) {
            byte[] raw = in.readAllBytes();
            String body = new String(raw, StandardCharsets.UTF_8);
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, String.join(",", v)));
            long n = counter.incrementAndGet();
            if (delayCount > 0) {
                delayCount--;
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            String problem =
                    exchange.getRequestMethod().equals("POST") ? check(headers, body, raw.length) : "not a POST";
            int status;
            synchronized (this) {
                if (!problem.isEmpty()) {
                    status = problem.startsWith("413") ? 413 : problem.startsWith("401") ? 401 : 400;
                } else if (!nextStatuses.isEmpty()) {
                    status = nextStatuses.remove(0);
                } else if (failEvery > 0 && n % failEvery == 0) {
                    status = 500;
                } else {
                    status = provider == Provider.DISCORD ? 204 : 200;
                }
                requests.add(
                        new Request(exchange.getRequestURI().getPath(), headers, body, status, problem, Instant.now()));
            }
            String answer = status == 429 && provider == Provider.DISCORD
                    ? "{\"message\":\"You are being rate limited.\",\"retry_after\":" + retryAfterSeconds
                            + ",\"global\":false}"
                    : status / 100 == 2
                            ? (provider == Provider.DISCORD ? "" : "ok")
                            : problem.isEmpty() ? "error" : problem;
            if (status == 429) {
                exchange.getResponseHeaders().set("Retry-After", String.valueOf(retryAfterSeconds));
            }
            byte[] out = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, status == 204 || out.length == 0 ? -1 : out.length);
            if (status != 204 && out.length > 0) {
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(out);
                }
            }
        }
    }

    /** Why the provider would refuse this request, or empty. */
    private String check(Map<String, String> headers, String body, int bytes) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return "invalid_payload: not JSON";
        }
        if (root == null || !root.isObject()) {
            return "invalid_payload: not a JSON object";
        }
        return switch (provider) {
            case SLACK -> slack(root);
            case TEAMS -> teams(root, bytes);
            case DISCORD -> discord(root);
            case MATTERMOST -> mattermost(root);
            case WEBHOOK -> webhook(root, headers, body);
        };
    }

    private static String slack(JsonNode root) {
        if (!root.path("text").isTextual() && !root.has("blocks") && !root.has("attachments")) {
            return "no_text";
        }
        if (root.path("text").asText().length() > 40_000) {
            return "msg_too_long";
        }
        List<JsonNode> blocks = new ArrayList<>();
        root.path("blocks").forEach(blocks::add);
        root.path("attachments").forEach(a -> a.path("blocks").forEach(blocks::add));
        if (blocks.size() > 50) {
            return "invalid_blocks: more than 50 blocks";
        }
        for (JsonNode b : blocks) {
            String type = b.path("type").asText();
            switch (type) {
                case "header" -> {
                    if (!b.path("text").path("type").asText().equals("plain_text")
                            || b.path("text").path("text").asText().length() > 150) {
                        return "invalid_blocks: header must be plain_text of at most 150 characters";
                    }
                }
                case "section" -> {
                    if (b.has("text") && b.path("text").path("text").asText().length() > 3000) {
                        return "invalid_blocks: section text over 3000 characters";
                    }
                    if (b.path("fields").size() > 10) {
                        return "invalid_blocks: more than 10 fields";
                    }
                    for (JsonNode f : b.path("fields")) {
                        if (f.path("text").asText().length() > 2000) {
                            return "invalid_blocks: field over 2000 characters";
                        }
                    }
                    if (!b.has("text") && !b.has("fields")) {
                        return "invalid_blocks: section without text or fields";
                    }
                }
                case "context", "divider", "actions", "image", "rich_text" -> {}
                default -> {
                    return "invalid_blocks: unknown block type " + type;
                }
            }
        }
        return "";
    }

    private static String teams(JsonNode root, int bytes) {
        if (bytes > 28 * 1024) {
            return "413 request entity too large: " + bytes + " bytes";
        }
        if (!root.path("type").asText().equals("message")) {
            return "type must be message";
        }
        JsonNode attachments = root.path("attachments");
        if (!attachments.isArray() || attachments.isEmpty()) {
            return "attachments missing";
        }
        JsonNode a = attachments.get(0);
        if (!a.path("contentType").asText().equals("application/vnd.microsoft.card.adaptive")) {
            return "attachment is not an Adaptive Card";
        }
        JsonNode card = a.path("content");
        if (!card.path("type").asText().equals("AdaptiveCard")
                || !card.path("body").isArray()) {
            return "content is not an AdaptiveCard with a body";
        }
        String version = card.path("version").asText();
        if (!version.matches("1\\.[0-5]")) {
            return "Adaptive Card version " + version + " is not supported by Teams";
        }
        for (JsonNode e : card.path("body")) {
            String t = e.path("type").asText();
            if (t.equals("TextBlock") && !e.path("text").isTextual()) {
                return "TextBlock without text";
            }
            if (!List.of("TextBlock", "FactSet", "ColumnSet", "Container", "Image")
                    .contains(t)) {
                return "unknown element " + t;
            }
        }
        return "";
    }

    private static String discord(JsonNode root) {
        if (root.path("content").asText().length() > 2000) {
            return "content: Must be 2000 or fewer in length.";
        }
        JsonNode embeds = root.path("embeds");
        if (!root.has("content") && (!embeds.isArray() || embeds.isEmpty())) {
            return "Cannot send an empty message";
        }
        if (embeds.size() > 10) {
            return "embeds: Must be 10 or fewer in length.";
        }
        int total = 0;
        for (JsonNode e : embeds) {
            int title = e.path("title").asText().length();
            int description = e.path("description").asText().length();
            int footer = e.path("footer").path("text").asText().length();
            if (title > 256) {
                return "embeds.title: Must be 256 or fewer in length.";
            }
            if (description > 4096) {
                return "embeds.description: Must be 4096 or fewer in length.";
            }
            if (footer > 2048) {
                return "embeds.footer.text: Must be 2048 or fewer in length.";
            }
            if (e.path("fields").size() > 25) {
                return "embeds.fields: Must be 25 or fewer in length.";
            }
            total += title + description + footer;
            for (JsonNode f : e.path("fields")) {
                int name = f.path("name").asText().length();
                int value = f.path("value").asText().length();
                if (name == 0 || name > 256 || value == 0 || value > 1024) {
                    return "embeds.fields: name 1-256 and value 1-1024 characters";
                }
                total += name + value;
            }
            if (e.has("color") && !e.path("color").canConvertToInt()) {
                return "embeds.color: must be an integer";
            }
        }
        if (total > 6000) {
            return "embeds: total size " + total + " exceeds 6000";
        }
        return "";
    }

    private static String mattermost(JsonNode root) {
        int total = root.path("text").asText().length();
        for (JsonNode a : root.path("attachments")) {
            total += a.path("text").asText().length()
                    + a.path("title").asText().length()
                    + a.path("pretext").asText().length()
                    + a.path("fallback").asText().length();
            for (JsonNode f : a.path("fields")) {
                total += f.path("title").asText().length()
                        + f.path("value").asText().length();
            }
        }
        if (total == 0) {
            return "text or attachments required";
        }
        if (total > 16_383) {
            return "message too long: " + total + " characters";
        }
        return "";
    }

    private String webhook(JsonNode root, Map<String, String> headers, String body) {
        for (String attribute : List.of("specversion", "id", "type", "source")) {
            if (!root.path(attribute).isTextual()) {
                return "not a CloudEvent: " + attribute + " missing";
            }
        }
        if (!headers.getOrDefault("Content-Type", "").startsWith("application/cloudevents+json")) {
            return "content type is not application/cloudevents+json";
        }
        String key = secret;
        if (key.isEmpty()) {
            return "";
        }
        String timestamp = headers.getOrDefault("X-Berth-Timestamp", "");
        String signature = headers.getOrDefault("X-Berth-Signature", "");
        long ts;
        try {
            ts = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            return "401 no timestamp";
        }
        if (Math.abs(Instant.now().getEpochSecond() - ts) > 300) {
            return "401 stale timestamp";
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String expected = "sha256="
                    + HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
            if (!MessageDigest.isEqual(
                    expected.getBytes(StandardCharsets.UTF_8), signature.getBytes(StandardCharsets.UTF_8))) {
                return "401 bad signature";
            }
        } catch (java.security.GeneralSecurityException e) {
            return "401 " + e.getMessage();
        }
        return "";
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
