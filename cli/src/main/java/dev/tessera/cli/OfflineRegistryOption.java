package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.schemas.LocalSchemaRegistry;
import dev.tessera.schemas.SchemaRegistry;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The registry offline commands (import, backfill, training-set, consistency) read avro-confluent
 * records with: {@code --schema-registry URL}, else the embedded registry {@code tessera run} keeps in
 * {@code <data>/schema-registry}, opened for reading only.
 */
final class OfflineRegistryOption {
    @Option(names = "--schema-registry", paramLabel = "URL",
            description = "Schema Registry for avro-confluent sources. Default: the registry tessera run keeps in"
                    + " <data>/schema-registry. A bearer token for it is read from TESSERA_SCHEMA_REGISTRY_TOKEN.")
    String url;

    /** The registry, or null when no source reads the Confluent wire format and none was given. */
    SchemaRegistry open(Definitions defs, Path data) {
        if (url != null) {
            return Registries.external(url);
        }
        return Registries.needed(defs) ? LocalSchemaRegistry.openReadOnly(data.resolve("schema-registry")) : null;
    }
}
