package dev.berth.common.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 listener on Jetty for small request/reply endpoints: requests are handled at once on up
 * to {@link HttpLimits#threads()} named threads ({@code <name>-<n>}); a body is read without holding a
 * thread, whole and bounded, before the endpoint sees it; a request that does not arrive whole within
 * {@link HttpLimits#requestTimeout()} has its connection closed (a client sending a byte a second
 * holds nothing for long); connections are capped in total and per client address (see {@link
 * ConnectionGuard}). Owns its threads; {@link #stop()} is idempotent.
 */
public final class HttpListener {
    private static final Logger log = LoggerFactory.getLogger(HttpListener.class);

    private final String name;
    private final InetSocketAddress bindAddress;
    private final HttpLimits limits;
    private final HttpEndpoint endpoint;
    private final WarningSummary closures;
    private @Nullable Server server;
    private @Nullable ServerConnector connector;
    private @Nullable ConnectionGuard guard;

    /**
     * @param name names the threads, such as {@code berth-ops-http}
     * @param bindAddress where to listen; port 0 picks a free port, see {@link #port()}
     */
    public HttpListener(String name, InetSocketAddress bindAddress, HttpLimits limits, HttpEndpoint endpoint) {
        this(name, bindAddress, limits, endpoint, Clock.systemUTC());
    }

    /**
     * @param clock paces the summaries of connections closed for cause (a request that did not arrive
     *     in time, a cap reached), logged as WARN at most once a minute after the first
     */
    public HttpListener(
            String name, InetSocketAddress bindAddress, HttpLimits limits, HttpEndpoint endpoint, Clock clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.closures = new WarningSummary(
                "HTTP listener " + name + ": connections closed", WarningSummary.DEFAULT_PERIOD, clock, log::warn);
        this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    }

    /**
     * Starts listening.
     *
     * @throws IOException when the address cannot be bound (its message says why)
     */
    public synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        QueuedThreadPool threads = new QueuedThreadPool(limits.threads(), 2, 60_000);
        threads.setName(name);
        threads.setReservedThreads(0);
        threads.setDaemon(true);
        Server s = new Server(threads);
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler(name + "-timer", true);
        s.addBean(scheduler);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(limits.maxHeaderBytes());
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        http.setIdleTimeout(limits.requestTimeout().toMillis());
        ServerConnector c = new ServerConnector(s, threads, scheduler, null, 1, 1, new HttpConnectionFactory(http));
        c.setHost(bindAddress.getHostString());
        c.setPort(bindAddress.getPort());
        c.setIdleTimeout(limits.requestTimeout().toMillis());
        c.setAcceptQueueSize(64);
        ConnectionGuard g = new ConnectionGuard(
                scheduler,
                limits.requestTimeout(),
                limits.maxConnections(),
                limits.maxConnectionsPerAddress(),
                (reason, address, line) -> closures.warn(
                        reason,
                        address,
                        "HTTP listener " + name + " " + line + " (further closings are summed up once a minute)"));
        c.addEventListener(g);
        s.addConnector(c);
        s.setHandler(new Adapter(g));
        // No graceful wait: idle keep-alive connections would hold stop() for the whole timeout.
        s.setStopTimeout(0);
        try {
            s.start();
        } catch (IOException e) {
            stopQuietly(s);
            Throwable cause = e.getCause();
            throw new IOException(e.getMessage() + (cause == null ? "" : ": " + cause.getMessage()), e);
        } catch (Exception e) {
            stopQuietly(s);
            throw new IOException(e.getMessage(), e);
        }
        server = s;
        connector = c;
        guard = g;
    }

    /** The port it listens on, once started. */
    public synchronized int port() {
        ServerConnector c = connector;
        if (c == null) {
            throw new IllegalStateException("not started");
        }
        return c.getLocalPort();
    }

    /** Connections closed because a cap was reached: new ones refused, and waiting ones pushed out. */
    public synchronized long refusedConnections() {
        ConnectionGuard g = guard;
        return g == null ? 0 : g.refused() + g.evicted();
    }

    /**
     * Connections closed because their request, begun, did not arrive whole within the request timeout
     * (idle connections closed on time are not counted).
     */
    public synchronized long timedOutConnections() {
        ConnectionGuard g = guard;
        return g == null ? 0 : g.timedOut();
    }

    /** Stops listening and its threads at once (requests in progress are cut off); idempotent. */
    public synchronized void stop() {
        Server s = server;
        if (s != null) {
            stopQuietly(s);
            server = null;
            closures.flush();
        }
    }

    private void stopQuietly(Server s) {
        try {
            s.stop();
        } catch (Exception e) {
            log.warn("HTTP listener {} on {} did not stop cleanly: {}", name, bindAddress, e.toString());
        }
    }

    /** Reads the request whole and bounded, asks the endpoint, writes its reply. */
    private final class Adapter extends Handler.Abstract {
        private final ConnectionGuard guard;

        Adapter(ConnectionGuard guard) {
            this.guard = guard;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Connection connection = request.getConnectionMetaData().getConnection();
            Callback done = Callback.from(
                    () -> {
                        guard.responseDone(connection);
                        callback.succeeded();
                    },
                    callback::failed);
            long declared = request.getLength();
            if (declared > limits.maxBodyBytes()) {
                guard.requestArrived(connection);
                answer(request, response, done, new byte[0], true);
                return true;
            }
            new BodyReader(
                            request,
                            limits.maxBodyBytes(),
                            (body, tooLarge) -> {
                                guard.requestArrived(connection);
                                answer(request, response, done, body, tooLarge);
                            },
                            done::failed)
                    .run();
            return true;
        }

        private void answer(Request request, Response response, Callback callback, byte[] body, boolean tooLarge) {
            HttpReply reply;
            try {
                reply = endpoint.handle(call(request, body, tooLarge));
            } catch (RuntimeException e) {
                log.error(
                        "HTTP listener {}: {} {} failed",
                        name,
                        request.getMethod(),
                        request.getHttpURI().getPath(),
                        e);
                reply = HttpReply.text(500, "internal error\n");
            }
            response.setStatus(reply.status());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
            reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
            if (tooLarge) {
                // The rest of the body is never read: the connection cannot carry another request.
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
            if ("HEAD".equals(request.getMethod())) {
                response.write(true, null, callback);
            } else {
                response.write(true, ByteBuffer.wrap(bytes), callback);
            }
        }

        private HttpCall call(Request request, byte[] body, boolean tooLarge) {
            Map<String, String> headers = new HashMap<>();
            for (HttpField field : request.getHeaders()) {
                headers.putIfAbsent(field.getName().toLowerCase(Locale.ROOT), field.getValue());
            }
            String path = request.getHttpURI().getDecodedPath();
            return new HttpCall(
                    request.getMethod(),
                    path == null ? "/" : path,
                    headers,
                    body,
                    tooLarge,
                    address(request.getConnectionMetaData().getRemoteSocketAddress()));
        }
    }

    /** Reads a request body chunk by chunk as it arrives, without blocking a thread, up to a bound. */
    private static final class BodyReader implements Runnable {
        interface Done {
            void accept(byte[] body, boolean tooLarge);
        }

        private final Content.Source source;
        private final int max;
        private final Done done;
        private final java.util.function.Consumer<Throwable> failed;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        BodyReader(Content.Source source, int max, Done done, java.util.function.Consumer<Throwable> failed) {
            this.source = source;
            this.max = max;
            this.done = done;
            this.failed = failed;
        }

        @Override
        public void run() {
            while (true) {
                Content.Chunk chunk = source.read();
                if (chunk == null) {
                    source.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    failed.accept(chunk.getFailure());
                    return;
                }
                ByteBuffer buffer = chunk.getByteBuffer();
                if (out.size() + buffer.remaining() > max) {
                    chunk.release();
                    done.accept(new byte[0], true);
                    return;
                }
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                out.writeBytes(bytes);
                boolean last = chunk.isLast();
                chunk.release();
                if (last) {
                    done.accept(out.toByteArray(), false);
                    return;
                }
            }
        }
    }

    private static String address(@Nullable SocketAddress remote) {
        if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(remote);
    }
}
