package dev.tessera.generator;

/** How a generated event field is written in JSON. */
public enum FieldType {
    /** A JSON string. */
    TEXT,
    /** A JSON integer: milliseconds since the epoch, UTC. */
    EPOCH_MILLIS,
    /** A JSON number with two decimals (an amount in the currency's major unit). */
    DECIMAL,
    /** {@code true} or {@code false}. */
    BOOLEAN
}
