package dev.tessera.offline.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.Aggregation;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.core.oracle.OracleAssertions;
import dev.tessera.offline.archive.ArchivedEvent;
import dev.tessera.offline.archive.EventScan;
import dev.tessera.runtime.FeatureValues;
import dev.tessera.runtime.RuntimeConfig;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backfill, then stream (issue [Offline]): a stream runs with one feature; features are added; the
 * backfill computes them from the archive (Kafka rows the stream consumed, late ones included, and
 * an imported history older than the topic); the stream resumes — every value equals the naive
 * oracle over every event exactly once; and a second backfill changes nothing.
 */
class BackfillTest {
    @TempDir
    static Path tmp;
    static EmbeddedKafka kafka;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOPIC = "bf.payments";
    static final long H = 3_600_000L;
    static final long D = 24 * H;

    static final String COMMON = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: bf.payments }
            format: json
            timestamp: event_time
            id: payment_id
            lateness: 10m
            ---
            """;
    static final String V1 = COMMON + """
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: payment_count, agg: count, windows: [1d, 7d] }
            """;
    static final String V2 = V1 + """
              - { name: amount_sum,     agg: sum, of: amount, windows: [1d, 7d] }
              - { name: declined_count, agg: count, where: "status == 'DECLINED'", windows: [7d] }
              - { name: recent_cards,   agg: last_k, k: 3, of: card, windows: [7d] }
              - { name: top_merchants,  agg: top_k, k: 2, of: merchant, windows: [7d] }
              - { name: distinct_cards, agg: approx_distinct, of: card, windows: [7d] }
              - { name: first_country,  agg: first, of: country }
              - { name: total,          agg: count }
            """;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
        kafka.createTopics(Map.of(TOPIC, 3, TOPIC + ".dlq", 1));
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    record Ev(ArchivedEvent archived, NaiveOracle.Ev oracle) {}

    @Test
    void backfillThenStreamEqualsTheOracleAndASecondBackfillChangesNothing() throws Exception {
        long now = System.currentTimeMillis();
        Random rnd = new Random(11);
        Path v1 = defs(tmp.resolve("v1"), V1);
        Path v2 = defs(tmp.resolve("v2"), V2);
        List<Ev> archive = new ArrayList<>();

        // history from a data-lake dump: never in Kafka (partition -1), days before the stream
        for (int i = 0; i < 400; i++) {
            Map<String, Object> f = payment(rnd, "hist-" + i, now - 6 * D + (long) (rnd.nextDouble() * 3 * D));
            archive.add(new Ev(new ArchivedEvent(-1, i, now, (Long) f.get("event_time"), (String) f.get("payment_id"), json(f)), oracle(f)));
        }
        // phase 1 on Kafka, with a few events far older than the watermark: the stream drops them as late, the archive keeps them
        List<Map<String, Object>> phase1 = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            phase1.add(payment(rnd, "p1-" + i, now - 2 * D + (long) i * D / 1500));
        }
        List<Map<String, Object>> late = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            late.add(payment(rnd, "late-" + i, now - 3 * D));
        }
        try (KafkaProducer<String, byte[]> producer = producer()) {
            archive.addAll(send(producer, phase1));
            try (TileStore store = RocksDbTileStore.open(tmp.resolve("store"));
                 StreamRuntime rt = StreamRuntime.start(DefinitionLoader.load(v1), v1, store, RuntimeConfig.defaults(kafka.bootstrapServers()))) {
                rt.awaitCaughtUp(Duration.ofSeconds(60)); // the watermark is set by phase 1
                archive.addAll(send(producer, late));
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                assertThat(rt.counters("payments").get("late")).isEqualTo(10L);
            }

            // phase 2 reaches Kafka (and the archive, which runs apart from the stream) while the stream is stopped
            List<Map<String, Object>> phase2 = new ArrayList<>();
            for (int i = 0; i < 1500; i++) {
                phase2.add(payment(rnd, "p2-" + i, now - D + (long) i * (D - 60_000) / 1500));
            }
            List<Ev> sent2 = send(producer, phase2);
            archive.addAll(sent2);

            // features added; backfill them from the archive: what the stream consumed, not what it has yet to read
            Definitions d2 = DefinitionLoader.load(v2);
            try (TileStore store = RocksDbTileStore.open(tmp.resolve("store"))) {
                Backfill.Report r = new Backfill(d2, v2, store).run(Backfill.Options.of("account_payments", tmp.resolve("work")),
                        scan(archive), offsets(archive), Backfill.Progress.NONE);
                assertThat(r.eventsApplied()).isEqualTo(archive.size() - sent2.size());
                assertThat(r.eventsLeft()).as("left to the stream").isEqualTo(sent2.size());
                assertThat(r.absentFields()).as("every field the group reads occurs in the archive").isEmpty();
            }

            // the stream resumes and reads phase 2
            Map<String, Map<String, Object>> afterStream;
            try (TileStore store = RocksDbTileStore.open(tmp.resolve("store"));
                 StreamRuntime rt = StreamRuntime.start(d2, v2, store, RuntimeConfig.defaults(kafka.bootstrapServers()))) {
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                afterStream = readAll(rt, now);
                assertMatchesOracle(afterStream, archive, now);
            }

            // a second backfill (now over phase 2 too) changes no value; a third changes no byte
            try (TileStore store = RocksDbTileStore.open(tmp.resolve("store"))) {
                Backfill.Report r = new Backfill(d2, v2, store).run(Backfill.Options.of("account_payments", tmp.resolve("work")),
                        scan(archive), offsets(archive), Backfill.Progress.NONE);
                assertThat(r.eventsApplied()).isEqualTo(archive.size());
            }
            Map<String, byte[]> before = snapshot(tmp.resolve("store"));
            try (TileStore store = RocksDbTileStore.open(tmp.resolve("store"))) {
                new Backfill(d2, v2, store).run(Backfill.Options.of("account_payments", tmp.resolve("work")), scan(archive), offsets(archive),
                        Backfill.Progress.NONE);
            }
            Map<String, byte[]> after = snapshot(tmp.resolve("store"));
            assertThat(after.keySet()).isEqualTo(before.keySet());
            for (String k : before.keySet()) {
                assertThat(after.get(k)).as("store value %s", k).isEqualTo(before.get(k));
            }
            try (TileStore store = RocksDbTileStore.open(tmp.resolve("store"));
                 StreamRuntime rt = StreamRuntime.start(d2, v2, store, RuntimeConfig.defaults(kafka.bootstrapServers()))) {
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                assertThat(readAll(rt, now)).isEqualTo(afterStream);
            }
        }
    }

    @Test
    void refusesWhileTheArchiveIsBehindTheStreamAndWhenItMissesEntities() throws Exception {
        String topicDefs = V1.replace("bf.payments", "bf.behind");
        kafka.createTopics(Map.of("bf.behind", 1, "bf.behind.dlq", 1));
        Path dir = defs(tmp.resolve("behind"), topicDefs);
        Definitions defs = DefinitionLoader.load(dir);
        long now = System.currentTimeMillis();
        Random rnd = new Random(5);
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            events.add(payment(rnd, "b-" + i, now - H + i * 1000L));
        }
        List<Ev> archive;
        try (KafkaProducer<String, byte[]> producer = producer()) {
            archive = send(producer, events, "bf.behind");
        }
        Path storeDir = tmp.resolve("store-behind");
        try (TileStore store = RocksDbTileStore.open(storeDir);
             StreamRuntime rt = StreamRuntime.start(defs, dir, store, RuntimeConfig.defaults(kafka.bootstrapServers()))) {
            rt.awaitCaughtUp(Duration.ofSeconds(60));
        }
        try (TileStore store = RocksDbTileStore.open(storeDir)) {
            List<Ev> half = archive.subList(0, 25);
            assertThatThrownBy(() -> new Backfill(defs, dir, store).run(Backfill.Options.of("account_payments", tmp.resolve("work")),
                    scan(half), offsets(half), Backfill.Progress.NONE))
                    .hasMessageContaining("behind the stream on partition 0").hasMessageContaining("run the backfill again");
            // offsets claim everything, but events of some accounts are missing: a full backfill would drop them
            List<Ev> missing = archive.stream().filter(e -> !e.oracle.fields().get("account_id").equals(events.get(0).get("account_id"))).toList();
            assertThatThrownBy(() -> new Backfill(defs, dir, store).run(Backfill.Options.of("account_payments", tmp.resolve("work")),
                    scan(missing), offsets(archive), Backfill.Progress.NONE))
                    .hasMessageContaining("no event in the archive").hasMessageContaining("--from");
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            assertThatThrownBy(() -> new Backfill(defs, dir, store).run(Backfill.Options.of("account_payments", tmp.resolve("work"))
                    .withRange(today, today), scan(archive), offsets(archive), Backfill.Progress.NONE)).hasMessageContaining("not before");
            assertThatThrownBy(() -> new Backfill(defs, dir, store).run(Backfill.Options.of("acount_payments", tmp.resolve("work")),
                    scan(archive), offsets(archive), Backfill.Progress.NONE)).hasMessageContaining("account_payments");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    static Path defs(Path dir, String yaml) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("defs.yaml"), yaml);
        return dir;
    }

    static Map<String, Object> payment(Random rnd, String id, long t) {
        return payment(rnd, id, "acct-" + rnd.nextInt(25), t);
    }

    /** A payment of {@code account}; the other fields are drawn from {@code rnd} (also the crash test's). */
    static Map<String, Object> payment(Random rnd, String id, String account, long t) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("payment_id", id);
        f.put("account_id", account);
        f.put("event_time", t);
        f.put("amount", (long) rnd.nextInt(1000));
        f.put("status", rnd.nextInt(5) == 0 ? "DECLINED" : "APPROVED");
        f.put("card", "card-" + rnd.nextInt(6));
        f.put("merchant", "m-" + rnd.nextInt(4));
        f.put("country", List.of("US", "FR", "BR").get(rnd.nextInt(3)));
        return f;
    }

    static NaiveOracle.Ev oracle(Map<String, Object> f) {
        return new NaiveOracle.Ev((Long) f.get("event_time"), (String) f.get("payment_id"), f);
    }

    static byte[] json(Map<String, Object> f) throws Exception {
        return JSON.writeValueAsBytes(f);
    }

    static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    static List<Ev> send(KafkaProducer<String, byte[]> producer, List<Map<String, Object>> events) throws Exception {
        return send(producer, events, TOPIC);
    }

    /** Produces each event keyed by account and returns it as the archive would hold it (partition and offset from the broker). */
    static List<Ev> send(KafkaProducer<String, byte[]> producer, List<Map<String, Object>> events, String topic) throws Exception {
        List<Ev> out = new ArrayList<>();
        for (Map<String, Object> f : events) {
            byte[] value = json(f);
            RecordMetadata m = producer.send(new ProducerRecord<>(topic, (String) f.get("account_id"), value)).get();
            out.add(new Ev(new ArchivedEvent(m.partition(), m.offset(), m.timestamp(), (Long) f.get("event_time"),
                    (String) f.get("payment_id"), value), oracle(f)));
        }
        return out;
    }

    static EventScan scan(List<Ev> archive) {
        return (from, until, sink) -> {
            for (Ev e : archive) {
                if (e.archived.eventTime() >= from && e.archived.eventTime() < until) {
                    sink.accept(e.archived);
                }
            }
        };
    }

    static long[] offsets(List<Ev> archive) {
        long[] next = new long[3];
        Arrays.fill(next, -1);
        for (Ev e : archive) {
            if (e.archived.partition() >= 0) {
                next[e.archived.partition()] = Math.max(next[e.archived.partition()], e.archived.offset() + 1);
            }
        }
        return next;
    }

    static Map<String, Map<String, Object>> readAll(StreamRuntime rt, long now) {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        for (int a = 0; a < 25; a++) {
            FeatureValues v = rt.reader().read("account_payments", List.of("acct-" + a), now);
            out.put("acct-" + a, v.asMap());
        }
        return out;
    }

    static void assertMatchesOracle(Map<String, Map<String, Object>> values, List<Ev> archive, long t) {
        Predicate<NaiveOracle.Ev> all = e -> true;
        Predicate<NaiveOracle.Ev> declined = e -> "DECLINED".equals(e.fields().get("status"));
        Map<String, NaiveOracle.Spec> specs = new LinkedHashMap<>();
        specs.put("payment_count_1d", new NaiveOracle.Spec("count", null, all, D, H, 0));
        specs.put("payment_count_7d", new NaiveOracle.Spec("count", null, all, 7 * D, H, 0));
        specs.put("amount_sum_1d", new NaiveOracle.Spec("sum", "amount", all, D, H, 0));
        specs.put("amount_sum_7d", new NaiveOracle.Spec("sum", "amount", all, 7 * D, H, 0));
        specs.put("declined_count_7d", new NaiveOracle.Spec("count", null, declined, 7 * D, H, 0));
        specs.put("recent_cards_7d", new NaiveOracle.Spec("last_k", "card", all, 7 * D, H, 3));
        specs.put("top_merchants_7d", new NaiveOracle.Spec("top_k", "merchant", all, 7 * D, H, 2));
        specs.put("distinct_cards_7d", new NaiveOracle.Spec("approx_distinct", "card", all, 7 * D, H, 0));
        specs.put("first_country", new NaiveOracle.Spec("first", "country", all, 0, 0, 0));
        specs.put("total", new NaiveOracle.Spec("count", null, all, 0, 0, 0));
        int nonEmpty = 0;
        for (var account : values.entrySet()) {
            List<NaiveOracle.Ev> evs = archive.stream().map(Ev::oracle).filter(e -> account.getKey().equals(e.fields().get("account_id"))).toList();
            for (var s : specs.entrySet()) {
                Object actual = account.getValue().get(s.getKey());
                Object expected = NaiveOracle.value(s.getValue(), evs, t);
                OracleAssertions.assertMatches(Aggregation.fromYaml(s.getValue().agg()).orElseThrow(), 0.5, s.getValue().k(),
                        account.getKey() + "." + s.getKey(), actual, expected);
            }
            if (!Long.valueOf(0).equals(account.getValue().get("total"))) {
                nonEmpty++;
            }
        }
        assertThat(nonEmpty).isGreaterThan(20);
    }

    /** Every key and value of the store, as text keys (hex) for comparison. */
    static Map<String, byte[]> snapshot(Path storeDir) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (TileStore store = RocksDbTileStore.open(storeDir)) {
            for (TileStore.Space space : List.of(TileStore.Space.ENTITIES, TileStore.Space.TILES)) {
                store.scan(space, new byte[0], (k, v) -> out.put(space + ":" + java.util.HexFormat.of().formatHex(k), v));
            }
        }
        return out;
    }
}
