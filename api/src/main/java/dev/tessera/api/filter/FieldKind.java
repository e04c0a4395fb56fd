package dev.tessera.api.filter;

/** What a field holds, as far as a source's schema says, for the filter's type rules. */
public enum FieldKind {
    NUMBER,
    STRING,
    BOOLEAN,
    /** Unknown, or more than one kind (a union of string and long): checked per event only. */
    ANY
}
