package dev.berth.common.compose;

import dev.berth.common.BerthException;

/**
 * A compose file that Berth cannot read or does not support, located by file, line and column
 * (1-based; 0 when unknown). The message reads {@code file:line:column: detail}.
 */
public final class ComposeException extends BerthException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final int column;
    private final String detail;

    public ComposeException(String file, int line, int column, String detail) {
        super((line > 0 ? file + ":" + line + ":" + column : file) + ": " + detail);
        this.file = file;
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** The message without the location. */
    public String detail() {
        return detail;
    }
}
