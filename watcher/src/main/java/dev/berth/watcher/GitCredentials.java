package dev.berth.watcher;

import dev.berth.common.BerthException;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How the watcher authenticates to a config repository, for every git operation it runs ({@code
 * ls-remote}, {@code fetch}). Immutable; {@link #toString()} never shows a secret (token, password or
 * passphrase).
 *
 * <ul>
 *   <li>{@link #none()}: anonymous, or a local path / {@code file://} URL.
 *   <li>{@link #token(String)}: an HTTPS access token, sent as the password of HTTP basic auth with the
 *       user name {@value #DEFAULT_TOKEN_USERNAME}, which GitHub, GitLab, Gitea and Forgejo accept for
 *       personal and app tokens ({@link #token(String, String)} picks another user name, such as {@code
 *       oauth2} for GitLab OAuth tokens).
 *   <li>{@link #userPassword(String, String)}: HTTP basic auth.
 *   <li>{@link #sshKey(Path, String, Path)}: an SSH private key (OpenSSH or PEM), its passphrase if it
 *       has one, and a {@code known_hosts} file the server's host key must be in (strict checking: an
 *       unknown or changed host key fails the connection).
 * </ul>
 *
 * <p>HTTP credentials are used only for {@code http://} and {@code https://} URLs, an SSH key only for
 * {@code ssh://} and {@code user@host:path} URLs; a mismatch is reported when the watcher starts.
 */
public sealed interface GitCredentials
        permits GitCredentials.None, GitCredentials.Token, GitCredentials.UserPassword, GitCredentials.SshKey {

    /** The user name sent with a token when none is given. */
    String DEFAULT_TOKEN_USERNAME = "x-access-token";

    /** No credentials. */
    static GitCredentials none() {
        return None.INSTANCE;
    }

    /** An HTTPS access token sent with the user name {@value #DEFAULT_TOKEN_USERNAME}. */
    static GitCredentials token(String token) {
        return new Token(DEFAULT_TOKEN_USERNAME, token);
    }

    /** An HTTPS access token sent with the given user name (such as {@code oauth2}). */
    static GitCredentials token(String username, String token) {
        return new Token(username, token);
    }

    /** HTTP basic auth. */
    static GitCredentials userPassword(String username, String password) {
        return new UserPassword(username, password);
    }

    /**
     * An SSH key.
     *
     * @param privateKey the private key file
     * @param passphrase the key's passphrase; null when it has none
     * @param knownHosts the {@code known_hosts} file that must list the server's host key
     */
    static GitCredentials sshKey(Path privateKey, @Nullable String passphrase, Path knownHosts) {
        return new SshKey(privateKey, passphrase, knownHosts);
    }

    /** Whether these credentials are sent over HTTP(S) basic auth. */
    default boolean isHttp() {
        return this instanceof Token || this instanceof UserPassword;
    }

    /** No credentials. */
    record None() implements GitCredentials {
        static final None INSTANCE = new None();

        @Override
        public String toString() {
            return "GitCredentials.none";
        }
    }

    /**
     * An HTTPS access token.
     *
     * @param username the user name sent with it
     * @param token the token, sent as the password
     */
    record Token(String username, String token) implements GitCredentials {
        public Token {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(token, "token");
            if (username.isBlank()) {
                throw new BerthException("git token user name is empty: leave it out to send " + DEFAULT_TOKEN_USERNAME
                        + ", or give the one your git server expects, such as oauth2");
            }
            if (token.isBlank()) {
                throw new BerthException(
                        "git token is empty: put the access token in the secret the environment names");
            }
        }

        @Override
        public String toString() {
            return "GitCredentials.token[username=" + username + ", token=***]";
        }
    }

    /**
     * HTTP basic auth.
     *
     * @param username the user name
     * @param password the password
     */
    record UserPassword(String username, String password) implements GitCredentials {
        public UserPassword {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
            if (username.isBlank()) {
                throw new BerthException("git user name is empty: give the user name of the git account");
            }
            if (password.isEmpty()) {
                throw new BerthException("git password is empty: put the password in the secret the environment names");
            }
        }

        @Override
        public String toString() {
            return "GitCredentials.userPassword[username=" + username + ", password=***]";
        }
    }

    /**
     * An SSH private key with strict host key checking.
     *
     * @param privateKey the private key file
     * @param passphrase the key's passphrase; null when it has none
     * @param knownHosts the {@code known_hosts} file that must list the server's host key
     */
    record SshKey(Path privateKey, @Nullable String passphrase, Path knownHosts) implements GitCredentials {
        public SshKey {
            Objects.requireNonNull(privateKey, "privateKey");
            Objects.requireNonNull(knownHosts, "knownHosts");
        }

        @Override
        public String toString() {
            return "GitCredentials.sshKey[privateKey=" + privateKey + ", passphrase="
                    + (passphrase == null ? "none" : "***") + ", knownHosts=" + knownHosts + "]";
        }
    }
}
