package dev.tessera.cli;

import picocli.CommandLine.Option;

/** Where avro-confluent sources find their writer schemas: options shared by {@code run} and {@code demo}. */
final class SchemaRegistryOptions {
    @Option(names = "--schema-registry", paramLabel = "URL",
            description = "A Confluent-compatible Schema Registry for avro-confluent sources (e.g. http://registry:8081)."
                    + " Without it, Tessera runs its own registry (schemas in <data>/schema-registry) when a source needs one."
                    + " A bearer token for it is read from TESSERA_SCHEMA_REGISTRY_TOKEN.")
    String url;

    @Option(names = "--registry-port", paramLabel = "PORT", defaultValue = "8081",
            description = "HTTP port of the embedded schema registry (the Confluent REST API, for producers). 0 picks a free"
                    + " port. Default: ${DEFAULT-VALUE}")
    int port;

    RegistrySettings settings() {
        return new RegistrySettings(url, port);
    }
}
