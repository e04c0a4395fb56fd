package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.schemas.Compatibility;
import dev.tessera.schemas.ConfluentWireFormat;
import dev.tessera.schemas.HttpSchemaRegistry;
import dev.tessera.schemas.LocalSchemaRegistry;
import dev.tessera.schemas.SchemaRegistryException;
import dev.tessera.schemas.SchemaRegistryServer;
import dev.tessera.store.InMemoryTileStore;
import dev.tessera.store.TileStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeoutException;
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
 * Issue [Schemas] end to end on the real broker: producers move from v1 to v2 of the payment schema
 * (v2 adds {@code channel} with a default, removes {@code legacy_score}, renames {@code country} to
 * {@code billing_country} through an alias) while the runtime runs; v1 and v2 records interleave on
 * the topic. The runtime reads with the definitions' schema file (v2) and the writer schemas the
 * registry serves over HTTP. Values must equal a brute-force oracle over the events as v2 sees
 * them (a v1 record's channel is null, its country is the billing country), and every undecodable
 * record must be dead-lettered with the right reason while the stream goes on. The registry is
 * also taken away mid-stream: consuming must pause, not dead-letter, and resume when it returns.
 */
class SchemaEvolutionTest {
    static final Schema V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "Payment", "namespace": "com.acme", "fields": [
              {"name": "payment_id", "type": "string"},
              {"name": "event_time", "type": "long"},
              {"name": "account_id", "type": "string"},
              {"name": "amount", "type": "double"},
              {"name": "country", "type": "string"},
              {"name": "legacy_score", "type": "int"}
            ]}""");
    static final String V2_TEXT = """
            {"type": "record", "name": "Payment", "namespace": "com.acme", "fields": [
              {"name": "payment_id", "type": "string"},
              {"name": "event_time", "type": "long"},
              {"name": "account_id", "type": "string"},
              {"name": "amount", "type": "double"},
              {"name": "billing_country", "type": "string", "aliases": ["country"]},
              {"name": "channel", "type": ["null", "string"], "default": null}
            ]}""";
    static final Schema V2 = new Schema.Parser().parse(V2_TEXT);
    /** amount as a string: the registry must refuse it as a next version of the subject. */
    static final Schema INCOMPATIBLE = new Schema.Parser().parse(V2_TEXT.replace(
            "{\"name\": \"amount\", \"type\": \"double\"}", "{\"name\": \"amount\", \"type\": \"string\"}"));

    static final String DEFINITIONS = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: evo.payments }
            format: avro-confluent
            schema: schemas/payment.avsc
            timestamp: event_time
            id: payment_id
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: payments,   agg: count, windows: [1d] }
              - { name: amount_sum, agg: sum, of: amount, windows: [1d] }
              - { name: countries,  agg: approx_distinct, of: billing_country, windows: [1d] }
              - { name: app_count,  agg: count, where: "channel == 'app'", windows: [1d] }
              - { name: channels,   agg: count, of: channel, windows: [1d] }
            """;

    /** One event as v2 reads it, for the oracle. */
    record Seen(String account, double amount, String country, String channel) {
    }

    @TempDir
    Path tmp;

    @Test
    void v1AndV2RecordsMixedOnOneTopicGiveTheOraclesValues() throws Exception {
        Path defsDir = tmp.resolve("features");
        Files.createDirectories(defsDir.resolve("schemas"));
        Files.writeString(defsDir.resolve("schemas/payment.avsc"), V2_TEXT);
        Files.writeString(defsDir.resolve("payments.yaml"), DEFINITIONS);
        Definitions defs = DefinitionLoader.load(defsDir);
        LocalSchemaRegistry registry = LocalSchemaRegistry.open(tmp.resolve("registry"));
        SchemaRegistryServer server = SchemaRegistryServer.start(registry, new InetSocketAddress("127.0.0.1", 0),
                SchemaRegistryServer.Authorizer.ALLOW_ALL);
        int port = server.port();
        String subject = defs.source("payments").orElseThrow().valueSubject();
        int v1 = registry.register(subject, V1).id();
        int v2 = registry.register(subject, V2).id();
        assertThatThrownBy(() -> registry.register(subject, INCOMPATIBLE))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(409))
                .hasMessageContaining("field 'amount'");
        // A producer on another subject (level NONE) writes a schema v2 cannot read: amount as a string.
        registry.setCompatibility("rogue-value", Compatibility.NONE);
        int rogue = registry.register("rogue-value", INCOMPATIBLE).id();

        Random rnd = new Random(11);
        long now = System.currentTimeMillis();
        List<Seen> oracle = new ArrayList<>();
        Map<String, Long> rejects = new HashMap<>();
        int[] seq = {0};
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
             KafkaProducer<byte[], byte[]> producer = producer(kafka.bootstrapServers())) {
            kafka.createTopics(Map.of("evo.payments", 3, "evo.payments.dlq", 1));
            // phase 1, before the runtime starts: v1 only, plus bad records
            for (int i = 0; i < 300; i++) {
                send(producer, v1Record(rnd, now, seq, oracle, v1));
            }
            send(producer, bad(rejects, "malformed", "no header".getBytes(StandardCharsets.UTF_8)));
            send(producer, bad(rejects, "schema_mismatch", ConfluentWireFormat.frame(4242, new byte[] {2, 65})));

            RuntimeConfig config = RuntimeConfig.defaults(kafka.bootstrapServers())
                    .withCommitInterval(Duration.ofMillis(100))
                    .withSchemaRegistry(new HttpSchemaRegistry("http://127.0.0.1:" + port));
            try (TileStore store = new InMemoryTileStore();
                 StreamRuntime rt = StreamRuntime.start(defs, defsDir, store, config)) {
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                check(rt, oracle, now);

                // phase 2, while it runs: the producers switch one by one, so v1 and v2 interleave
                for (int i = 0; i < 600; i++) {
                    boolean switched = rnd.nextInt(600) < i;
                    send(producer, switched ? v2Record(rnd, now, seq, oracle, v2) : v1Record(rnd, now, seq, oracle, v1));
                    if (i % 150 == 0) {
                        byte[] good = v2Record(rnd, now, seq, new ArrayList<>(), v2).value();
                        seq[0]--; // the truncated copy is not an event; its id may come again
                        send(producer, bad(rejects, "malformed", java.util.Arrays.copyOf(good, good.length - 3)));
                        send(producer, bad(rejects, "schema_mismatch", rogueRecord(rnd, now, rogue)));
                    }
                }
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                check(rt, oracle, now);

                // phase 3: the registry goes away, and a v3 (another compatible version) appears
                Schema v3 = new Schema.Parser().parse(V2_TEXT.replace("\"default\": null}", "\"default\": null},"
                        + " {\"name\": \"note\", \"type\": \"string\", \"default\": \"\"}"));
                int v3id = registry.register(subject, v3).id();
                server.close();
                for (int i = 0; i < 50; i++) {
                    GenericRecord r = v2Fields(rnd, now, seq, oracle, v3);
                    r.put("note", "n" + i);
                    send(producer, new ProducerRecord<>("evo.payments", key(r), ConfluentWireFormat.frame(v3id, avro(r))));
                }
                assertThatThrownBy(() -> rt.awaitCaughtUp(Duration.ofSeconds(3)))
                        .as("the consumer waits for the registry").isInstanceOf(TimeoutException.class);
                assertThat(rt.counters("payments").get("schema_mismatch")).isEqualTo(rejects.get("schema_mismatch"));
                server = SchemaRegistryServer.start(registry, new InetSocketAddress("127.0.0.1", port),
                        SchemaRegistryServer.Authorizer.ALLOW_ALL);
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                check(rt, oracle, now);

                Map<String, Long> counters = rt.counters("payments");
                assertThat(counters.get("accepted")).isEqualTo(oracle.size());
                for (var e : rejects.entrySet()) {
                    assertThat(counters.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
                }
                assertThat(deadLetters(kafka.bootstrapServers())).as("the dead-letter topic, by reason header")
                        .isEqualTo(rejects);
                assertThat(rt.failure()).isNull();
            } finally {
                server.close();
                registry.close();
            }
        }
    }

    private static Map<String, Long> deadLetters(String bootstrap) {
        Properties p = new Properties();
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        Map<String, Long> byReason = new java.util.TreeMap<>();
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(p,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var tp = new org.apache.kafka.common.TopicPartition("evo.payments.dlq", 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (var r : c.poll(Duration.ofMillis(200))) {
                    byReason.merge(new String(r.headers().lastHeader("tessera.reason").value(), StandardCharsets.UTF_8),
                            1L, Long::sum);
                }
            }
        }
        return byReason;
    }

    private static void check(StreamRuntime rt, List<Seen> oracle, long now) {
        Map<String, long[]> counts = new HashMap<>(); // payments, app, channels
        Map<String, Double> sums = new HashMap<>();
        Map<String, Set<String>> countries = new HashMap<>();
        for (Seen s : oracle) {
            long[] c = counts.computeIfAbsent(s.account(), k -> new long[3]);
            c[0]++;
            c[1] += "app".equals(s.channel()) ? 1 : 0;
            c[2] += s.channel() != null ? 1 : 0;
            sums.merge(s.account(), s.amount(), Double::sum);
            countries.computeIfAbsent(s.account(), k -> new HashSet<>()).add(s.country());
        }
        for (String account : counts.keySet()) {
            Map<String, Object> v = rt.reader().read("account_payments", List.of(account), now).asMap();
            long[] c = counts.get(account);
            assertThat(v.get("payments_1d")).as(account).isEqualTo(c[0]);
            assertThat(v.get("app_count_1d")).as(account + " app (v2 only)").isEqualTo(c[1]);
            assertThat(v.get("channels_1d")).as(account + " channel is null in v1").isEqualTo(c[2]);
            assertThat((Double) v.get("amount_sum_1d")).as(account).isCloseTo(sums.get(account),
                    org.assertj.core.data.Offset.offset(1e-6));
            assertThat(v.get("countries_1d")).as(account + " country read through the alias")
                    .isEqualTo((long) countries.get(account).size());
        }
    }

    private static final String[] COUNTRIES = {"FR", "DE", "NL", "ES", "IT"};
    private static final String[] CHANNELS = {"app", "web", "pos"};

    private static ProducerRecord<byte[], byte[]> v1Record(Random rnd, long now, int[] seq, List<Seen> oracle, int id)
            throws IOException {
        GenericRecord r = new GenericData.Record(V1);
        String account = "a" + rnd.nextInt(6);
        double amount = Math.round(rnd.nextDouble() * 10_000) / 100.0;
        String country = COUNTRIES[rnd.nextInt(COUNTRIES.length)];
        r.put("payment_id", "p" + seq[0]);
        r.put("event_time", now - 3_600_000L + seq[0]++ * 1000L);
        r.put("account_id", account);
        r.put("amount", amount);
        r.put("country", country);
        r.put("legacy_score", rnd.nextInt(1000));
        oracle.add(new Seen(account, amount, country, null));
        return new ProducerRecord<>("evo.payments", key(r), ConfluentWireFormat.frame(id, avro(r)));
    }

    private static ProducerRecord<byte[], byte[]> v2Record(Random rnd, long now, int[] seq, List<Seen> oracle, int id)
            throws IOException {
        GenericRecord r = v2Fields(rnd, now, seq, oracle, V2);
        return new ProducerRecord<>("evo.payments", key(r), ConfluentWireFormat.frame(id, avro(r)));
    }

    private static GenericRecord v2Fields(Random rnd, long now, int[] seq, List<Seen> oracle, Schema schema) {
        GenericRecord r = new GenericData.Record(schema);
        String account = "a" + rnd.nextInt(6);
        double amount = Math.round(rnd.nextDouble() * 10_000) / 100.0;
        String country = COUNTRIES[rnd.nextInt(COUNTRIES.length)];
        String channel = rnd.nextInt(5) == 0 ? null : CHANNELS[rnd.nextInt(CHANNELS.length)];
        r.put("payment_id", "p" + seq[0]);
        r.put("event_time", now - 3_600_000L + seq[0]++ * 1000L);
        r.put("account_id", account);
        r.put("amount", amount);
        r.put("billing_country", country);
        r.put("channel", channel);
        oracle.add(new Seen(account, amount, country, channel));
        return r;
    }

    private static byte[] rogueRecord(Random rnd, long now, int id) throws IOException {
        GenericRecord r = new GenericData.Record(INCOMPATIBLE);
        r.put("payment_id", "rogue" + rnd.nextInt(1_000_000));
        r.put("event_time", now - 60_000);
        r.put("account_id", "a1");
        r.put("amount", "12.50");
        r.put("billing_country", "FR");
        r.put("channel", "app");
        return ConfluentWireFormat.frame(id, avro(r));
    }

    private static ProducerRecord<byte[], byte[]> bad(Map<String, Long> rejects, String reason, byte[] value) {
        rejects.merge(reason, 1L, Long::sum);
        return new ProducerRecord<>("evo.payments", null, value);
    }

    private static byte[] key(GenericRecord r) {
        return r.get("account_id").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, ProducerRecord<byte[], byte[]> r) throws Exception {
        producer.send(r).get();
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static byte[] avro(GenericRecord r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }
}
