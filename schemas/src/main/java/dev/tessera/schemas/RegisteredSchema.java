package dev.tessera.schemas;

import java.util.Objects;
import org.apache.avro.Schema;

/**
 * A schema as the registry holds it: its global id, and the subject and version it was read
 * under ({@code subject} null and {@code version} 0 when it was looked up by id alone).
 */
public record RegisteredSchema(String subject, int version, int id, Schema schema) {
    public RegisteredSchema {
        Objects.requireNonNull(schema, "schema");
    }
}
