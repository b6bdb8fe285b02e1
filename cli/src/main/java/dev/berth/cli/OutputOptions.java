package dev.berth.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.BerthException;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** {@code -o/--output table|json}: how an operator command prints what it read. */
final class OutputOptions {
    /** The formats: a table for people, JSON for scripts. */
    enum Format {
        table,
        json
    }

    @Option(
            names = {"-o", "--output"},
            defaultValue = "table",
            paramLabel = "<format>",
            description = "table or json (default: ${DEFAULT-VALUE}).")
    Format format = Format.table;

    boolean json() {
        return format == Format.json;
    }

    /** Prints {@code value} as one indented JSON document; {@code what} names it in an error. */
    static void printJson(PrintWriter out, ObjectMapper json, Object value, String what) {
        try {
            out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new BerthException("could not write " + what + " as JSON: " + e.getOriginalMessage());
        }
    }
}
