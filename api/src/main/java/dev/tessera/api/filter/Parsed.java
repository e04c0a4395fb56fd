package dev.tessera.api.filter;

/**
 * A parsed subexpression with what the parser knows about it: where it is in the source
 * ({@code [start, end)}), the kind of value it can produce, and the depth of its tree.
 */
record Parsed(Expr expr, Type type, int start, int end, int depth) {

    /** What a subexpression yields, as far as can be known without the event. */
    enum Type {
        /** A comparison, and/or/not, in, is null, or true/false. */
        CONDITION,
        NUMBER,
        STRING,
        /** The null literal. */
        NULL,
        /** A field: any kind of value, known only per event. */
        ANY;

        boolean known() {
            return this == CONDITION || this == NUMBER || this == STRING;
        }
    }

    Parsed spanning(int newStart, int newEnd) {
        return new Parsed(expr, type, newStart, newEnd, depth);
    }
}
