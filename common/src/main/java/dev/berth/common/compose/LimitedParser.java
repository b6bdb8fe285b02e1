package dev.berth.common.compose;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.common.Anchor;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.parser.Parser;

/**
 * A YAML parser that refuses, event by event and before snakeyaml-engine's recursive composer
 * builds anything, a document nested deeper than {@link YamlLimits#MAX_DEPTH}, a second document in
 * the stream, more than {@link YamlLimits#MAX_COLLECTION_ALIASES} aliases of lists or mappings, and an
 * alias inside the value it refers to (snakeyaml-engine's {@code <<} merge loops forever on one).
 * Each refusal is a {@link ComposeException} at the event that passed the limit. Not thread-safe:
 * one instance reads one stream.
 */
final class LimitedParser implements Parser {
    private final Parser delegate;
    private final String file;
    private final Set<Anchor> collectionAnchors = new HashSet<>();
    /** Each anchor's latest definition: an alias refers to that one. */
    private final Map<Anchor, Event> definitions = new HashMap<>();
    /** The start events of the lists and mappings being read, innermost last. */
    private final List<Event> open = new ArrayList<>();

    private @Nullable Event inspected;
    private int depth;
    private int documents;
    private int collectionAliases;

    LimitedParser(Parser delegate, String file) {
        this.delegate = delegate;
        this.file = file;
    }

    @Override
    public boolean checkEvent(Event.ID choice) {
        return hasNext() && peekEvent().getEventId() == choice;
    }

    @Override
    public Event peekEvent() {
        return inspect(delegate.peekEvent());
    }

    @Override
    public Event next() {
        Event event = inspect(delegate.next());
        // Depth is counted on consumption: the composer takes a start event just before it recurses.
        switch (event.getEventId()) {
            case SequenceStart, MappingStart -> enter(event);
            case SequenceEnd, MappingEnd -> {
                depth--;
                open.remove(open.size() - 1);
            }
            default -> {}
        }
        return event;
    }

    @Override
    public boolean hasNext() {
        return delegate.hasNext();
    }

    private void enter(Event event) {
        open.add(event);
        if (++depth > YamlLimits.MAX_DEPTH) {
            throw error(
                    event.getStartMark(),
                    "values are nested more than " + YamlLimits.MAX_DEPTH
                            + " levels deep here (lists and mappings within each other); no compose file needs"
                            + " that many: flatten the value");
        }
    }

    /** Document and alias limits, checked once per event whether the composer peeks or takes it. */
    private Event inspect(Event event) {
        if (event == inspected) {
            return event;
        }
        inspected = event;
        switch (event.getEventId()) {
            case DocumentStart -> {
                if (++documents > YamlLimits.MAX_DOCUMENTS) {
                    throw error(
                            event.getStartMark(),
                            "a second YAML document starts here; a compose file holds one document: remove the"
                                    + " --- line and what follows, or move it into a file of its own");
                }
            }
            case SequenceStart, MappingStart ->
                ((NodeEvent) event).getAnchor().ifPresent(anchor -> {
                    collectionAnchors.add(anchor);
                    definitions.put(anchor, event);
                });
            case Scalar ->
                ((NodeEvent) event).getAnchor().ifPresent(anchor -> {
                    collectionAnchors.remove(anchor);
                    definitions.put(anchor, event);
                });
            case Alias -> countAlias((AliasEvent) event);
            default -> {}
        }
        return event;
    }

    private void countAlias(AliasEvent alias) {
        Event definition = definitions.get(alias.getAlias());
        if (definition != null && open.stream().anyMatch(e -> e == definition)) {
            throw error(
                    alias.getStartMark(),
                    "*" + alias.getAlias() + " is inside the value &" + alias.getAlias() + " it refers to; a value"
                            + " cannot contain (or merge with <<) itself: refer to another anchor");
        }
        if (collectionAnchors.contains(alias.getAlias()) && ++collectionAliases > YamlLimits.MAX_COLLECTION_ALIASES) {
            throw error(
                    alias.getStartMark(),
                    "more than " + YamlLimits.MAX_COLLECTION_ALIASES
                            + " aliases of lists or mappings (this is *" + alias.getAlias() + "); write the"
                            + " values out, or use fewer anchors");
        }
    }

    private ComposeException error(Optional<Mark> mark, String detail) {
        return new ComposeException(
                file,
                mark.map(m -> m.getLine() + 1).orElse(0),
                mark.map(m -> m.getColumn() + 1).orElse(0),
                detail);
    }
}
