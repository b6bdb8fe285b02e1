package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.watcher.WebhookConfig;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code --webhook-listen} and {@code --webhook-secret-file}, the push webhook options of the commands
 * that run a watcher, read into a {@link WebhookConfig}. The secret comes from a file only (a flag
 * value would show in the process list); no message names it.
 */
final class WebhookOptions {
    @Option(
            names = "--webhook-listen",
            paramLabel = "<host:port>",
            description = "Where to take push webhooks (POST /hooks/git), which make the watcher poll at once"
                    + " (default with --webhook-secret-file: 127.0.0.1:9418).")
    @Nullable
    String listen;

    @Option(
            names = "--webhook-secret-file",
            paramLabel = "<file>",
            description = {
                "A file holding the push webhook secret: the HMAC key of GitHub, Gitea, Forgejo and generic"
                        + " signatures, or GitLab's token. Enables push webhooks.",
                "Never logged."
            })
    @Nullable
    Path secretFile;

    /** The options given, or null when push webhooks are off; a usage error on bad ones (see {@link #load}). */
    @Nullable
    WebhookConfig config() {
        return load(listen, secretFile);
    }

    /**
     * @param listen {@code host:port}, {@code port} or {@code [v6]:port}; null for the default when a
     *     secret file is given
     * @param secretFile the file holding the secret; null for no webhooks
     * @return null when neither is given
     * @throws Berth.UsageException on a bad address, a listen address without secret file, or a secret
     *     file that is missing, unreadable or empty
     */
    static @Nullable WebhookConfig load(@Nullable String listen, @Nullable Path secretFile) {
        if (secretFile == null) {
            if (listen != null) {
                throw new Berth.UsageException("--webhook-listen needs --webhook-secret-file: give a file holding the"
                        + " secret the git server signs push webhooks with");
            }
            return null;
        }
        String host = WebhookConfig.DEFAULT_HOST;
        int port = WebhookConfig.DEFAULT_PORT;
        if (listen != null) {
            String l = listen.strip();
            int colon = l.lastIndexOf(':');
            String portText = colon < 0 ? l : l.substring(colon + 1);
            if (colon >= 0) {
                host = l.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
            }
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535 || host.isBlank() || (colon < 0 && l.isEmpty())) {
                throw new Berth.UsageException("--webhook-listen: \"" + listen
                        + "\" is not an address and port: give one like " + WebhookConfig.DEFAULT_HOST + ":"
                        + WebhookConfig.DEFAULT_PORT);
            }
        }
        String secret = readSecret(secretFile);
        try {
            return new WebhookConfig(host, port, secret);
        } catch (BerthException e) {
            throw new Berth.UsageException("--webhook-secret-file " + secretFile + ": " + e.getMessage());
        }
    }

    private static String readSecret(Path file) {
        String what = "webhook secret file " + file;
        try {
            if (Files.isDirectory(file)) {
                throw new Berth.UsageException(
                        what + " is a directory: give --webhook-secret-file a file holding the secret");
            }
            String secret = Files.readString(file).strip();
            if (secret.isEmpty()) {
                throw new Berth.UsageException(
                        what + " is empty: put the secret the git server signs push webhooks with in it");
            }
            if (secret.contains("\n")) {
                throw new Berth.UsageException(what + " holds more than one line: put the secret alone in it");
            }
            return secret;
        } catch (NoSuchFileException e) {
            throw new Berth.UsageException(
                    what + " does not exist: give --webhook-secret-file a file holding the secret");
        } catch (AccessDeniedException e) {
            throw new Berth.UsageException(what + " cannot be read: let the user running berth read it");
        } catch (CharacterCodingException e) {
            throw new Berth.UsageException(what + " is not valid UTF-8: save it as UTF-8");
        } catch (IOException e) {
            throw new Berth.UsageException(what + " cannot be read: " + e.getMessage());
        }
    }
}
