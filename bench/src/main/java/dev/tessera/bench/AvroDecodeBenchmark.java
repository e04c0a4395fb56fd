package dev.tessera.bench;

import dev.tessera.api.Location;
import dev.tessera.api.Meta;
import dev.tessera.api.Source;
import dev.tessera.api.SourceFormat;
import dev.tessera.api.TimeSpan;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.schemas.CachedSchemaRegistry;
import dev.tessera.schemas.ConfluentWireFormat;
import dev.tessera.schemas.LocalSchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding one Avro payment (the fields of {@link JsonDecodeBenchmark}'s, ~100 bytes) into the
 * layout's 6 fields, the ways a source can be configured (issue [Schemas]):
 * <ul>
 *   <li>{@code plain}: {@code format: avro}, reader = writer;</li>
 *   <li>{@code confluentSameSchema}: {@code format: avro-confluent}, the record written with the
 *       source's own schema (header, id lookup in the cached registry, no resolution work);</li>
 *   <li>{@code confluentResolving}: written with an older version (no {@code channel}, a removed
 *       field, {@code country} renamed since), resolved into the source's schema.</li>
 * </ul>
 * Baseline: what a consumer written by hand does per record, {@code GenericDatumReader} over
 * Avro's {@code BinaryDecoder} (reused), without resolution.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar AvroDecode}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AvroDecodeBenchmark {
    static final String READER = """
            {"type": "record", "name": "Payment", "fields": [
              {"name": "payment_id", "type": "string"}, {"name": "account_id", "type": "string"},
              {"name": "card_fingerprint", "type": "string"}, {"name": "amount", "type": "double"},
              {"name": "currency", "type": "string"}, {"name": "status", "type": "string"},
              {"name": "merchant_id", "type": "string"}, {"name": "channel", "type": ["null", "string"], "default": null},
              {"name": "event_time", "type": "long"},
              {"name": "billing_country", "type": "string", "aliases": ["country"]}
            ]}""";
    static final String OLDER = """
            {"type": "record", "name": "Payment", "fields": [
              {"name": "payment_id", "type": "string"}, {"name": "account_id", "type": "string"},
              {"name": "card_fingerprint", "type": "string"}, {"name": "amount", "type": "double"},
              {"name": "currency", "type": "string"}, {"name": "status", "type": "string"},
              {"name": "merchant_id", "type": "string"}, {"name": "legacy_score", "type": "int"},
              {"name": "event_time", "type": "long"}, {"name": "country", "type": "string"}
            ]}""";
    static final FieldLayout LAYOUT = FieldLayout.of("payment_id", "account_id", "amount", "status", "event_time",
            "billing_country");

    EventDecoder plain;
    EventDecoder confluent;
    byte[] plainValue;
    byte[] sameSchemaValue;
    byte[] olderValue;
    GenericDatumReader<GenericRecord> baselineReader;
    BinaryDecoder reuse;

    @Setup
    public void setUp() throws IOException {
        Schema reader = new Schema.Parser().parse(READER);
        Schema older = new Schema.Parser().parse(OLDER);
        Path dir = Files.createTempDirectory("tessera-avrobench");
        Files.writeString(dir.resolve("payment.avsc"), READER);
        LocalSchemaRegistry registry = LocalSchemaRegistry.inMemory();
        int olderId = registry.register("p-value", older).id();
        int readerId = registry.register("p-value", reader).id();
        plain = EventDecoders.forSource(source(SourceFormat.AVRO), dir, LAYOUT);
        confluent = EventDecoders.forSource(source(SourceFormat.AVRO_CONFLUENT), dir, LAYOUT,
                EventDecoders.DEFAULT_MAX_RECORD_BYTES, new CachedSchemaRegistry(registry));
        Files.delete(dir.resolve("payment.avsc")); // the decoders parsed it
        Files.delete(dir);
        GenericRecord r = new GenericData.Record(reader);
        fill(r);
        r.put("channel", "web");
        r.put("billing_country", "FR");
        plainValue = encode(r);
        sameSchemaValue = ConfluentWireFormat.frame(readerId, plainValue);
        GenericRecord o = new GenericData.Record(older);
        fill(o);
        o.put("legacy_score", 7);
        o.put("country", "FR");
        olderValue = ConfluentWireFormat.frame(olderId, encode(o));
        baselineReader = new GenericDatumReader<>(reader);
        for (byte[] v : new byte[][] {plainValue, sameSchemaValue, olderValue}) {
            Decoded d = v == plainValue ? plain.decode(v) : confluent.decode(v);
            if (!d.isAccepted() || !"FR".equals(d.event().get(5)) || !Double.valueOf(129.95).equals(d.event().get(2))) {
                throw new IllegalStateException("decoding disagrees: " + d);
            }
        }
    }

    private static void fill(GenericRecord r) {
        r.put("payment_id", "pay_8f3a2c1e9b7d4f60");
        r.put("account_id", "acc_10293847");
        r.put("card_fingerprint", "fp_a1b2c3d4e5f60718");
        r.put("amount", 129.95);
        r.put("currency", "EUR");
        r.put("status", "DECLINED");
        r.put("merchant_id", "m_5521");
        r.put("event_time", 1764121469123L);
    }

    private static Source source(SourceFormat format) {
        return new Source("payments", "payments", format, "payment.avsc", Map.of(), "event_time", "payment_id",
                Source.DEFAULT_LATENESS, Source.DEFAULT_IDLE_TIMEOUT, TimeSpan.parse("1h"), Source.DEFAULT_MAX_CLOCK_SKEW,
                Meta.at(new Location("bench", 1, 1)));
    }

    private static byte[] encode(GenericRecord r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }

    @Benchmark
    public Decoded plain() {
        return plain.decode(plainValue);
    }

    @Benchmark
    public Decoded confluentSameSchema() {
        return confluent.decode(sameSchemaValue);
    }

    @Benchmark
    public Decoded confluentResolving() {
        return confluent.decode(olderValue);
    }

    @Benchmark
    public GenericRecord baselineGenericDatumReader() throws IOException {
        reuse = DecoderFactory.get().binaryDecoder(plainValue, reuse);
        return baselineReader.read(null, reuse);
    }
}
