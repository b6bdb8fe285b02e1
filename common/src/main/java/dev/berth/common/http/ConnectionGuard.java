package dev.berth.common.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * Keeps slow and greedy clients from holding a listener: each connection must deliver a whole request
 * within the request timeout of its opening or of its previous response, or it is closed; the open
 * connections are capped in total and per client address. A connection over a cap first pushes out
 * the oldest connection (of that address, or of all) that is still waiting for its request, so a
 * client that opens many idle connections cannot lock out a health check from the same address;
 * when every connection is busy with a request, the new one is closed. Thread-safe.
 */
final class ConnectionGuard implements Connection.Listener {
    /** Told of each connection closed for cause: (reason, client address, line to log). */
    interface Closed {
        void closed(String reason, String address, String line);
    }

    private final Scheduler scheduler;
    private final Closed closed;
    private final long timeoutMillis;
    private final int maxTotal;
    private final int maxPerAddress;
    private final Map<Connection, Tracked> open = new HashMap<>();
    private final Map<String, Integer> perAddress = new HashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();
    private long sequence;

    private static final class Tracked {
        final String address;
        long waitingSince;
        long bytesInWhenArmed;
        boolean waiting = true;
        Scheduler.@Nullable Task deadline;

        Tracked(String address, long waitingSince) {
            this.address = address;
            this.waitingSince = waitingSince;
        }
    }

    ConnectionGuard(Scheduler scheduler, Duration timeout, int maxTotal, int maxPerAddress, Closed closed) {
        this.scheduler = scheduler;
        this.closed = closed;
        this.timeoutMillis = timeout.toMillis();
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    @Override
    public void onOpened(Connection connection) {
        // The connections to close, with their client addresses (an endpoint closed by its client has none).
        Map<Connection, String> toClose = new LinkedHashMap<>();
        String address = address(connection.getEndPoint().getRemoteSocketAddress());
        String refusal = null;
        synchronized (this) {
            if (perAddress.getOrDefault(address, 0) >= maxPerAddress && !evictOldestWaiting(address, toClose)) {
                toClose.put(connection, address);
                refusal = "over-address-cap";
            } else if (open.size() - toClose.size() >= maxTotal && !evictOldestWaiting(null, toClose)) {
                toClose.put(connection, address);
                refusal = "over-total-cap";
            } else {
                Tracked tracked = new Tracked(address, ++sequence);
                open.put(connection, tracked);
                perAddress.merge(address, 1, Integer::sum);
                arm(connection, tracked);
            }
        }
        if (refusal != null) {
            refused.incrementAndGet();
            closed.closed(
                    refusal,
                    address,
                    "closed a new connection from " + address + ": "
                            + (refusal.equals("over-address-cap")
                                    ? maxPerAddress + " connections from that address"
                                    : maxConnectionsText())
                            + " are open and busy with requests");
        }
        for (Map.Entry<Connection, String> e : toClose.entrySet()) {
            Connection c = e.getKey();
            if (c != connection) {
                String from = e.getValue();
                closed.closed(
                        "pushed-out",
                        from,
                        "closed a connection from " + from + " that had not sent a whole request, to make room"
                                + " for a new one from " + address);
            }
            c.getEndPoint().close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        synchronized (this) {
            Tracked tracked = open.remove(connection);
            if (tracked == null) {
                return;
            }
            cancel(tracked);
            perAddress.computeIfPresent(tracked.address, (a, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** A whole request arrived on this connection: no deadline until its response is done. */
    synchronized void requestArrived(Connection connection) {
        Tracked tracked = open.get(connection);
        if (tracked != null) {
            tracked.waiting = false;
            cancel(tracked);
        }
    }

    /** The response went out: the next request must arrive within the timeout. */
    synchronized void responseDone(Connection connection) {
        Tracked tracked = open.get(connection);
        if (tracked != null) {
            tracked.waiting = true;
            tracked.waitingSince = ++sequence;
            arm(connection, tracked);
        }
    }

    /** Connections closed at once because a cap was reached and none could be pushed out. */
    long refused() {
        return refused.get();
    }

    /** Waiting connections pushed out to make room for a new one. */
    long evicted() {
        return evicted.get();
    }

    /** Connections closed because their request did not arrive whole in time. */
    long timedOut() {
        return timedOut.get();
    }

    private String maxConnectionsText() {
        return maxTotal + " connections in total";
    }

    private boolean evictOldestWaiting(@Nullable String address, Map<Connection, String> toClose) {
        Connection oldest = null;
        long since = Long.MAX_VALUE;
        for (Map.Entry<Connection, Tracked> e : open.entrySet()) {
            Tracked t = e.getValue();
            if (t.waiting
                    && t.waitingSince < since
                    && !toClose.containsKey(e.getKey())
                    && (address == null || address.equals(t.address))) {
                oldest = e.getKey();
                since = t.waitingSince;
            }
        }
        if (oldest == null) {
            return false;
        }
        evicted.incrementAndGet();
        toClose.put(oldest, open.get(oldest).address);
        return true;
    }

    private void arm(Connection connection, Tracked tracked) {
        cancel(tracked);
        tracked.bytesInWhenArmed = connection.getBytesIn();
        tracked.deadline = scheduler.schedule(() -> expire(connection), timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private void expire(Connection connection) {
        boolean idle;
        String address;
        synchronized (this) {
            Tracked tracked = open.get(connection);
            if (tracked == null || !tracked.waiting) {
                return;
            }
            idle = connection.getBytesIn() == tracked.bytesInWhenArmed;
            address = tracked.address;
        }
        connection.getEndPoint().close();
        if (!idle) {
            // An idle keep-alive connection closed on time is routine; a request begun and not finished is not.
            timedOut.incrementAndGet();
            closed.closed(
                    "request-timeout",
                    address,
                    "closed a connection from " + address + ": its request did not arrive whole within " + timeoutMillis
                            + " ms");
        }
    }

    private static void cancel(Tracked tracked) {
        Scheduler.Task task = tracked.deadline;
        if (task != null) {
            task.cancel();
            tracked.deadline = null;
        }
    }

    private static String address(@Nullable SocketAddress remote) {
        if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(remote);
    }
}
