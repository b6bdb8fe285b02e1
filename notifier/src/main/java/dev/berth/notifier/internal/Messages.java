package dev.berth.notifier.internal;

import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import dev.berth.notifier.Message;
import org.jspecify.annotations.Nullable;

/** Renders notices into messages with a route's template or the built-in one. Thread-safe. */
public final class Messages {
    /**
     * The built-in message text: the reason or the error, then the commit's author and subject. The
     * title, facts and detail (evidence, what changed) are shown by each channel around it.
     */
    public static final String DEFAULT_TEMPLATE = "{{emoji}} {{title}}\n"
            + "{{#reason}}*Reason:* {{reason}}\n{{/reason}}"
            + "{{#error}}*{{location}}:* {{error}}\n{{/error}}"
            + "{{#author}}*{{author}}*: {{commitMessage}}{{/author}}";

    private static final Template DEFAULT = Templates.compile("built-in template", DEFAULT_TEMPLATE);

    private final Redactor redactor;

    public Messages(Redactor redactor) {
        this.redactor = redactor;
    }

    /** The message for a notice, rendered with {@code template} (null: the built-in one), redacted. */
    public Message render(Notice notice, @Nullable Template template) {
        String text;
        try {
            text = (template == null ? DEFAULT : template)
                    .execute(notice.vars())
                    .strip();
        } catch (MustacheException e) {
            // A template that compiles can still fail on a section over a value of the wrong shape.
            text = DEFAULT.execute(notice.vars()).strip() + "\n(route template failed: " + e.getMessage() + ")";
        }
        return redactor.redact(new Message(
                notice.id(),
                notice.ceType(),
                notice.kind(),
                notice.kind().severity(),
                notice.environment(),
                notice.stack(),
                notice.title(),
                text,
                notice.facts(),
                notice.detail(),
                notice.link(),
                notice.cloudEvent(),
                notice.time()));
    }
}
