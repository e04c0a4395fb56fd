package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tessera.api.Source;
import dev.tessera.api.SourceFormat;
import dev.tessera.api.TesseraException;
import dev.tessera.runtime.decode.RejectReason;
import dev.tessera.runtime.encode.PlainAvro;
import dev.tessera.schemas.ConfluentWireFormat;
import dev.tessera.schemas.RegisteredSchema;
import dev.tessera.schemas.SchemaRegistry;
import dev.tessera.schemas.SchemaRegistryException;
import dev.tessera.schemas.SchemaRegistryUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Pushed JSON events of an Avro source, as the records a producer would write: a record of the
 * source's schema file by {@link PlainAvro}'s rules, then, for {@code avro-confluent}, framed with
 * the id the registry holds that schema under ({@code <topic>-value}; registered there on the first
 * push when missing, as Confluent serializers do by default). Thread-safe.
 */
final class AvroPushEncoder {
    /** Why an event could not become a record: a reject reason and a message. */
    record Refusal(RejectReason reason, String message) {
    }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Source source;
    private final Schema schema;
    private final SchemaRegistry registry;
    private volatile int schemaId = -1;

    AvroPushEncoder(Source source, Path definitionsDir, SchemaRegistry registry) {
        this.source = source;
        this.registry = registry;
        try {
            this.schema = new Schema.Parser().parse(definitionsDir.resolve(source.schema()).toFile());
        } catch (IOException | RuntimeException e) {
            throw new TesseraException("cannot read schema file " + source.schema() + " of source " + source.name()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The record bytes of one pushed JSON object, or a {@link Refusal}. */
    Object encode(byte[] jsonObject) {
        Object plain;
        try {
            plain = JSON.readValue(jsonObject, Object.class);
        } catch (JsonProcessingException e) {
            return new Refusal(RejectReason.MALFORMED, "not a JSON object: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!(plain instanceof Map)) {
            return new Refusal(RejectReason.MALFORMED, "the event is not a JSON object");
        }
        Object datum;
        try {
            datum = PlainAvro.datum(plain, schema, "");
        } catch (PlainAvro.Unfit e) {
            return new Refusal(e.reason(), e.getMessage() + " (schema " + source.schema() + ")");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new GenericDatumWriter<>(schema, GenericData.get()).write(datum, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            return new Refusal(RejectReason.SCHEMA_MISMATCH, "the event does not fit " + source.schema() + ": "
                    + e.getMessage());
        }
        byte[] body = out.toByteArray();
        return source.format() == SourceFormat.AVRO_CONFLUENT ? ConfluentWireFormat.frame(schemaId(), body) : body;
    }

    /**
     * The registry id of the source's schema, looked up (or registered) once.
     *
     * @throws ApiException 503 when the registry cannot be reached, 409 when it refuses the schema
     */
    private int schemaId() {
        int id = schemaId;
        if (id >= 0) {
            return id;
        }
        try {
            RegisteredSchema r = registry.lookup(source.valueSubject(), schema)
                    .orElseGet(() -> registry.register(source.valueSubject(), schema));
            schemaId = r.id();
            return r.id();
        } catch (SchemaRegistryUnavailableException e) {
            throw new ApiException(503, "schema_registry_unavailable", "the schema registry cannot be reached: "
                    + e.getMessage(), "retry the push when the registry is back");
        } catch (SchemaRegistryException e) {
            throw new ApiException(409, "schema_not_registered", "schema file " + source.schema() + " of source "
                    + source.name() + " cannot be registered under " + source.valueSubject() + ": " + e.getMessage(),
                    "make the schema file compatible with the subject's versions, or change the subject's compatibility");
        }
    }
}
