package dev.berth.watcher.internal.git;

import dev.berth.common.BerthException;
import dev.berth.watcher.GitCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.errors.UnsupportedCredentialItem;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.jspecify.annotations.Nullable;

/**
 * Applies a source's {@link GitCredentials} to every JGit transport command (ls-remote, fetch): HTTP
 * basic auth for a token or user and password, and for an SSH key a session factory of its own
 * (Apache MINA sshd) that offers only that key, checks the server against only the given {@code
 * known_hosts} file ({@link StrictKnownHosts}), and reads neither {@code ~/.ssh} nor an SSH agent.
 * Thread-safe; the owner closes it (the SSH factory's connections).
 */
public final class GitTransport implements AutoCloseable {
    private final GitCredentials credentials;
    private final @Nullable CredentialsProvider provider;
    private final @Nullable SshdSessionFactory sshFactory;

    private GitTransport(
            GitCredentials credentials,
            @Nullable CredentialsProvider provider,
            @Nullable SshdSessionFactory sshFactory) {
        this.credentials = credentials;
        this.provider = provider;
        this.sshFactory = sshFactory;
    }

    /**
     * The transport for {@code source} with {@code credentials}.
     *
     * @param sshHome a private directory the SSH client may use as its home (it writes nothing there
     *     that holds a secret)
     * @throws BerthException when the credentials do not suit the URL (HTTP credentials for an SSH URL
     *     or the reverse), or an SSH key or known-hosts file cannot be read
     */
    public static GitTransport of(GitSource source, GitCredentials credentials, Path sshHome) {
        Objects.requireNonNull(credentials, "credentials");
        String scheme = source.scheme();
        if (credentials.isHttp() && !scheme.equals("http") && !scheme.equals("https")) {
            throw new BerthException("repository " + source.display() + " is not an http(s):// URL, but the"
                    + " credentials are a token or user and password: give an https:// URL, or an SSH key for an"
                    + " SSH URL");
        }
        if (credentials instanceof GitCredentials.SshKey key) {
            if (!scheme.equals("ssh")) {
                throw new BerthException("repository " + source.display() + " is not an SSH URL (ssh:// or"
                        + " user@host:path), but the credentials are an SSH key: give an SSH URL, or a token for an"
                        + " https:// URL");
            }
            requireReadable(key.privateKey(), "SSH private key");
            requireReadable(key.knownHosts(), "known_hosts file");
            return new GitTransport(credentials, passphraseProvider(key.passphrase()), sshFactory(key, sshHome));
        }
        if (credentials instanceof GitCredentials.Token t) {
            return new GitTransport(
                    credentials, new UsernamePasswordCredentialsProvider(t.username(), t.token()), null);
        }
        if (credentials instanceof GitCredentials.UserPassword u) {
            return new GitTransport(
                    credentials, new UsernamePasswordCredentialsProvider(u.username(), u.password()), null);
        }
        return new GitTransport(credentials, null, null);
    }

    private static void requireReadable(Path file, String what) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new BerthException(
                    what + " " + file + " does not exist or cannot be read: give the path of a" + " readable file");
        }
    }

    private static SshdSessionFactory sshFactory(GitCredentials.SshKey key, Path sshHome) {
        try {
            Files.createDirectories(sshHome.resolve(".ssh"));
        } catch (IOException e) {
            throw new BerthException(
                    "could not create " + sshHome + " for the SSH client: " + e.getMessage()
                            + "; check that --data-dir is writable",
                    e);
        }
        Path knownHosts = key.knownHosts();
        return new SshdSessionFactoryBuilder()
                .setHomeDirectory(sshHome.toFile())
                .setSshDirectory(sshHome.resolve(".ssh").toFile())
                // No ~/.ssh/config: nothing outside the environment's settings changes how we connect.
                .setConfigFile(
                        dir -> sshHome.resolve(".ssh").resolve("config-unused").toFile())
                .setDefaultIdentities(dir -> List.of(key.privateKey()))
                .setDefaultKnownHostsFiles(dir -> List.of(knownHosts))
                .setServerKeyDatabase((home, ssh) -> new StrictKnownHosts(knownHosts))
                .setPreferredAuthentications("publickey")
                .build(null);
    }

    /** Answers the key's passphrase prompt, and nothing else (a host key question is answered no). */
    private static CredentialsProvider passphraseProvider(@Nullable String passphrase) {
        return new CredentialsProvider() {
            @Override
            public boolean isInteractive() {
                return false;
            }

            @Override
            public boolean supports(CredentialItem... items) {
                for (CredentialItem item : items) {
                    if (!(item instanceof CredentialItem.Password)
                            && !(item instanceof CredentialItem.InformationalMessage)) {
                        return false;
                    }
                }
                return passphrase != null;
            }

            @Override
            public boolean get(URIish uri, CredentialItem... items) throws UnsupportedCredentialItem {
                if (passphrase == null) {
                    return false;
                }
                for (CredentialItem item : items) {
                    if (item instanceof CredentialItem.Password p) {
                        p.setValue(passphrase.toCharArray());
                    } else if (!(item instanceof CredentialItem.InformationalMessage)) {
                        return false;
                    }
                }
                return true;
            }
        };
    }

    /** Sets the credentials and SSH factory on a command before it runs. */
    public <C extends TransportCommand<C, ?>> C configure(C command) {
        if (provider != null) {
            command.setCredentialsProvider(provider);
        }
        SshdSessionFactory factory = sshFactory;
        if (factory != null) {
            command.setTransportConfigCallback(transport -> {
                if (transport instanceof SshTransport ssh) {
                    ssh.setSshSessionFactory(factory);
                }
            });
        }
        return command;
    }

    /** True when the server may have refused these credentials (used to word an error). */
    public boolean hasCredentials() {
        return !(credentials instanceof GitCredentials.None);
    }

    @Override
    public void close() {
        SshdSessionFactory factory = sshFactory;
        if (factory != null) {
            factory.close();
        }
    }
}
