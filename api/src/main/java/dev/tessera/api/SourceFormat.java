package dev.tessera.api;

/** How a source's events are encoded on the topic. */
public enum SourceFormat {
    /** JSON objects, one per record. */
    JSON,
    /** Avro: Confluent wire format, or plain binary with the schema file. */
    AVRO
}
