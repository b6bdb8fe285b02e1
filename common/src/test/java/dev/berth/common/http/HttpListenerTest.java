package dev.berth.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The listener over real sockets on loopback, with small limits so that each case takes a second or two. */
class HttpListenerTest {
    private static final HttpLimits SMALL = new HttpLimits(8, Duration.ofMillis(1500), 2048, 1000, 12, 4);

    private final List<Socket> sockets = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger blocked = new AtomicInteger();
    private HttpListener listener;

    private void start(HttpLimits limits) throws IOException {
        listener = new HttpListener(
                "test-http", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), limits, call -> {
                    if (call.path().equals("/block")) {
                        blocked.incrementAndGet();
                        try {
                            release.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return HttpReply.text(
                            call.bodyTooLarge() ? 413 : 200,
                            call.method() + " " + call.path() + " " + call.body().length + " " + call.header("x-test")
                                    + "\n");
                });
        listener.start();
    }

    @AfterEach
    void stop() throws IOException {
        release.countDown();
        for (Socket s : sockets) {
            s.close();
        }
        if (listener != null) {
            listener.stop();
        }
    }

    @Test
    void answersARequestWithItsHeadersAndBody() throws IOException {
        start(SMALL);
        String response = exchange(
                "POST /x HTTP/1.1\r\nHost: a\r\nX-Test: yes\r\nContent-Length: 3\r\n" + "Connection: close\r\n\r\nabc");
        assertThat(response).startsWith("HTTP/1.1 200 ").endsWith("POST /x 3 yes\n");
    }

    @Test
    void aClientSendingAByteAtATimeIsCutOffAtTheRequestTimeoutWhileOthersAreServed() throws Exception {
        start(SMALL);
        Socket slow = open();
        long started = System.nanoTime();
        byte[] request = "GET /slow HTTP/1.1\r\nHost: a\r\nX-Padding: ".getBytes(StandardCharsets.US_ASCII);
        // Writes a byte every 100 ms (each byte would reset an idle timeout) until the server closes.
        List<Duration> fast = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 100; i++) {
                try {
                    slow.getOutputStream().write(i < request.length ? request[i] : 'x');
                    slow.getOutputStream().flush();
                } catch (IOException e) {
                    return; // the server closed the slow connection: expected
                }
                try {
                    fast.add(exchangeTimed("GET /fast HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
                    // Paces the slow client's bytes; each one would restart a plain idle timeout.
                    new CountDownLatch(1).await(100, TimeUnit.MILLISECONDS);
                } catch (IOException | RuntimeException | AssertionError e) {
                    failures.add(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        });
        writer.start();
        assertThat(readToEnd(slow, Duration.ofSeconds(5))).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
        writer.join(5000);
        assertThat(failures).isEmpty();
        assertThat(fast)
                .hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(d -> assertThat(d).isLessThan(Duration.ofSeconds(1)));
        assertThat(listener.timedOutConnections()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void anIdleConnectionIsClosedAtTheTimeoutWithoutCountingAsSlow() throws Exception {
        start(SMALL);
        Socket idle = open();
        idle.getOutputStream().write("GET /x HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        // The response, then nothing more: the keep-alive connection is closed after the timeout.
        assertThat(readToEnd(idle, Duration.ofSeconds(5))).startsWith("HTTP/1.1 200 ");
        assertThat(listener.timedOutConnections()).isZero();
    }

    @Test
    void aBodyThatTricklesIsCutOffToo() throws Exception {
        start(SMALL);
        Socket slow = open();
        slow.getOutputStream()
                .write("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 900\r\n\r\nab"
                        .getBytes(StandardCharsets.US_ASCII));
        long started = System.nanoTime();
        assertThat(readToEnd(slow, Duration.ofSeconds(5))).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void manyIdleConnectionsFromOneAddressDoNotLockOutAnotherRequestFromIt() throws Exception {
        start(SMALL);
        for (int i = 0; i < 30; i++) {
            open();
        }
        for (int i = 0; i < 5; i++) {
            assertThat(exchangeTimed("GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"))
                    .isLessThan(Duration.ofSeconds(1));
        }
        assertThat(listener.refusedConnections()).isGreaterThanOrEqualTo(26);
    }

    @Test
    void requestsAreHandledConcurrentlyAndBusyConnectionsAreCapped() throws Exception {
        start(SMALL);
        List<Socket> busy = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Socket s = open();
            s.getOutputStream().write("GET /block HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            busy.add(s);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> blocked.get() == 4);
        assertThat(listener.refusedConnections()).isZero();
        // All four per-address slots are busy with a request: a fifth connection from the address is closed.
        Socket fifth = open();
        fifth.getOutputStream().write("GET /x HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(readToEnd(fifth, Duration.ofSeconds(3))).isEmpty();
        release.countDown();
        for (Socket s : busy) {
            s.setSoTimeout(3000);
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(15);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK");
        }
    }

    @Test
    void headersAndBodiesOverTheirLimitsAreRefused() throws IOException {
        start(SMALL);
        String big = "GET /x HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(3000) + "\r\nConnection: close\r\n\r\n";
        assertThat(exchange(big)).startsWith("HTTP/1.1 431 ");
        // Declared too large: answered without the body ever being sent.
        assertThat(statusLine("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n"))
                .startsWith("HTTP/1.1 413 ");
        String chunked = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + "3e9\r\n"
                + "c".repeat(1001) + "\r\n0\r\n\r\n";
        assertThat(statusLine(chunked)).startsWith("HTTP/1.1 413 ");
    }

    @Test
    void aBusyPortIsAnIOExceptionSayingSo() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            HttpListener other = new HttpListener(
                    "test-busy",
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort()),
                    SMALL,
                    call -> HttpReply.text(200, ""));
            assertThatThrownBy(other::start)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("Address already in use");
            other.stop();
        }
    }

    @Test
    void limitsAreCheckedNamingTheKey() {
        assertThatThrownBy(() -> new HttpLimits(8, Duration.ofSeconds(5), 8192, 0, 4, 16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("HTTP limit maxConnectionsPerAddress is 16: must be between 1 and maxConnections (4)");
        assertThatThrownBy(() -> new HttpLimits(2, Duration.ofSeconds(5), 8192, 0, 4, 4))
                .hasMessageStartingWith("HTTP limit threads is 2");
    }

    private Socket open() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port());
        sockets.add(s);
        return s;
    }

    private String exchange(String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return readToEnd(s, Duration.ofSeconds(5));
        }
    }

    private String statusLine(String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = s.getInputStream().read();
                    b >= 0 && b != '\r';
                    b = s.getInputStream().read()) {
                line.write(b);
            }
            return line.toString(StandardCharsets.US_ASCII);
        }
    }

    private Duration exchangeTimed(String request) throws IOException {
        long t0 = System.nanoTime();
        assertThat(exchange(request)).startsWith("HTTP/1.1 200 ");
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** Everything until the server closes; fails when it does not close within the timeout. */
    private static String readToEnd(Socket s, Duration timeout) throws IOException {
        s.setSoTimeout((int) timeout.toMillis());
        try {
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within " + timeout, e);
        } catch (java.net.SocketException e) {
            return ""; // reset by the server: closed as well
        }
    }
}
