package dev.berth.watcher.internal.git;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;

/**
 * Strict host key checking against one {@code known_hosts} file: a server is accepted only when the
 * file lists its host (by name, or by {@code [name]:port} for another port than 22) with exactly the
 * key it presents. Never asks, never adds a key, never reads {@code ~/.ssh}; a {@code @revoked} key
 * is refused and {@code @cert-authority} lines are ignored. The file is read again at each connection,
 * so an edit takes effect at the next poll. Thread-safe.
 */
final class StrictKnownHosts implements ServerKeyDatabase {
    private final Path knownHosts;

    StrictKnownHosts(Path knownHosts) {
        this.knownHosts = knownHosts;
    }

    @Override
    public List<PublicKey> lookup(String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
        return keys(connectAddress, remoteAddress, false);
    }

    @Override
    public boolean accept(
            String connectAddress,
            InetSocketAddress remoteAddress,
            PublicKey serverKey,
            Configuration config,
            CredentialsProvider provider) {
        if (keys(connectAddress, remoteAddress, true).stream().anyMatch(k -> KeyUtils.compareKeys(k, serverKey))) {
            return false;
        }
        return keys(connectAddress, remoteAddress, false).stream().anyMatch(k -> KeyUtils.compareKeys(k, serverKey));
    }

    private List<PublicKey> keys(String connectAddress, InetSocketAddress remoteAddress, boolean revoked) {
        String host = connectAddress;
        int port = remoteAddress.getPort();
        if (host.startsWith("[")) {
            int close = host.indexOf("]:");
            if (close > 0) {
                port = Integer.parseInt(host.substring(close + 2));
                host = host.substring(1, close);
            }
        }
        List<PublicKey> keys = new ArrayList<>();
        try {
            for (KnownHostEntry entry : KnownHostEntry.readKnownHostEntries(knownHosts)) {
                String marker = entry.getMarker();
                boolean isRevoked = "revoked".equals(marker);
                if (isRevoked != revoked || (marker != null && !isRevoked)) {
                    continue;
                }
                if (entry.isHostMatch(host, port) || entry.isHostMatch(remoteAddress.getHostString(), port)) {
                    keys.add(entry.getKeyEntry().resolvePublicKey(null, PublicKeyEntryResolver.IGNORING));
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            // Unreadable or malformed: no key is known, so the connection is refused (the fetch error says so).
            return List.of();
        }
        keys.removeIf(java.util.Objects::isNull);
        return keys;
    }
}
