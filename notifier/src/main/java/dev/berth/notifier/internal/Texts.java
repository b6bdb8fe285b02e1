package dev.berth.notifier.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** Text helpers shared by the channels: cutting to a provider's limit cleanly, and one JSON mapper. */
public final class Texts {
    /** What a cut text ends with. */
    public static final String TRUNCATED = "… (truncated)";

    public static final String FENCE = "```";

    /** A plain mapper for building payloads; thread-safe. */
    public static final ObjectMapper JSON = JsonMapper.builder().build();

    private Texts() {}

    /**
     * Cuts text to at most {@code limit} characters, ending with {@value #TRUNCATED}, never splitting
     * a surrogate pair; a text that is one fenced code block stays closed.
     */
    public static String truncate(String text, int limit) {
        if (text.length() <= limit) {
            return text;
        }
        boolean code = text.startsWith(FENCE) && text.endsWith(FENCE) && text.length() > 2 * FENCE.length();
        int end = limit - TRUNCATED.length() - (code ? FENCE.length() + 1 : 0);
        if (end <= 0) {
            return text.substring(0, safeEnd(text, Math.max(0, limit)));
        }
        end = safeEnd(text, end);
        String cut = text.substring(0, end) + TRUNCATED;
        return code ? cut + "\n" + FENCE : cut;
    }

    private static int safeEnd(String text, int end) {
        return end > 0 && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1)) ? end - 1 : end;
    }

    /** A fenced code block whose content cannot end the fence early. */
    public static String codeBlock(String text) {
        return FENCE + "\n" + text.replace(FENCE, "'''") + "\n" + FENCE;
    }
}
