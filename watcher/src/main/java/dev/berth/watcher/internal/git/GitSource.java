package dev.berth.watcher.internal.git;

import dev.berth.common.BerthException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.eclipse.jgit.lib.RepositoryCache;
import org.eclipse.jgit.util.FS;
import org.jspecify.annotations.Nullable;

/**
 * Where a repository lives, as the user gave it ({@link #display()}) and as git fetches it
 * ({@link #url()}: an absolute path for a local repository, the URL otherwise).
 */
public record GitSource(
        String display, String url, @Nullable Path localPath) {
    private static final Pattern SCP_LIKE = Pattern.compile("[\\w.+-]+@[\\w.-]+:.+");
    private static final Pattern USERINFO_PASSWORD = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:]*):[^/@]*@");
    private static final Pattern NOT_READABLE = Pattern.compile("[^a-z0-9._-]+");
    private static final int MAX_READABLE = 40;

    public GitSource {
        Objects.requireNonNull(display, "display");
        Objects.requireNonNull(url, "url");
    }

    /** Reads a repository given as a local path, a {@code file://} URL or a remote URL. */
    public static GitSource parse(String repository) {
        String r = repository.strip();
        if (r.regionMatches(true, 0, "file://", 0, 7)) {
            Path path;
            try {
                path = Path.of(URI.create(r));
            } catch (IllegalArgumentException e) {
                path = Path.of(r.substring(7));
            }
            return new GitSource(repository, r, path.toAbsolutePath().normalize());
        }
        if (r.contains("://") || SCP_LIKE.matcher(r).matches()) {
            return new GitSource(redact(repository), r.endsWith("/") ? r.substring(0, r.length() - 1) : r, null);
        }
        Path path = Path.of(r).toAbsolutePath().normalize();
        return new GitSource(repository, path.toString(), path);
    }

    /**
     * A URL without the password it may carry ({@code https://user:secret@host/r.git} becomes {@code
     * https://user:***@host/r.git}), for log lines, events and state keys.
     */
    public static String redact(String url) {
        return USERINFO_PASSWORD.matcher(url).replaceFirst("$1:***@");
    }

    /** {@link #url()} without a password, safe to log and publish. */
    public String safeUrl() {
        return redact(url);
    }

    /**
     * The transport: {@code file} for a local repository, {@code ssh} for {@code ssh://} and {@code
     * user@host:path}, else the URL's scheme in lower case ({@code https}, {@code http}, {@code git}).
     */
    public String scheme() {
        if (localPath != null) {
            return "file";
        }
        int colon = url.indexOf("://");
        if (colon < 0) {
            return "ssh";
        }
        String scheme = url.substring(0, colon).toLowerCase(Locale.ROOT);
        return scheme.equals("git+ssh") || scheme.equals("ssh+git") ? "ssh" : scheme;
    }

    public boolean isLocal() {
        return localPath != null;
    }

    /**
     * Checks that a local repository exists and is a git repository; remote ones are checked by
     * fetching.
     *
     * @throws BerthException when it is not
     */
    public void requireLocalRepository() {
        if (localPath == null) {
            return;
        }
        if (!Files.exists(localPath)) {
            throw new BerthException(
                    "repository " + localPath + " does not exist: give --repo a path to a git repository or its URL");
        }
        if (RepositoryCache.FileKey.resolve(localPath.toFile(), FS.DETECTED) == null) {
            throw new BerthException("repository " + localPath
                    + " is not a git repository (no .git in it): give --repo a path to a git repository or its URL,"
                    + " or run git init there");
        }
    }

    /**
     * The mirror's directory name: a readable part from the URL's last segment, then a short hash of
     * URL and branch, so two sources never share a mirror: {@code config-3f2a9c1b7d04.git}.
     */
    public String mirrorName(String branch) {
        String last = url;
        while (last.endsWith("/")) {
            last = last.substring(0, last.length() - 1);
        }
        last = last.substring(Math.max(last.lastIndexOf('/'), last.lastIndexOf(':')) + 1);
        if (last.endsWith(".git")) {
            last = last.substring(0, last.length() - 4);
        }
        String readable = NOT_READABLE.matcher(last.toLowerCase(Locale.ROOT)).replaceAll("-");
        readable = readable.replaceAll("^[.-]+", "");
        if (readable.length() > MAX_READABLE) {
            readable = readable.substring(0, MAX_READABLE);
        }
        if (readable.isEmpty()) {
            readable = "repo";
        }
        return readable + "-" + shortHash(url + "#" + branch) + ".git";
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
