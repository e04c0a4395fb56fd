package dev.tessera.api.filter;

import dev.tessera.api.TesseraException;

/**
 * STUB (replace at merge): a filter expression does not parse.
 *
 * <p>{@link #column()} is the 1-based column in the filter text where the problem is; {@link #hint()}
 * says what would be right.
 */
public class FilterSyntaxException extends TesseraException {
    private final int column;
    private final String hint;

    public FilterSyntaxException(String message, int column, String hint) {
        super(message);
        this.column = column;
        this.hint = hint;
    }

    public int column() {
        return column;
    }

    public String hint() {
        return hint;
    }
}
