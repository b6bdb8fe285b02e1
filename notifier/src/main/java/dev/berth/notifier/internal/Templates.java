package dev.berth.notifier.internal;

import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import dev.berth.common.BerthException;

/** Compiles Mustache templates the one way Berth renders them: no HTML escaping, missing values empty. */
public final class Templates {
    private static final Mustache.Compiler COMPILER =
            Mustache.compiler().escapeHTML(false).defaultValue("").emptyStringIsFalse(true);

    private Templates() {}

    /**
     * Compiles {@code source}.
     *
     * @param where what to name in the error, such as {@code notifications.routes.ops.template}
     * @throws BerthException naming {@code where} and the parser's message (with its line)
     */
    public static Template compile(String where, String source) {
        try {
            return COMPILER.compile(source);
        } catch (MustacheException e) {
            throw new BerthException(
                    where + ": the template does not compile: " + e.getMessage()
                            + "; see https://mustache.github.io/mustache.5.html",
                    e);
        }
    }
}
