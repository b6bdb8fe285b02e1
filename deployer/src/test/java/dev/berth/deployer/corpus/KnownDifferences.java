package dev.berth.deployer.corpus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The differences from Compose v2 that are known and explained: {@code corpus/known-differences.txt},
 * one per line, {@code <stack or *> | <service or *> | <field> | <reason>}. docs/compose.md renders the
 * same list. A difference the list does not name fails the differential test.
 */
record KnownDifferences(List<Entry> entries) {
    static final String FILE = "known-differences.txt";

    record Entry(String stack, String service, String field, String reason) {
        boolean covers(Difference d) {
            return (stack.equals("*") || stack.equals(d.stack()))
                    && (service.equals("*") || service.equals(d.service()))
                    && field.equals(d.field());
        }
    }

    /** One field of one container that differs between Compose v2 and Berth. */
    record Difference(String stack, String service, String container, String field, String compose, String berth) {
        @Override
        public String toString() {
            return stack + " | " + container + " | " + field + ": Compose " + compose + ", Berth " + berth;
        }
    }

    static KnownDifferences load(Path corpus) {
        List<Entry> entries = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(corpus.resolve(FILE))) {
                String text = line.strip();
                if (text.isEmpty() || text.startsWith("#")) {
                    continue;
                }
                String[] parts = text.split("\\s*\\|\\s*", 4);
                if (parts.length != 4 || parts[3].isBlank()) {
                    throw new IllegalStateException(
                            FILE + ": \"" + line + "\" is not <stack> | <service> | <field> | <reason>");
                }
                entries.add(new Entry(parts[0], parts[1], parts[2], parts[3]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new KnownDifferences(entries);
    }

    boolean known(Difference d) {
        return entries.stream().anyMatch(e -> e.covers(d));
    }
}
