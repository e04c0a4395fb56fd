package dev.tessera.api.filter;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * STUB (replace at merge): accepts any non-blank text with balanced parentheses and closed quotes,
 * and reports every identifier outside quotes (except keywords) as a field name. The real parser
 * lands from the filter work.
 */
public final class FilterParser {
    private static final Set<String> KEYWORDS = Set.of("and", "or", "not", "in", "is", "null", "true", "false");

    private FilterParser() {
    }

    public static Expr parse(String source) {
        if (source == null || source.isBlank()) {
            throw new FilterSyntaxException("the filter is empty", 1, "write a condition, e.g. status == 'DECLINED'");
        }
        Deque<Integer> open = new ArrayDeque<>();
        Set<String> fields = new LinkedHashSet<>();
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '\'' || c == '"') {
                int close = source.indexOf(c, i + 1);
                if (close < 0) {
                    throw new FilterSyntaxException("unterminated string", i + 1, "close the string with " + c);
                }
                i = close + 1;
            } else if (c == '(') {
                open.push(i);
                i++;
            } else if (c == ')') {
                if (open.isEmpty()) {
                    throw new FilterSyntaxException("')' without a matching '('", i + 1, "remove it or add '('");
                }
                open.pop();
                i++;
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < source.length() && (Character.isLetterOrDigit(source.charAt(i))
                        || source.charAt(i) == '_' || source.charAt(i) == '.')) {
                    i++;
                }
                String word = source.substring(start, i);
                if (!KEYWORDS.contains(word)) {
                    fields.add(word);
                }
            } else {
                i++;
            }
        }
        if (!open.isEmpty()) {
            throw new FilterSyntaxException("'(' is never closed", open.peek() + 1, "add ')'");
        }
        return new Expr.Unparsed(source, fields);
    }
}
