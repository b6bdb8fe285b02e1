package dev.berth.watcher.internal.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The receiver over real HTTP on an ephemeral loopback port. */
class WebhookServerTest {
    private static final byte[] SECRET = "s3cret-for-tests".getBytes(StandardCharsets.UTF_8);
    private static final String REPO = "https://github.com/acme/config.git";
    private static final String PUSH_MAIN =
            "{\"ref\":\"refs/heads/main\",\"repository\":{\"clone_url\":\"" + REPO + "\"}}";

    private final SignatureVerifier signer = new SignatureVerifier(SECRET, Clock.systemUTC());
    private final AtomicInteger polls = new AtomicInteger();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final HttpClient http = HttpClient.newHttpClient();
    private WebhookServer server;

    @BeforeEach
    void start() {
        server = new WebhookServer(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new SignatureVerifier(SECRET, Clock.systemUTC()),
                "git@github.com:acme/config.git",
                "main",
                polls::incrementAndGet,
                "test-webhook",
                registry,
                "dev",
                Clock.systemUTC());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void aSignedGithubPushAnswers202AndPollsOnce() throws Exception {
        HttpResponse<String> response = post("/hooks/git", PUSH_MAIN, github(PUSH_MAIN, "d-1"));
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).startsWith("accepted");
        assertThat(polls).hasValue(1);
        assertThat(registry.get("berth.watcher.webhooks")
                        .tag("outcome", "polled")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void aReplayedDeliveryIsIgnored() throws Exception {
        Map<String, String> headers = github(PUSH_MAIN, "d-2");
        assertThat(post("/hooks/github", PUSH_MAIN, headers).statusCode()).isEqualTo(202);
        HttpResponse<String> again = post("/hooks/github", PUSH_MAIN, headers);
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(again.body()).contains("ignored").contains("replayed");
        assertThat(polls).hasValue(1);
    }

    @Test
    void aReplayWithAnotherDeliveryIdIsStillAReplay() throws Exception {
        assertThat(post("/hooks/github", PUSH_MAIN, github(PUSH_MAIN, "d-10")).statusCode())
                .isEqualTo(202);
        // The delivery id is not signed: the same signed body with a fresh id is the same delivery.
        HttpResponse<String> again = post("/hooks/github", PUSH_MAIN, github(PUSH_MAIN, "d-11"));
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(again.body()).contains("replayed");
        assertThat(polls).hasValue(1);
    }

    @Test
    void aSignedBodyThatIsNotAJsonObjectAnswers400AndPollsNothing() throws Exception {
        for (String bad : new String[] {"{\"ref\": \"refs/heads/main\"", "not json", "[1, 2]", ""}) {
            HttpResponse<String> response = post("/hooks/git", bad, github(bad, "d-12"));
            assertThat(response.statusCode()).as(bad).isEqualTo(400);
            assertThat(response.body()).startsWith("signed payload refused: body is not");
        }
        assertThat(polls).hasValue(0);
        assertThat(registry.get("berth.watcher.webhooks")
                        .tag("outcome", "invalid")
                        .counter()
                        .count())
                .isEqualTo(4.0);
    }

    @Test
    void wrongOrMissingSignaturesAnswer401AndPollNothing() throws Exception {
        Map<String, String> wrong = Map.of(
                "X-Hub-Signature-256",
                "sha256=" + "ab".repeat(32),
                "X-GitHub-Delivery",
                "d-3",
                "X-GitHub-Event",
                "push");
        assertThat(post("/hooks/git", PUSH_MAIN, wrong).statusCode()).isEqualTo(401);
        assertThat(post("/hooks/git", PUSH_MAIN, Map.of("X-GitHub-Event", "push"))
                        .statusCode())
                .isEqualTo(401);
        assertThat(post("/hooks/gitlab", PUSH_MAIN, github(PUSH_MAIN, "d-4")).statusCode())
                .isEqualTo(401);
        assertThat(post("/hooks/git", PUSH_MAIN, Map.of("X-Gitlab-Token", "nope"))
                        .statusCode())
                .isEqualTo(401);
        assertThat(polls).hasValue(0);
        assertThat(registry.get("berth.watcher.webhooks")
                        .tag("outcome", "refused")
                        .counter()
                        .count())
                .isEqualTo(4.0);
    }

    @Test
    void eachProviderFormatPolls() throws Exception {
        String gitlab =
                "{\"ref\":\"refs/heads/main\",\"project\":{\"git_ssh_url\":\"git@github.com:acme/config.git\"}}";
        assertThat(post(
                                "/hooks/gitlab",
                                gitlab,
                                Map.of(
                                        "X-Gitlab-Token",
                                        new String(SECRET, StandardCharsets.UTF_8),
                                        "X-Gitlab-Event",
                                        "Push Hook"))
                        .statusCode())
                .isEqualTo(202);
        assertThat(post(
                                "/hooks/forgejo",
                                PUSH_MAIN,
                                Map.of("X-Forgejo-Signature", signer.sign(bytes(PUSH_MAIN)), "X-Forgejo-Event", "push"))
                        .statusCode())
                .isEqualTo(202);
        String ts = Long.toString(System.currentTimeMillis() / 1000);
        String generic = "{}";
        assertThat(post(
                                "/hooks/git",
                                generic,
                                Map.of(
                                        "X-Berth-Timestamp",
                                        ts,
                                        "X-Berth-Signature",
                                        "sha256=" + signer.sign(bytes(ts + "."), bytes(generic))))
                        .statusCode())
                .isEqualTo(202);
        assertThat(polls).hasValue(3);
    }

    @Test
    void anotherBranchRepositoryOrEventIsIgnored() throws Exception {
        String other = PUSH_MAIN.replace("refs/heads/main", "refs/heads/feature");
        HttpResponse<String> response = post("/hooks/git", other, github(other, "d-5"));
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).startsWith("ignored");
        String otherRepo = PUSH_MAIN.replace("acme/config", "acme/other");
        assertThat(post("/hooks/git", otherRepo, github(otherRepo, "d-6")).body())
                .startsWith("ignored");
        Map<String, String> ping = new java.util.HashMap<>(github("{}", "d-7"));
        ping.put("X-GitHub-Event", "ping");
        assertThat(post("/hooks/git", "{}", ping).body()).startsWith("ignored");
        assertThat(polls).hasValue(0);
    }

    @Test
    void aDeclaredLengthOverOneMebibyteIsRefusedWith413WithoutReadingTheBody() throws Exception {
        // No body is sent at all: a server that tried to read it would never answer.
        String head = "POST /hooks/git HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Hub-Signature-256: sha256=00\r\n"
                + "Content-Length: " + (WebhookServer.MAX_BODY_BYTES + 1) + "\r\n\r\n";
        assertThat(rawStatusLine(bytes(head))).startsWith("HTTP/1.1 413 ");
        assertThat(polls).hasValue(0);
        assertThat(registry.get("berth.watcher.webhooks")
                        .tag("outcome", "too-large")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void aChunkedBodyOverOneMebibyteIsRefusedWith413() throws Exception {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(bytes("POST /hooks/git HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Hub-Signature-256: sha256=00\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"));
        int size = WebhookServer.MAX_BODY_BYTES + 1;
        request.writeBytes(bytes(Integer.toHexString(size) + "\r\n"));
        request.writeBytes(new byte[size]);
        request.writeBytes(bytes("\r\n0\r\n\r\n"));
        assertThat(rawStatusLine(request.toByteArray())).startsWith("HTTP/1.1 413 ");
        assertThat(polls).hasValue(0);
    }

    /** Sends bytes as they are and reads the response's status line. */
    private String rawStatusLine(byte[] request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            return in.readLine();
        }
    }

    @Test
    void otherPathsAndMethodsAreRefused() throws Exception {
        assertThat(post("/hooks/svn", PUSH_MAIN, github(PUSH_MAIN, "d-9")).statusCode())
                .isEqualTo(404);
        HttpResponse<String> get = http.send(
                HttpRequest.newBuilder(uri("/hooks/git")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(polls).hasValue(0);
    }

    private Map<String, String> github(String body, String delivery) {
        return Map.of(
                "X-Hub-Signature-256",
                "sha256=" + signer.sign(bytes(body)),
                "X-GitHub-Delivery",
                delivery + "-" + UUID.randomUUID(),
                "X-GitHub-Event",
                "push");
    }

    private HttpResponse<String> post(String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
