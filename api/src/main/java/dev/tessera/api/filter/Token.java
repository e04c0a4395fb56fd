package dev.tessera.api.filter;

/**
 * One lexical token: its kind, its exact source text ({@code [start, end)} in the filter), and for
 * names, strings and numbers the decoded value. A number too large for a long has a null value;
 * the parser decides whether it is {@code -9223372036854775808} or an error.
 */
record Token(Kind kind, String text, Object value, int start, int end) {

    enum Kind {
        NUMBER, STRING, NAME,
        AND, OR, NOT, IN, IS, NULL, TRUE, FALSE,
        LPAREN, RPAREN, COMMA,
        EQ, NE, LT, LE, GT, GE,
        PLUS, MINUS, STAR, SLASH, PERCENT,
        EOF;

        boolean comparison() {
            return this == EQ || this == NE || this == LT || this == LE || this == GT || this == GE;
        }

        boolean keyword() {
            return this == AND || this == OR || this == NOT || this == IN || this == IS
                    || this == NULL || this == TRUE || this == FALSE;
        }
    }

    boolean is(Kind k) {
        return kind == k;
    }

    /** How an error message names this token: {@code ')'}, {@code 'and'}, {@code name 'status'}, {@code end of filter}. */
    String describe() {
        switch (kind) {
            case EOF: return "end of filter";
            case NAME: return text.startsWith("`") ? "name " + abbreviated() : "name '" + abbreviated() + "'";
            case STRING: return "string " + abbreviated();
            case NUMBER: return "number " + abbreviated();
            default: return "'" + text + "'";
        }
    }

    private String abbreviated() {
        return text.length() <= 30 ? text : text.substring(0, 27) + "...";
    }
}
