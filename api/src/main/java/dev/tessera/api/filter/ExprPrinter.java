package dev.tessera.api.filter;

/**
 * Prints an {@link Expr} as filter text that parses back to an equal tree: canonical operator
 * spellings, every nested operation in parentheses, strings in single quotes, and names that are
 * not plain (dotted) identifiers, or are keywords, in backquotes.
 */
final class ExprPrinter {
    private ExprPrinter() {
    }

    static String print(Expr expr) {
        StringBuilder out = new StringBuilder();
        print(expr, false, out);
        return out.toString();
    }

    private static void print(Expr expr, boolean nested, StringBuilder out) {
        if (expr instanceof Expr.Literal l) {
            literal(l.value(), out);
        } else if (expr instanceof Expr.Field f) {
            name(f.name(), out);
        } else if (expr instanceof Expr.Negate n) {
            out.append('-');
            boolean parens = n.operand() instanceof Expr.Literal;
            open(parens, out);
            print(n.operand(), !parens, out);
            close(parens, out);
        } else {
            open(nested, out);
            compound(expr, out);
            close(nested, out);
        }
    }

    private static void compound(Expr expr, StringBuilder out) {
        if (expr instanceof Expr.Not n) {
            out.append("not ");
            print(n.operand(), true, out);
        } else if (expr instanceof Expr.And a) {
            binary(a.left(), "and", a.right(), out);
        } else if (expr instanceof Expr.Or o) {
            binary(o.left(), "or", o.right(), out);
        } else if (expr instanceof Expr.Compare c) {
            binary(c.left(), c.op().symbol(), c.right(), out);
        } else if (expr instanceof Expr.Arithmetic a) {
            binary(a.left(), a.op().symbol(), a.right(), out);
        } else if (expr instanceof Expr.IsNull n) {
            print(n.operand(), true, out);
            out.append(n.negated() ? " is not null" : " is null");
        } else if (expr instanceof Expr.In in) {
            print(in.operand(), true, out);
            out.append(in.negated() ? " not in (" : " in (");
            for (int i = 0; i < in.values().size(); i++) {
                out.append(i == 0 ? "" : ", ");
                print(in.values().get(i), true, out);
            }
            out.append(')');
        } else {
            throw new IllegalStateException("unknown expression " + expr.getClass());
        }
    }

    private static void open(boolean parens, StringBuilder out) {
        if (parens) {
            out.append('(');
        }
    }

    private static void close(boolean parens, StringBuilder out) {
        if (parens) {
            out.append(')');
        }
    }

    private static void binary(Expr left, String op, Expr right, StringBuilder out) {
        print(left, true, out);
        out.append(' ').append(op).append(' ');
        print(right, true, out);
    }

    private static void literal(Object value, StringBuilder out) {
        if (value instanceof String s) {
            out.append('\'');
            escape(s, '\'', out);
            out.append('\'');
        } else {
            out.append(value);
        }
    }

    private static void name(String name, StringBuilder out) {
        if (plainName(name)) {
            out.append(name);
        } else {
            out.append('`');
            escape(name, '`', out);
            out.append('`');
        }
    }

    /** A name the lexer reads back as itself without quoting: dotted identifiers, not a keyword. */
    private static boolean plainName(String name) {
        if (FilterLexer.isKeyword(name)) {
            return false;
        }
        boolean partStart = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (partStart ? !FilterLexer.isNameStart(c) : !(FilterLexer.isNamePart(c) || c == '.')) {
                return false;
            }
            partStart = c == '.';
        }
        return !partStart;
    }

    private static void escape(String s, char quote, StringBuilder out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == quote || c == '\\') {
                out.append('\\').append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\t') {
                out.append("\\t");
            } else {
                out.append(c);
            }
        }
    }
}
