package dev.tessera.api.filter;

import dev.tessera.api.TesseraException;

/**
 * A {@code where} filter cannot be parsed. The message says what was found where and what was
 * expected ({@code unexpected ')' at column 14: expected a value ...}); {@link #hint()} says how to
 * fix it. Both go straight to a person editing YAML, so they name things the way the filter text
 * does, never the parser's internals.
 */
public class FilterSyntaxException extends TesseraException {
    private final String source;
    private final int column;
    private final String hint;

    FilterSyntaxException(String source, int index, String message, String hint) {
        super(message);
        this.source = source;
        this.column = columnOf(source, index);
        this.hint = hint == null ? "" : hint;
    }

    /** 1-based column in the filter text (in characters as a person counts them, i.e. code points). */
    public int column() {
        return column;
    }

    /** How to fix the filter; never null, empty when there is nothing to add to the message. */
    public String hint() {
        return hint;
    }

    /** The filter text that failed to parse. */
    public String source() {
        return source;
    }

    /** The 1-based column of the character at {@code index} (which may be {@code source.length()}). */
    static int columnOf(String source, int index) {
        return source.codePointCount(0, Math.min(index, source.length())) + 1;
    }
}
