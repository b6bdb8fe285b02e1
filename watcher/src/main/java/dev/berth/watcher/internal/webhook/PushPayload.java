package dev.berth.watcher.internal.webhook;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a push webhook's body says about the push: the repository's URLs and the pushed ref, when
 * present (GitHub and Gitea: {@code repository.clone_url}, {@code ssh_url}, {@code html_url}; GitLab:
 * {@code project.git_http_url}, {@code git_ssh_url}, {@code web_url}; all: {@code ref}).
 *
 * @param repositoryUrls the repository's URLs, normalised by {@link #normalize(String)}; empty when
 *     the body names none
 * @param ref the pushed ref, such as {@code refs/heads/main}; null when the body has none
 */
public record PushPayload(
        List<String> repositoryUrls, @Nullable String ref) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HEADS = "refs/heads/";

    public PushPayload {
        repositoryUrls = List.copyOf(repositoryUrls);
    }

    /**
     * Reads a JSON body, or a form body with a {@code payload} field (GitHub's form content type).
     *
     * @throws IllegalArgumentException when the body (or its {@code payload} field) is not a JSON
     *     object; its message says what is wrong, without the body
     */
    public static PushPayload parse(byte[] body, @Nullable String contentType) {
        String text = new String(body, StandardCharsets.UTF_8);
        if (contentType != null
                && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            text = null;
            for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
                if (pair.startsWith("payload=")) {
                    try {
                        text = URLDecoder.decode(pair.substring(8), StandardCharsets.UTF_8);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("form payload field is not URL-encoded");
                    }
                }
            }
            if (text == null) {
                throw new IllegalArgumentException("form body without a payload field");
            }
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException("body is not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        if (root == null || root.isMissingNode() || !root.isObject()) {
            throw new IllegalArgumentException("body is not a JSON object");
        }
        List<String> urls = new ArrayList<>();
        for (String field : List.of("clone_url", "ssh_url", "html_url", "git_url")) {
            add(urls, root.path("repository").path(field));
        }
        for (String field : List.of("git_http_url", "git_ssh_url", "web_url")) {
            add(urls, root.path("project").path(field));
        }
        JsonNode ref = root.path("ref");
        return new PushPayload(urls, ref.isTextual() ? ref.asText() : null);
    }

    private static void add(List<String> urls, JsonNode node) {
        if (node.isTextual() && !node.asText().isBlank()) {
            String url = normalize(node.asText());
            if (!urls.contains(url)) {
                urls.add(url);
            }
        }
    }

    /** The pushed branch, when the ref is a branch. */
    public Optional<String> branch() {
        return ref != null && ref.startsWith(HEADS) ? Optional.of(ref.substring(HEADS.length())) : Optional.empty();
    }

    /** Whether this push is for {@code url} (as {@link #normalize(String)} reads it); true when it names no repository. */
    public boolean isFor(String url) {
        return repositoryUrls.isEmpty() || repositoryUrls.contains(normalize(url));
    }

    /**
     * A repository URL reduced so that its HTTPS, SSH and web forms compare equal: no scheme, user or
     * port-less difference, no trailing {@code /} or {@code .git}, lower case; {@code git@host:path}
     * becomes {@code host/path}. A local path or {@code file://} URL becomes its path.
     */
    public static String normalize(String url) {
        String u = url.strip();
        int scheme = u.indexOf("://");
        if (scheme >= 0) {
            u = u.substring(scheme + 3);
            int slash = u.indexOf('/');
            String authority = slash < 0 ? u : u.substring(0, slash);
            String path = slash < 0 ? "" : u.substring(slash);
            int at = authority.lastIndexOf('@');
            if (at >= 0) {
                authority = authority.substring(at + 1);
            }
            int colon = authority.lastIndexOf(':');
            if (colon >= 0 && authority.indexOf(']') < colon) {
                authority = authority.substring(0, colon);
            }
            u = authority + path;
        } else if (!u.startsWith("/") && u.matches("[\\w.+-]+@[\\w.-]+:.+")) {
            u = u.substring(u.indexOf('@') + 1).replaceFirst(":/?", "/");
        }
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        if (u.endsWith(".git")) {
            u = u.substring(0, u.length() - 4);
        }
        return u.toLowerCase(Locale.ROOT);
    }
}
