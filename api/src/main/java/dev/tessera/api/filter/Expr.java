package dev.tessera.api.filter;

import java.util.Set;

/** STUB (replace at merge): a parsed filter expression. */
public sealed interface Expr {
    /** Every event field the expression reads. */
    Set<String> fieldNames();

    /** STUB: the unparsed text and the identifiers found in it. */
    record Unparsed(String source, Set<String> fieldNames) implements Expr {
        public Unparsed {
            fieldNames = Set.copyOf(fieldNames);
        }
    }
}
