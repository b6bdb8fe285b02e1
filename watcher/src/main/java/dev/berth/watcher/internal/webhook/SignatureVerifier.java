package dev.berth.watcher.internal.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Checks the signature of a push webhook in each provider's format and refuses replayed deliveries:
 * GitHub ({@code X-Hub-Signature-256: sha256=<hex>}), GitLab ({@code X-Gitlab-Token}), Gitea and
 * Forgejo ({@code X-Gitea-Signature} / {@code X-Forgejo-Signature}: hex), and Berth's generic form
 * ({@code X-Berth-Signature: sha256=<hex>} of {@code <timestamp>.<body>} with {@code
 * X-Berth-Timestamp} in Unix seconds, at most {@link #MAX_AGE} from now). Comparisons take constant
 * time. Replays are recognised by what the signature covers, never by unsigned headers such as
 * {@code X-GitHub-Delivery}: the SHA-256 of the signed payload (the body; for the generic form the
 * timestamp and the body) is remembered, once its signature is valid, for {@link #REPLAY_WINDOW}, at
 * most {@link #MAX_REMEMBERED} of them (the oldest forgotten first). Thread-safe.
 */
public final class SignatureVerifier {
    public static final Duration MAX_AGE = Duration.ofMinutes(5);
    public static final Duration REPLAY_WINDOW = Duration.ofMinutes(15);
    public static final int MAX_REMEMBERED = 10_000;
    private static final String HMAC = "HmacSHA256";
    private static final String SHA256_PREFIX = "sha256=";

    /** The provider formats, in the order their headers are looked for. */
    public enum Provider {
        GITHUB("github"),
        GITLAB("gitlab"),
        GITEA("gitea"),
        GENERIC("generic");

        private final String pathName;

        Provider(String pathName) {
            this.pathName = pathName;
        }

        /** The name in {@code /hooks/<name>}. */
        public String pathName() {
            return pathName;
        }
    }

    /** What a check found; only {@link Outcome#VALID} lets a delivery through. */
    public enum Outcome {
        VALID,
        UNSIGNED,
        BAD_SIGNATURE,
        STALE,
        REPLAYED
    }

    /** The outcome, the format it was checked in (null when unsigned) and why, without secrets. */
    public record Verdict(Outcome outcome, @Nullable Provider provider, String reason) {}

    private final byte[] secret;
    private final Clock clock;
    /** Digests of signed payloads to when they were accepted, oldest first. */
    private final LinkedHashMap<String, Instant> seen = new LinkedHashMap<>();

    public SignatureVerifier(byte[] secret, Clock clock) {
        this.secret = Objects.requireNonNull(secret, "secret").clone();
        this.clock = Objects.requireNonNull(clock, "clock");
        if (this.secret.length == 0) {
            throw new IllegalArgumentException("empty webhook secret");
        }
    }

    /**
     * Checks one request.
     *
     * @param headers the request's header value by name, case-insensitively; null when absent
     * @param required the format the request must be in ({@code /hooks/<provider>}), or null for any
     */
    public Verdict verify(Function<String, @Nullable String> headers, byte[] body, @Nullable Provider required) {
        Provider provider = detect(headers);
        if (provider == null) {
            return new Verdict(Outcome.UNSIGNED, null, "no signature header");
        }
        if (required != null && required != provider) {
            // GitHub and Gitea both send X-Hub-Signature-256; a Gitea path may take GitHub's header.
            if (!(required == Provider.GITEA && provider == Provider.GITHUB)) {
                return new Verdict(Outcome.UNSIGNED, provider, "no " + required.pathName() + " signature header");
            }
            provider = Provider.GITHUB;
        }
        // What the signature covers, and nothing else: delivery-id headers are not signed, so an
        // attacker could change them to replay a captured request.
        byte[][] signed = {body};
        switch (provider) {
            case GITHUB -> {
                if (!hexMacMatches(stripPrefix(headers.apply("X-Hub-Signature-256")), body)) {
                    return bad(provider);
                }
            }
            case GITLAB -> {
                // GitLab signs nothing: its token is a shared secret; the body is what a replay repeats.
                byte[] token =
                        Objects.requireNonNull(headers.apply("X-Gitlab-Token")).getBytes(StandardCharsets.UTF_8);
                if (!MessageDigest.isEqual(token, secret)) {
                    return bad(provider);
                }
            }
            case GITEA -> {
                String signature = headers.apply("X-Gitea-Signature");
                if (signature == null) {
                    signature = headers.apply("X-Forgejo-Signature");
                }
                if (!hexMacMatches(stripPrefix(signature), body)) {
                    return bad(provider);
                }
            }
            case GENERIC -> {
                String timestamp = headers.apply("X-Berth-Timestamp");
                if (timestamp == null) {
                    return new Verdict(Outcome.UNSIGNED, provider, "X-Berth-Signature without X-Berth-Timestamp");
                }
                String signature = stripPrefix(headers.apply("X-Berth-Signature"));
                byte[] prefix = (timestamp.strip() + ".").getBytes(StandardCharsets.UTF_8);
                if (!hexMacMatches(signature, prefix, body)) {
                    return bad(provider);
                }
                Instant sent;
                try {
                    sent = Instant.ofEpochSecond(Long.parseLong(timestamp.strip()));
                } catch (NumberFormatException | java.time.DateTimeException e) {
                    return new Verdict(Outcome.STALE, provider, "X-Berth-Timestamp is not Unix seconds");
                }
                Instant now = clock.instant();
                if (Duration.between(sent, now).abs().compareTo(MAX_AGE) > 0) {
                    return new Verdict(
                            Outcome.STALE, provider, "X-Berth-Timestamp is more than 5 minutes from this host's clock");
                }
                signed = new byte[][] {prefix, body};
            }
            default -> throw new IllegalStateException(provider.toString());
        }
        String digest = digest(signed);
        if (!remember(digest)) {
            return new Verdict(
                    Outcome.REPLAYED,
                    provider,
                    "the same signed payload (sha256 " + digest.substring(0, 12) + "...) was already received");
        }
        return new Verdict(Outcome.VALID, provider, "signature valid");
    }

    /** The format a request's headers are in, or null when it carries no signature header. */
    static @Nullable Provider detect(Function<String, @Nullable String> headers) {
        if (headers.apply("X-Hub-Signature-256") != null) {
            return Provider.GITHUB;
        }
        if (headers.apply("X-Gitlab-Token") != null) {
            return Provider.GITLAB;
        }
        if (headers.apply("X-Gitea-Signature") != null || headers.apply("X-Forgejo-Signature") != null) {
            return Provider.GITEA;
        }
        if (headers.apply("X-Berth-Signature") != null) {
            return Provider.GENERIC;
        }
        return null;
    }

    /** The hex SHA-256 of the signed parts: the replay cache's key. */
    static String digest(byte[]... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                sha.update(part);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The hex HMAC-SHA256 of {@code parts} with this verifier's secret. */
    public String sign(byte[]... parts) {
        return HexFormat.of().formatHex(mac(parts));
    }

    private static Verdict bad(Provider provider) {
        return new Verdict(Outcome.BAD_SIGNATURE, provider, "signature does not match the secret");
    }

    private static String stripPrefix(@Nullable String signature) {
        String s = signature == null ? "" : signature.strip();
        return s.regionMatches(true, 0, SHA256_PREFIX, 0, SHA256_PREFIX.length())
                ? s.substring(SHA256_PREFIX.length())
                : s;
    }

    private boolean hexMacMatches(String hex, byte[]... parts) {
        byte[] given;
        try {
            given = HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(given, mac(parts));
    }

    private byte[] mac(byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret, HMAC));
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    /** Records a delivery; false when it was seen within the replay window. */
    private synchronized boolean remember(String id) {
        Instant now = clock.instant();
        Instant oldest = now.minus(REPLAY_WINDOW);
        for (Iterator<Map.Entry<String, Instant>> it = seen.entrySet().iterator(); it.hasNext(); ) {
            if (it.next().getValue().isBefore(oldest)) {
                it.remove();
            } else {
                break;
            }
        }
        Instant before = seen.get(id);
        if (before != null) {
            return false;
        }
        seen.put(id, now);
        while (seen.size() > MAX_REMEMBERED) {
            Iterator<String> it = seen.keySet().iterator();
            it.next();
            it.remove();
        }
        return true;
    }

    /** How many deliveries are remembered now. */
    synchronized int remembered() {
        return seen.size();
    }
}
