package dev.tessera.api;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** How a source's events are encoded on the topic. */
public enum SourceFormat {
    /** JSON objects, one per record; fields may be declared with types ({@code fields:}). */
    JSON("json"),
    /** Plain Avro binary of the source's schema file, one record per Kafka record, no header. */
    AVRO("avro"),
    /**
     * The Confluent wire format: a 0 byte, the writer schema's 4-byte registry id, then Avro binary.
     * Records are read with the source's schema file (the reader schema) after Avro schema resolution
     * from the writer schema the registry holds, so producers may evolve compatibly (ADR 015).
     */
    AVRO_CONFLUENT("avro-confluent");

    private final String yamlName;

    SourceFormat(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    /** True for the formats read with an Avro schema file. */
    public boolean avro() {
        return this != JSON;
    }

    public static Optional<SourceFormat> fromYaml(String name) {
        return Arrays.stream(values()).filter(f -> f.yamlName.equals(name)).findFirst();
    }

    public static List<String> yamlNames() {
        return Arrays.stream(values()).map(SourceFormat::yamlName).toList();
    }
}
