package dev.tessera.api;

import dev.tessera.api.YamlMapping.Scalar;
import dev.tessera.api.filter.FilterParser;
import dev.tessera.api.filter.FilterSyntaxException;
import java.util.Set;

/** The one place definitions call the filter parser: checking a feature's {@code where}, and the fields it reads. */
final class WhereClauses {
    private WhereClauses() {
    }

    /**
     * Reports a filter that does not parse at the line of its {@code where} node, with the column
     * inside the filter in the message (YAML quoting shifts columns in the file).
     */
    static void check(Scalar where, String subject, Problems problems) {
        try {
            FilterParser.parse(where.value());
        } catch (FilterSyntaxException e) {
            String hint = e.hint() == null || e.hint().isBlank()
                    ? "filters compare event fields, e.g. where: \"status == 'DECLINED' and amount > 100\"" : e.hint();
            problems.add(where.at(), "where of " + subject + " does not parse: " + e.getMessage()
                    + " in \"" + where.value() + "\"", hint);
        }
    }

    /** Every event field {@code where} reads; empty for no filter. */
    static Set<String> fieldNames(String where) {
        return where == null ? Set.of() : FilterParser.parse(where).fieldNames();
    }
}
