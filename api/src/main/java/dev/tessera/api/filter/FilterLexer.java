package dev.tessera.api.filter;

import dev.tessera.api.filter.Token.Kind;
import java.util.Locale;
import java.util.Map;

/**
 * Splits filter text into {@link Token}s on demand, so that the first error in reading order is
 * the one reported, whether the lexer or the parser finds it.
 *
 * <p>Lexical rules: names are {@code [A-Za-z_][A-Za-z0-9_]*} joined by dots into one name, or any
 * text in backquotes; the words and, or, not, in, is, null, true, false are keywords in any case;
 * strings use single or double quotes with the escapes {@code \' \" \\ \n \t} (and {@code \`}, which
 * is also how a backquote gets into a quoted name); numbers are digits with an optional fraction
 * and exponent. {@code =} and {@code ==}, {@code !=} and {@code <>}, {@code &&} and {@code and},
 * {@code ||} and {@code or}, {@code !} and {@code not} are the same tokens.
 */
final class FilterLexer {
    private static final Map<String, Kind> KEYWORDS = Map.of(
            "and", Kind.AND, "or", Kind.OR, "not", Kind.NOT, "in", Kind.IN,
            "is", Kind.IS, "null", Kind.NULL, "true", Kind.TRUE, "false", Kind.FALSE);

    private static final String NAME_RULE = "names are letters, digits and _, with dots joining parts"
            + " (billing.country); quote any other name in backquotes, e.g. `my-field`";

    private final String src;
    private int pos;

    FilterLexer(String src) {
        this.src = src;
    }

    /** True when {@code word}, written bare, would be read as a keyword rather than a field name. */
    static boolean isKeyword(String word) {
        return KEYWORDS.containsKey(word.toLowerCase(Locale.ROOT));
    }

    static boolean isNameStart(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
    }

    static boolean isNamePart(int c) {
        return isNameStart(c) || isDigit(c);
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    Token next() {
        while (pos < src.length() && isSpace(src.charAt(pos))) {
            pos++;
        }
        if (pos >= src.length()) {
            return new Token(Kind.EOF, "", null, pos, pos);
        }
        int start = pos;
        char c = src.charAt(pos);
        if (isNameStart(c)) {
            return name(start);
        }
        if (isDigit(c)) {
            return number(start);
        }
        if (c == '\'' || c == '"') {
            String value = quoted(start, c, "string", "close the string with a matching quote (" + c + ")");
            return token(Kind.STRING, start, value);
        }
        if (c == '`') {
            String value = quoted(start, '`', "quoted name", "close the name with a matching backquote (`)");
            if (value.isEmpty()) {
                throw error(start, "empty quoted name at column " + col(start),
                        "put the field name between the backquotes, e.g. `my-field`");
            }
            return token(Kind.NAME, start, value);
        }
        return symbol(start, c);
    }

    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    private Token name(int start) {
        pos = start;
        while (true) {
            while (pos < src.length() && isNamePart(src.charAt(pos))) {
                pos++;
            }
            if (pos < src.length() && src.charAt(pos) == '.') {
                if (pos + 1 < src.length() && isNameStart(src.charAt(pos + 1))) {
                    pos++;
                    continue;
                }
                String soFar = src.substring(start, pos + 1);
                throw error(pos + 1, "unexpected " + describeAt(pos + 1) + " after '" + soFar + "' at column "
                        + col(pos + 1) + ": expected the rest of the field name", NAME_RULE);
            }
            break;
        }
        String text = src.substring(start, pos);
        Kind keyword = KEYWORDS.get(text.toLowerCase(Locale.ROOT));
        return keyword != null ? token(keyword, start, null) : token(Kind.NAME, start, text);
    }

    private Token number(int start) {
        boolean decimal = false;
        skipDigits();
        if (pos < src.length() && src.charAt(pos) == '.') {
            if (pos + 1 < src.length() && isDigit(src.charAt(pos + 1))) {
                pos++;
                skipDigits();
                decimal = true;
            } else if (pos + 1 >= src.length() || !isNameStart(src.charAt(pos + 1))) {
                throw error(start, "malformed number '" + src.substring(start, pos + 1) + "' at column " + col(start)
                        + ": expected a digit after the decimal point",
                        "write " + src.substring(start, pos) + ".0 or " + src.substring(start, pos));
            }
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int exponent = pos + 1;
            if (exponent < src.length() && (src.charAt(exponent) == '+' || src.charAt(exponent) == '-')) {
                exponent++;
            }
            if (exponent < src.length() && isDigit(src.charAt(exponent))) {
                pos = exponent;
                skipDigits();
                decimal = true;
            }
        }
        if (pos < src.length() && (isNamePart(src.charAt(pos)) || src.charAt(pos) == '.')) {
            int end = pos;
            while (end < src.length() && (isNamePart(src.charAt(end)) || src.charAt(end) == '.')) {
                end++;
            }
            String text = src.substring(start, end);
            String hint = text.indexOf('.') != text.lastIndexOf('.')
                    ? "a number has at most one decimal point"
                    : "a field name cannot start with a digit; quote it in backquotes: `" + text + "`";
            throw error(start, "malformed number '" + text + "' at column " + col(start), hint);
        }
        String text = src.substring(start, pos);
        if (!decimal) {
            try {
                return token(Kind.NUMBER, start, Long.parseLong(text));
            } catch (NumberFormatException tooLarge) {
                return token(Kind.NUMBER, start, null);
            }
        }
        double value = Double.parseDouble(text);
        if (Double.isInfinite(value)) {
            throw error(start, "number " + text + " at column " + col(start) + " is too large",
                    "numbers go up to about 1.7976931348623157e308");
        }
        return token(Kind.NUMBER, start, value);
    }

    private void skipDigits() {
        while (pos < src.length() && isDigit(src.charAt(pos))) {
            pos++;
        }
    }

    /** Reads quoted text starting at the opening quote; leaves {@code pos} after the closing one. */
    private String quoted(int start, char quote, String what, String closeHint) {
        StringBuilder out = new StringBuilder();
        pos = start + 1;
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == quote) {
                pos++;
                return out.toString();
            }
            if (c == '\\' && pos + 1 < src.length()) {
                char e = src.charAt(pos + 1);
                switch (e) {
                    case '\'': case '"': case '\\': case '`': out.append(e); break;
                    case 'n': out.append('\n'); break;
                    case 't': out.append('\t'); break;
                    default:
                        throw error(pos, "unknown escape '\\" + e + "' in " + what + " at column " + col(pos),
                                "the escapes are \\' \\\" \\\\ \\n \\t (and \\` in names); write \\\\ for a backslash");
                }
                pos += 2;
                continue;
            }
            out.append(c);
            pos++;
        }
        String hint = closeHint;
        String trimmed = src.stripTrailing();
        char last = trimmed.charAt(trimmed.length() - 1); // not empty: the opening quote is in it
        if ((last == '\'' || last == '"' || last == '`') && last != quote && trimmed.length() - 1 > start) {
            hint = "the " + what + " starts with " + quote + " but ends with " + last + "; use the same quote on both sides";
        }
        throw error(start, "unterminated " + what + " starting at column " + col(start)
                + ": expected a closing " + quote + " before the end of the filter", hint);
    }

    private Token symbol(int start, char c) {
        char n1 = pos + 1 < src.length() ? src.charAt(pos + 1) : 0;
        char n2 = pos + 2 < src.length() ? src.charAt(pos + 2) : 0;
        switch (c) {
            case '(': return advance(Kind.LPAREN, 1);
            case ')': return advance(Kind.RPAREN, 1);
            case ',': return advance(Kind.COMMA, 1);
            case '+': return advance(Kind.PLUS, 1);
            case '-': return advance(Kind.MINUS, 1);
            case '*': return advance(Kind.STAR, 1);
            case '/': return advance(Kind.SLASH, 1);
            case '%': return advance(Kind.PERCENT, 1);
            case '=':
                if (n1 == '=' && n2 == '=') {
                    throw notAnOperator(start, "===", "use == to compare");
                }
                if (n1 == '>') {
                    throw notAnOperator(start, "=>", "use >= for 'greater than or equal'");
                }
                if (n1 == '<') {
                    throw notAnOperator(start, "=<", "use <= for 'less than or equal'");
                }
                return advance(Kind.EQ, n1 == '=' ? 2 : 1);
            case '!':
                if (n1 == '=' && n2 == '=') {
                    throw notAnOperator(start, "!==", "use != to test that values differ");
                }
                return n1 == '=' ? advance(Kind.NE, 2) : advance(Kind.NOT, 1);
            case '<':
                if (n1 == '=') {
                    return advance(Kind.LE, 2);
                }
                return n1 == '>' ? advance(Kind.NE, 2) : advance(Kind.LT, 1);
            case '>':
                return n1 == '=' ? advance(Kind.GE, 2) : advance(Kind.GT, 1);
            case '&':
                if (n1 == '&') {
                    return advance(Kind.AND, 2);
                }
                throw unexpectedCharacter(start, "use and (or &&) to require both conditions");
            case '|':
                if (n1 == '|') {
                    return advance(Kind.OR, 2);
                }
                throw unexpectedCharacter(start, "use or (or ||) to accept either condition");
            default:
                throw unexpectedCharacter(start, hintForCharacter(start, c));
        }
    }

    private String hintForCharacter(int at, char c) {
        switch (c) {
            case '[': case ']': case '{': case '}':
                return "write the values of in as a list in parentheses: x in ('A', 'B')";
            case ';':
                return "a filter is one condition; combine conditions with and / or";
            case '.':
                return "write decimals with a leading digit (0.5); dots only join the parts of a field name";
            case '?': case ':':
                return "conditional expressions are not supported; combine conditions with and / or";
            case '\u2018': case '\u2019': case '\u201C': case '\u201D':
                return "use straight quotes ' or \" around strings";
            case '^':
                return "there is no power operator; multiply with *";
            default:
                if (Character.isLetter(src.codePointAt(at))) {
                    int end = at;
                    while (end < src.length() && (Character.isLetterOrDigit(src.charAt(end)) || src.charAt(end) == '_')) {
                        end++;
                    }
                    return "field names use ASCII letters; quote this one in backquotes: `" + src.substring(at, end) + "`";
                }
                return NAME_RULE;
        }
    }

    private Token advance(Kind kind, int length) {
        int start = pos;
        pos += length;
        return new Token(kind, src.substring(start, pos), null, start, pos);
    }

    private Token token(Kind kind, int start, Object value) {
        return new Token(kind, src.substring(start, pos), value, start, pos);
    }

    private FilterSyntaxException notAnOperator(int at, String text, String hint) {
        return error(at, "'" + text + "' at column " + col(at) + " is not an operator", hint);
    }

    private FilterSyntaxException unexpectedCharacter(int at, String hint) {
        return error(at, "unexpected " + describeAt(at) + " at column " + col(at)
                + ": expected a field name, a value or an operator", hint);
    }

    /** Names the character at {@code at} for a message; invisible ones by code point. */
    private String describeAt(int at) {
        if (at >= src.length()) {
            return "end of filter";
        }
        int cp = src.codePointAt(at);
        if (Character.isISOControl(cp) || Character.isSpaceChar(cp) || !Character.isDefined(cp)) {
            return String.format("character U+%04X", cp);
        }
        return "character '" + new String(Character.toChars(cp)) + "'";
    }

    private int col(int index) {
        return FilterSyntaxException.columnOf(src, index);
    }

    private FilterSyntaxException error(int index, String message, String hint) {
        return new FilterSyntaxException(src, index, message, hint);
    }
}
