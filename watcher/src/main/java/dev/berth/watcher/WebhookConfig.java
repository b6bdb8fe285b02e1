package dev.berth.watcher;

import dev.berth.common.BerthException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where a {@link Watcher} takes push webhooks ({@code POST /hooks/git}) and the secret they are signed
 * with. Validated when built; immutable; {@link #toString()} never shows the secret.
 *
 * @param host the address to listen on, such as {@value #DEFAULT_HOST}
 * @param port the port to listen on; 0 picks a free one
 * @param secret the shared secret: the HMAC key of GitHub, Gitea, Forgejo and generic signatures, and
 *     the token GitLab sends
 */
public record WebhookConfig(String host, int port, String secret) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 9418;

    public WebhookConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(secret, "secret");
        if (host.isBlank()) {
            throw new BerthException("webhook listen address is empty: give an address and port, such as "
                    + DEFAULT_HOST + ":" + DEFAULT_PORT);
        }
        if (port < 0 || port > 65535) {
            throw new BerthException(
                    "webhook port " + port + " is not a port: give one from 0 to 65535, such as " + DEFAULT_PORT);
        }
        if (secret.isBlank()) {
            throw new BerthException(
                    "webhook secret is empty: put a long random string in the secret file, the same one the git"
                            + " server signs with");
        }
    }

    /** The secret as the HMAC key. */
    public byte[] secretBytes() {
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "WebhookConfig[host=" + host + ", port=" + port + ", secret=***]";
    }
}
