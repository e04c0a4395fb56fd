package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.InMemoryTileStore;
import dev.tessera.store.TileStore;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An Avro source (plain binary with the schema file) end to end: the source's format and schema
 * reach the decoder, Avro types (int, float, enum, nullable union) become canonical values, and the
 * served values equal a brute-force count and sum; a record of another schema is dead-lettered.
 */
class AvroSourceTest {
    static final String SCHEMA = """
            {"type": "record", "name": "Payment", "fields": [
              {"name": "payment_id", "type": "string"},
              {"name": "event_time", "type": "long"},
              {"name": "account_id", "type": "string"},
              {"name": "amount_cents", "type": "int"},
              {"name": "fee", "type": "float"},
              {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["APPROVED", "DECLINED"]}},
              {"name": "country", "type": ["null", "string"], "default": null}
            ]}""";

    static final String DEFINITIONS = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: avro.payments }
            format: avro
            schema: schemas/payment.avsc
            timestamp: event_time
            id: payment_id
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: declined_count, agg: count, where: "status == 'DECLINED'", windows: [1d] }
              - { name: amount_sum,     agg: sum, of: amount_cents, windows: [1d] }
              - { name: fee_max,        agg: max, of: fee, windows: [1d] }
              - { name: countries,      agg: count, of: country, windows: [1d] }
            """;

    @TempDir
    Path tmp;

    @Test
    void avroRecordsAreAggregatedLikeJsonOnes() throws Exception {
        Path defsDir = tmp.resolve("features");
        Files.createDirectories(defsDir.resolve("schemas"));
        Files.writeString(defsDir.resolve("schemas/payment.avsc"), SCHEMA);
        Files.writeString(defsDir.resolve("payments.yaml"), DEFINITIONS);
        Definitions defs = DefinitionLoader.load(defsDir);
        Schema schema = new Schema.Parser().parse(SCHEMA);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            kafka.createTopics(Map.of("avro.payments", 2, "avro.payments.dlq", 1));
            Random rnd = new Random(3);
            long now = System.currentTimeMillis();
            Map<String, long[]> expected = new HashMap<>(); // declined, sum, countries
            Map<String, Float> maxFee = new HashMap<>();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 500; i++) {
                    String account = "a" + rnd.nextInt(7);
                    GenericRecord r = new GenericData.Record(schema);
                    boolean declined = rnd.nextInt(4) == 0;
                    int cents = rnd.nextInt(100_000);
                    float fee = rnd.nextFloat() * 10;
                    String country = rnd.nextBoolean() ? "FR" : null;
                    r.put("payment_id", "p" + i);
                    r.put("event_time", now - 3_600_000L + i * 1000L);
                    r.put("account_id", account);
                    r.put("amount_cents", cents);
                    r.put("fee", fee);
                    r.put("status", new GenericData.EnumSymbol(schema.getField("status").schema(), declined ? "DECLINED" : "APPROVED"));
                    r.put("country", country);
                    producer.send(new ProducerRecord<>("avro.payments", account.getBytes(StandardCharsets.UTF_8), avro(schema, r))).get();
                    long[] e = expected.computeIfAbsent(account, k -> new long[3]);
                    e[0] += declined ? 1 : 0;
                    e[1] += cents;
                    e[2] += country == null ? 0 : 1;
                    maxFee.merge(account, fee, Math::max);
                }
                producer.send(new ProducerRecord<>("avro.payments", "{\"json\": true}".getBytes(StandardCharsets.UTF_8))).get();
            }
            try (TileStore store = new InMemoryTileStore();
                 StreamRuntime rt = StreamRuntime.start(defs, defsDir, store, RuntimeConfig.defaults(kafka.bootstrapServers()))) {
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                assertThat(rt.counters("payments")).containsEntry("accepted", 500L).containsEntry("in", 501L);
                assertThat(rt.counters("payments").get("malformed") + rt.counters("payments").get("schema_mismatch")).isEqualTo(1L);
                for (var e : expected.entrySet()) {
                    Map<String, Object> v = rt.reader().read("account_payments", List.of(e.getKey()), System.currentTimeMillis()).asMap();
                    assertThat(v.get("declined_count_1d")).as(e.getKey()).isEqualTo(e.getValue()[0]);
                    assertThat(v.get("amount_sum_1d")).as("int sums are exact longs").isEqualTo(e.getValue()[1]);
                    assertThat(v.get("countries_1d")).as("null branch of the union is not counted").isEqualTo(e.getValue()[2]);
                    assertThat(v.get("fee_max_1d")).as("float becomes double").isEqualTo((double) maxFee.get(e.getKey()));
                }
            }
        }
    }

    private static byte[] avro(Schema schema, GenericRecord r) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }
}
