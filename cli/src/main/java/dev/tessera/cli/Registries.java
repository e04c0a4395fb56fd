package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.api.SourceFormat;
import dev.tessera.schemas.CachedSchemaRegistry;
import dev.tessera.schemas.HttpSchemaRegistry;
import dev.tessera.schemas.LocalSchemaRegistry;
import dev.tessera.schemas.RegisteredSchema;
import dev.tessera.schemas.SchemaRegistry;
import dev.tessera.schemas.SchemaRegistryException;
import dev.tessera.schemas.SchemaRegistryServer;
import dev.tessera.serving.ApiException;
import dev.tessera.serving.Tokens;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Deque;
import org.apache.avro.Schema;

/** Opens the schema registry a node's avro-confluent sources read with (ADR 015). */
final class Registries {
    private Registries() {
    }

    /** The registry and, when embedded and served, its server and URL. */
    record Opened(SchemaRegistry registry, SchemaRegistryServer server) {
        String url() {
            return server == null ? null : server.url();
        }
    }

    static boolean needed(Definitions defs) {
        return defs.sources().values().stream().anyMatch(s -> s.format() == SourceFormat.AVRO_CONFLUENT);
    }

    /**
     * An external registry when {@code settings.url()} is set; else, when a source needs one, the
     * embedded registry in {@code data/schema-registry}, seeded with each avro-confluent source's
     * schema file under {@code <topic>-value} and served over HTTP; else null. What it opens is
     * pushed on {@code owned} for closing.
     */
    static Opened open(Definitions defs, Path features, Path data, String host, RegistrySettings settings,
            Tokens tokens, Deque<AutoCloseable> owned, PrintStream log) {
        if (settings.url() != null) {
            return new Opened(external(settings.url()), null);
        }
        if (!needed(defs)) {
            return new Opened(null, null);
        }
        LocalSchemaRegistry local = LocalSchemaRegistry.open(data.resolve("schema-registry"));
        owned.push(local);
        for (Source s : defs.sources().values()) {
            if (s.format() == SourceFormat.AVRO_CONFLUENT) {
                seed(local, s, features, log);
            }
        }
        SchemaRegistryServer server = SchemaRegistryServer.start(local, new InetSocketAddress(host, settings.port()),
                authorizer(tokens));
        owned.push(server);
        return new Opened(new CachedSchemaRegistry(local), server);
    }

    /**
     * The registry at {@code url}, cached; a bearer token for it is read from the environment
     * ({@code TESSERA_SCHEMA_REGISTRY_TOKEN}), never from the command line, so it stays out of
     * process lists and logs.
     */
    static SchemaRegistry external(String url) {
        String token = System.getenv("TESSERA_SCHEMA_REGISTRY_TOKEN");
        return new CachedSchemaRegistry(new HttpSchemaRegistry(url, token == null || token.isBlank() ? null
                : "Bearer " + token.trim(), Duration.ofSeconds(10)));
    }

    /** Registers the source's schema file under its topic's subject, unless it is there already. */
    private static void seed(LocalSchemaRegistry registry, Source source, Path features, PrintStream log) {
        Schema schema;
        try {
            schema = new Schema.Parser().parse(features.resolve(source.schema()).toFile());
        } catch (IOException e) {
            throw new dev.tessera.api.TesseraException("cannot read schema file " + source.schema() + " of source "
                    + source.name() + ": " + e.getMessage(), e);
        }
        try {
            RegisteredSchema r = registry.register(source.valueSubject(), schema);
            log.println("schema registry: " + source.schema() + " is version " + r.version() + " (id " + r.id()
                    + ") of subject " + source.valueSubject());
        } catch (SchemaRegistryException e) {
            log.println("warning: schema registry: " + source.schema() + " of source " + source.name() + " was not"
                    + " registered under " + source.valueSubject() + ": " + e.getMessage() + ". Records are still read"
                    + " with it when their writer schema is compatible.");
        }
    }

    /** Bearer tokens as the HTTP API checks them: reads need the read scope, changes the write scope. */
    static SchemaRegistryServer.Authorizer authorizer(Tokens tokens) {
        if (!tokens.enabled()) {
            return SchemaRegistryServer.Authorizer.ALLOW_ALL;
        }
        return (authorization, write) -> {
            try {
                tokens.check(authorization, write ? Tokens.Scope.WRITE : Tokens.Scope.READ);
                return 0;
            } catch (ApiException e) {
                return e.status();
            }
        };
    }
}
