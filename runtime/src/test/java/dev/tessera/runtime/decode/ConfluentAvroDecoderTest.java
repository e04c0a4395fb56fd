package dev.tessera.runtime.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.schemas.ConfluentWireFormat;
import dev.tessera.schemas.HttpSchemaRegistry;
import dev.tessera.schemas.LocalSchemaRegistry;
import dev.tessera.schemas.SchemaRegistryUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * The Confluent decoder reads every compatible writer into the reader's shape (Avro's resolution
 * rules stated in each case) and gives each kind of bad record its reason.
 */
class ConfluentAvroDecoderTest {
    private static Schema schema(String fields) {
        return new Schema.Parser().parse("{\"type\": \"record\", \"name\": \"Payment\", \"fields\": [" + fields + "]}");
    }

    static final Schema V1 = schema("{\"name\": \"id\", \"type\": \"string\"}, {\"name\": \"amount\", \"type\": \"int\"},"
            + " {\"name\": \"country\", \"type\": \"string\"}, {\"name\": \"score\", \"type\": \"int\"}");
    /** Reader: amount widened to long, country renamed by alias, score removed, channel added with a default. */
    static final Schema READER = schema("{\"name\": \"id\", \"type\": \"string\"}, {\"name\": \"amount\", \"type\": \"long\"},"
            + " {\"name\": \"billing_country\", \"type\": \"string\", \"aliases\": [\"country\"]},"
            + " {\"name\": \"channel\", \"type\": [\"null\", \"string\"], \"default\": null}");
    /** A later writer: the reader's fields plus a trailing one the reader skips. */
    static final Schema V3 = schema("{\"name\": \"id\", \"type\": \"string\"}, {\"name\": \"amount\", \"type\": \"long\"},"
            + " {\"name\": \"billing_country\", \"type\": \"string\"},"
            + " {\"name\": \"channel\", \"type\": [\"null\", \"string\"], \"default\": null},"
            + " {\"name\": \"note\", \"type\": \"string\", \"default\": \"\"}");
    static final Schema AMOUNT_AS_STRING = schema("{\"name\": \"id\", \"type\": \"string\"},"
            + " {\"name\": \"amount\", \"type\": \"string\"}, {\"name\": \"billing_country\", \"type\": \"string\"}");

    static final FieldLayout LAYOUT = FieldLayout.of("id", "amount", "billing_country", "channel");

    private final LocalSchemaRegistry registry = LocalSchemaRegistry.inMemory();
    private final ConfluentAvroDecoder decoder = new ConfluentAvroDecoder(READER, "payment.avsc", registry, LAYOUT, 1 << 20);

    private int register(Schema s) {
        registry.setCompatibility("s-" + s.hashCode(), dev.tessera.schemas.Compatibility.NONE);
        return registry.register("s-" + s.hashCode(), s).id();
    }

    private static byte[] encode(Schema s, Object... values) throws IOException {
        GenericRecord r = new GenericData.Record(s);
        for (int i = 0; i < values.length; i++) {
            r.put(i, values[i]);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(s).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }

    private static Object[] values(Decoded d) {
        assertThat(d.isAccepted()).as(String.valueOf(d.reason()) + ": " + d.message()).isTrue();
        Event e = d.event();
        return new Object[] {e.get(0), e.get(1), e.get(2), e.get(3)};
    }

    @Test
    void anOlderWriterIsReadThroughAliasesDefaultsAndPromotion() throws IOException {
        byte[] v = ConfluentWireFormat.frame(register(V1), encode(V1, "p1", 1250, "FR", 7));

        assertThat(values(decoder.decode(v))).containsExactly("p1", 1250L, "FR", null);
    }

    @Test
    void aNewerWritersExtraFieldIsSkipped() throws IOException {
        byte[] v = ConfluentWireFormat.frame(register(V3), encode(V3, "p3", 99L, "DE", "app", "hello"));

        assertThat(values(decoder.decode(v))).containsExactly("p3", 99L, "DE", "app");
    }

    @Test
    void theReadersOwnSchemaReadsAsItIs() throws IOException {
        byte[] v = ConfluentWireFormat.frame(register(READER), encode(READER, "p2", 5L, "NL", "web"));

        assertThat(values(decoder.decode(v))).containsExactly("p2", 5L, "NL", "web");
    }

    @Test
    void eachBadRecordGetsItsReason() throws IOException {
        int v1 = register(V1);
        byte[] good = ConfluentWireFormat.frame(v1, encode(V1, "p1", 1, "FR", 2));
        int rogue = register(AMOUNT_AS_STRING);

        Decoded noHeader = decoder.decode(encode(V1, "p1", 1, "FR", 2)); // plain Avro: starts with a length, not 0
        assertThat(noHeader.reason()).isEqualTo(RejectReason.MALFORMED);
        assertThat(noHeader.message()).contains("not the Confluent wire format");
        assertThat(decoder.decode(new byte[] {0, 0, 0}).reason()).isEqualTo(RejectReason.MALFORMED);
        Decoded truncated = decoder.decode(Arrays.copyOf(good, good.length - 2));
        assertThat(truncated.reason()).isEqualTo(RejectReason.MALFORMED);
        assertThat(truncated.message()).contains("writer schema (id " + v1 + ")");
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThat(decoder.decode(trailing).reason()).isEqualTo(RejectReason.MALFORMED);
        Decoded unknown = decoder.decode(ConfluentWireFormat.frame(777, encode(V1, "p1", 1, "FR", 2)));
        assertThat(unknown.reason()).isEqualTo(RejectReason.SCHEMA_MISMATCH);
        assertThat(unknown.message()).contains("schema id 777 is not in the schema registry");
        Decoded unreadable = decoder.decode(ConfluentWireFormat.frame(rogue, encode(AMOUNT_AS_STRING, "p9", "1", "FR")));
        assertThat(unreadable.reason()).isEqualTo(RejectReason.SCHEMA_MISMATCH);
        assertThat(unreadable.message()).contains("field 'amount'").contains("payment.avsc cannot read");
        assertThat(decoder.decode(null).reason()).isEqualTo(RejectReason.MALFORMED);
        assertThat(new ConfluentAvroDecoder(READER, "payment.avsc", registry, LAYOUT, 8).decode(good).reason())
                .isEqualTo(RejectReason.TOO_LARGE);
        assertThat(values(decoder.decode(good))).containsExactly("p1", 1L, "FR", null);
    }

    @Test
    void anUnreachableRegistryThrowsInsteadOfRejecting() throws IOException {
        ConfluentAvroDecoder remote = new ConfluentAvroDecoder(READER, "payment.avsc",
                new HttpSchemaRegistry("http://127.0.0.1:9", null, Duration.ofSeconds(2)), LAYOUT, 1 << 20);

        assertThatThrownBy(() -> remote.decode(ConfluentWireFormat.frame(1, encode(V1, "p1", 1, "FR", 2))))
                .isInstanceOf(SchemaRegistryUnavailableException.class);
    }
}
