package dev.berth.common;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hides secret values in a text, in the forms a program is likely to print them. The one redaction of
 * Berth: host variables, the deployer's failure evidence and events, and the notifier's messages all go
 * through it. The rule:
 *
 * <ul>
 *   <li>a secret of at least {@value #MIN_LENGTH} characters is hidden whole, as it is and encoded:
 *       base64 and base64url (with and without padding), hex (lower and upper case), URL-encoded
 *       ({@code +} or {@code %20} for a space); the encodings also of the value followed by a newline,
 *       as {@code echo $SECRET | base64} prints it;
 *   <li>of a secret of at least {@value #MIN_PARTIAL_SECRET} characters, given as one whose parts are
 *       hidden too, any run of at least {@value #MIN_PART} consecutive characters is hidden: as it is,
 *       URL-encoded, in hex (its {@code 2 * 8} digits), and inside a longer base64 or base64url text
 *       (any {@value #MIN_BASE64_PART} digits that encode characters of the secret only, whatever the
 *       offset at which the secret starts in what was encoded).
 * </ul>
 *
 * Shorter values are left alone: hiding every "on" or "1" would garble any text. Each hidden stretch
 * becomes one {@value #MASK}. Immutable, thread-safe.
 */
public final class SecretMask {
    /** What a hidden stretch becomes. */
    public static final String MASK = "***";
    /** Values shorter than this are not hidden. */
    public static final int MIN_LENGTH = 4;
    /** Parts are hidden of secrets at least this long. */
    public static final int MIN_PARTIAL_SECRET = 12;
    /** A part is a run of at least this many characters of a secret. */
    public static final int MIN_PART = 8;
    /** Base64 digits that encode 7.5 bytes: the digits of an 8-character part that do not depend on what follows. */
    static final int MIN_BASE64_PART = 10;

    /** Hides nothing. */
    public static final SecretMask NONE = new SecretMask(List.of(), Map.of());

    private final List<String> whole;
    private final Map<Integer, Set<String>> parts;

    private SecretMask(List<String> whole, Map<Integer, Set<String>> parts) {
        this.whole = whole;
        this.parts = parts;
    }

    /** A mask of these secrets, whole and (those long enough) in part. */
    public static SecretMask of(Collection<String> secrets) {
        return of(secrets, List.of());
    }

    /**
     * A mask of {@code secrets} (whole and in part) and of {@code wholeOnly}: values such as a URL's path,
     * hidden whole in every encoding, whose parts ("services/") are ordinary words.
     */
    public static SecretMask of(Collection<String> secrets, Collection<String> wholeOnly) {
        Set<String> forms = new HashSet<>();
        Map<Integer, Set<String>> parts = new HashMap<>();
        for (String secret : secrets) {
            if (secret.length() >= MIN_LENGTH) {
                forms.addAll(wholeForms(secret));
            }
            if (secret.length() >= MIN_PARTIAL_SECRET) {
                addParts(secret, parts);
            }
        }
        for (String secret : wholeOnly) {
            if (secret.length() >= MIN_LENGTH) {
                forms.addAll(wholeForms(secret));
            }
        }
        // Longest first, so that a form containing another is hidden whole.
        List<String> whole = forms.stream()
                .sorted(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()))
                .toList();
        return new SecretMask(whole, Map.copyOf(parts));
    }

    /** True when it hides nothing. */
    public boolean isEmpty() {
        return whole.isEmpty() && parts.isEmpty();
    }

    /** {@code text} with every form of every secret, and every part of the long ones, replaced by {@value #MASK}. */
    public String redact(String text) {
        String out = text;
        for (String form : whole) {
            if (out.contains(form)) {
                out = out.replace(form, MASK);
            }
        }
        return parts.isEmpty() ? out : hideParts(out);
    }

    private String hideParts(String text) {
        boolean[] hidden = new boolean[text.length()];
        boolean any = false;
        for (Map.Entry<Integer, Set<String>> entry : parts.entrySet()) {
            int width = entry.getKey();
            for (int i = 0; i + width <= text.length(); i++) {
                if (entry.getValue().contains(text.substring(i, i + width))) {
                    java.util.Arrays.fill(hidden, i, i + width, true);
                    any = true;
                }
            }
        }
        if (!any) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            if (!hidden[i]) {
                out.append(text.charAt(i));
            } else if (i == 0 || !hidden[i - 1]) {
                out.append(MASK);
            }
        }
        return out.toString();
    }

    private static Set<String> wholeForms(String secret) {
        Set<String> forms = new LinkedHashSet<>();
        forms.add(secret);
        forms.add(URLEncoder.encode(secret, StandardCharsets.UTF_8));
        forms.add(URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20"));
        for (String value : List.of(secret, secret + "\n")) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            forms.add(Base64.getEncoder().encodeToString(bytes));
            forms.add(Base64.getEncoder().withoutPadding().encodeToString(bytes));
            forms.add(Base64.getUrlEncoder().encodeToString(bytes));
            forms.add(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
            forms.add(HexFormat.of().formatHex(bytes));
            forms.add(HexFormat.of().withUpperCase().formatHex(bytes));
        }
        return forms;
    }

    private static void addParts(String secret, Map<Integer, Set<String>> parts) {
        windows(secret, MIN_PART, 1, parts);
        windows(URLEncoder.encode(secret, StandardCharsets.UTF_8), MIN_PART, 1, parts);
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        // Hex digits come in pairs: a part is 8 whole bytes, at any byte.
        windows(HexFormat.of().formatHex(bytes), 2 * MIN_PART, 2, parts);
        windows(HexFormat.of().withUpperCase().formatHex(bytes), 2 * MIN_PART, 2, parts);
        for (String core : base64Cores(bytes)) {
            windows(core, MIN_BASE64_PART, 1, parts);
        }
    }

    /**
     * The base64 and base64url digits of the secret that depend on its bytes only, for each of the
     * three offsets (modulo 3) at which it can start in a longer encoded text.
     */
    private static List<String> base64Cores(byte[] secret) {
        List<String> cores = new ArrayList<>();
        for (int offset = 0; offset < 3; offset++) {
            byte[] shifted = new byte[offset + secret.length];
            System.arraycopy(secret, 0, shifted, offset, secret.length);
            int first = (8 * offset + 5) / 6;
            int end = 8 * (offset + secret.length) / 6;
            cores.add(Base64.getEncoder().encodeToString(shifted).substring(first, end));
            cores.add(Base64.getUrlEncoder().encodeToString(shifted).substring(first, end));
        }
        return cores;
    }

    private static void windows(String form, int width, int step, Map<Integer, Set<String>> parts) {
        Set<String> set = parts.computeIfAbsent(width, w -> new HashSet<>());
        for (int i = 0; i + width <= form.length(); i += step) {
            set.add(form.substring(i, i + width));
        }
    }

    @Override
    public String toString() {
        return "SecretMask[" + whole.size() + " forms, values hidden]";
    }
}
