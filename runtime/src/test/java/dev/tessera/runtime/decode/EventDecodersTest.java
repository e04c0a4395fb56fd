package dev.tessera.runtime.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.Location;
import dev.tessera.api.Meta;
import dev.tessera.api.Source;
import dev.tessera.api.SourceFormat;
import dev.tessera.api.TesseraException;
import dev.tessera.api.TimeSpan;
import dev.tessera.core.event.FieldLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing and building a decoder from a source definition. */
class EventDecodersTest {
    @TempDir
    Path definitions;

    @Test
    void aJsonSourceGetsTheJsonDecoder() {
        EventDecoder decoder = EventDecoders.forSource(source(SourceFormat.JSON, null), definitions,
                FieldLayout.of("id", "billing.country"));
        assertThat(decoder).isInstanceOf(JsonEventDecoder.class);
        assertThat(decoder.decode(JsonEventDecoderTest.utf8("{\"billing\": {\"country\": \"FR\"}}")).event().get(1))
                .isEqualTo("FR");
        assertThat(EventDecoders.json(FieldLayout.of("id")).decode(JsonEventDecoderTest.utf8("{\"id\": 1}"))
                .event().get(0)).isEqualTo(1L);
    }

    @Test
    void theRecordLimitComesFromTheCaller() {
        EventDecoder decoder = EventDecoders.forSource(source(SourceFormat.JSON, null), definitions,
                FieldLayout.of("id"), 8);
        assertThat(decoder.decode(JsonEventDecoderTest.utf8("{\"id\": 12}")).reason()).isEqualTo(RejectReason.TOO_LARGE);
    }

    @Test
    void anAvroSourceReadsItsSchemaFileRelativeToTheDefinitions() throws Exception {
        Files.createDirectories(definitions.resolve("schemas"));
        Files.writeString(definitions.resolve("schemas/payment.avsc"), AvroEventDecoderTest.PAYMENT.toString(true));
        EventDecoder decoder = EventDecoders.forSource(source(SourceFormat.AVRO, "schemas/payment.avsc"), definitions,
                AvroEventDecoderTest.LAYOUT);
        assertThat(decoder).isInstanceOf(AvroEventDecoder.class);
        assertThat(decoder.decode(AvroEventDecoderTest.encode(AvroEventDecoderTest.payment())).event().get(8))
                .isEqualTo("FR");
    }

    @Test
    void anAvroSourceNeedsASchemaFile() {
        assertThatThrownBy(() -> EventDecoders.forSource(source(SourceFormat.AVRO, null), definitions,
                FieldLayout.of("id")))
                .isInstanceOf(TesseraException.class)
                .hasMessage("source 'payments' (sources.yaml:3:1) is avro but names no schema file: add schema:"
                        + " schemas/payments.avsc");
    }

    @Test
    void aConfluentSourceNeedsARegistry() throws Exception {
        Files.createDirectories(definitions.resolve("schemas"));
        Files.writeString(definitions.resolve("schemas/payment.avsc"), AvroEventDecoderTest.PAYMENT.toString(true));
        assertThatThrownBy(() -> EventDecoders.forSource(source(SourceFormat.AVRO_CONFLUENT, "schemas/payment.avsc"),
                definitions, FieldLayout.of("id")))
                .isInstanceOf(TesseraException.class)
                .hasMessageContaining("reads the Confluent wire format, which needs a schema registry");
        assertThat(EventDecoders.forSource(source(SourceFormat.AVRO_CONFLUENT, "schemas/payment.avsc"), definitions,
                AvroEventDecoderTest.LAYOUT, 1 << 20, dev.tessera.schemas.LocalSchemaRegistry.inMemory()))
                .isInstanceOf(ConfluentAvroDecoder.class);
    }

    @Test
    void aMissingOrInvalidSchemaFileIsReported() throws Exception {
        assertThatThrownBy(() -> EventDecoders.forSource(source(SourceFormat.AVRO, "schemas/nope.avsc"), definitions,
                FieldLayout.of("id")))
                .isInstanceOf(TesseraException.class)
                .hasMessage("schema file " + definitions.resolve("schemas/nope.avsc") + " of source 'payments'"
                        + " (sources.yaml:3:1) does not exist; schema paths are relative to the definitions folder");
        Files.writeString(definitions.resolve("bad.avsc"), "{\"type\": \"record\", \"name\": \"P\", \"fields\": [");
        assertThatThrownBy(() -> EventDecoders.forSource(source(SourceFormat.AVRO, "bad.avsc"), definitions,
                FieldLayout.of("id")))
                .isInstanceOf(TesseraException.class)
                .hasMessageStartingWith("schema file " + definitions.resolve("bad.avsc") + " of source 'payments' is"
                        + " not a valid Avro schema: ");
    }

    @Test
    void aLayoutFieldMissingFromTheSchemaNamesTheSource() throws Exception {
        Files.writeString(definitions.resolve("p.avsc"), AvroEventDecoderTest.PAYMENT.toString());
        assertThatThrownBy(() -> EventDecoders.forSource(source(SourceFormat.AVRO, "p.avsc"), definitions,
                FieldLayout.of("id", "merchant_id")))
                .isInstanceOf(TesseraException.class)
                .hasMessageStartingWith("source 'payments' (sources.yaml:3:1): layout field 'merchant_id' is not in"
                        + " Avro schema p.avsc: record com.acme.Payment has no field 'merchant_id'");
    }

    private static Source source(SourceFormat format, String schema) {
        return new Source("payments", "commerce.payments", format, schema, java.util.Map.of(), "event_time", "id",
                Source.DEFAULT_LATENESS, Source.DEFAULT_IDLE_TIMEOUT, TimeSpan.parse("10m"),
                Source.DEFAULT_MAX_CLOCK_SKEW, Meta.at(new Location("sources.yaml", 3, 1)));
    }
}
