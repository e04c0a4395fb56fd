package dev.tessera.runtime.decode;

import dev.tessera.api.Source;
import dev.tessera.api.SourceFormat;
import dev.tessera.api.TesseraException;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.schemas.CachedSchemaRegistry;
import dev.tessera.schemas.SchemaRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/** Builds the {@link EventDecoder} a source's {@code format} calls for. */
public final class EventDecoders {
    /** Records longer than this (1 MiB) are rejected as {@code too_large} unless a source says otherwise. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1 << 20;

    private EventDecoders() {
    }

    /** {@link #forSource(Source, Path, FieldLayout, int)} with the default 1 MiB record limit. */
    public static EventDecoder forSource(Source source, Path definitionsDir, FieldLayout layout) {
        return forSource(source, definitionsDir, layout, DEFAULT_MAX_RECORD_BYTES);
    }

    /**
     * The decoder for {@code source}: JSON objects, or plain Avro binary of the schema file named by
     * {@code source.schema()} (relative to {@code definitionsDir}).
     *
     * @throws TesseraException when the schema file is missing, unreadable or invalid, is not a
     *     record, or lacks a field of {@code layout}; the message names the source and the file
     */
    public static EventDecoder forSource(Source source, Path definitionsDir, FieldLayout layout, int maxRecordBytes) {
        return forSource(source, definitionsDir, layout, maxRecordBytes, null);
    }

    /**
     * The decoder for {@code source}, with the schema registry an {@code avro-confluent} source reads
     * its writer schemas from (wrap it in a {@link CachedSchemaRegistry}; null when there is none).
     *
     * @throws TesseraException as {@link #forSource(Source, Path, FieldLayout, int)}, and for an
     *     avro-confluent source without a registry
     */
    public static EventDecoder forSource(Source source, Path definitionsDir, FieldLayout layout, int maxRecordBytes,
            SchemaRegistry registry) {
        switch (source.format()) {
            case JSON:
                if (source.fields().isEmpty()) {
                    return new JsonEventDecoder(layout, maxRecordBytes);
                }
                // declared types decide: an id declared string or long that arrives as a number beyond 64 bits is a
                // schema mismatch, so the inner decoder reads it as the number it is (identities keep no digits here)
                return new DeclaredFieldsDecoder(new JsonEventDecoder(FieldLayout.of(layout.names()), maxRecordBytes), source.name(),
                        layout, source.fields());
            case AVRO_CONFLUENT:
                if (registry == null) {
                    throw new TesseraException("source '" + source.name() + "' (" + where(source) + ") reads the"
                            + " Confluent wire format, which needs a schema registry: give --schema-registry URL, or"
                            + " run with the embedded registry (tessera run/demo start it)");
                }
                // fall through: the same schema file checks
            case AVRO:
                if (source.schema() == null) {
                    throw new TesseraException("source '" + source.name() + "' (" + where(source) + ") is "
                            + source.format().yamlName() + " but names no schema file: add schema: schemas/"
                            + source.name() + ".avsc");
                }
                Schema schema = parseSchema(source, definitionsDir.resolve(source.schema()).normalize());
                try {
                    return source.format() == SourceFormat.AVRO_CONFLUENT
                            ? new ConfluentAvroDecoder(schema, source.schema(), registry, layout, maxRecordBytes)
                            : new AvroEventDecoder(schema, source.schema(), layout, maxRecordBytes);
                } catch (TesseraException e) {
                    throw new TesseraException("source '" + source.name() + "' (" + where(source) + "): "
                            + e.getMessage(), e);
                }
            default:
                throw new TesseraException("source '" + source.name() + "' has format " + source.format()
                        + ", which has no decoder");
        }
    }

    /** A JSON decoder over {@code layout} with the default 1 MiB record limit. */
    public static EventDecoder json(FieldLayout layout) {
        return new JsonEventDecoder(layout, DEFAULT_MAX_RECORD_BYTES);
    }

    private static Schema parseSchema(Source source, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new TesseraException("schema file " + file + " of source '" + source.name() + "' (" + where(source)
                    + ") does not exist; schema paths are relative to the definitions folder");
        }
        try {
            return new Schema.Parser().parse(file.toFile());
        } catch (SchemaParseException e) {
            throw new TesseraException("schema file " + file + " of source '" + source.name() + "' is not a valid"
                    + " Avro schema: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new TesseraException("cannot read schema file " + file + " of source '" + source.name() + "': " + e,
                    e);
        }
    }

    private static String where(Source source) {
        return source.meta() == null ? "definitions" : String.valueOf(source.meta().location());
    }
}
