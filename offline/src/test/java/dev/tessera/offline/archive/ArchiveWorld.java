package dev.tessera.offline.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A payments source for archive tests: definitions, random streams with every kind of disorder and
 * bad input, the records as produced (with the offsets Kafka gave them), and the naive oracle of
 * what the archive must hold, computed from those records alone.
 */
final class ArchiveWorld {
    static final String TOPIC = "arch.payments";
    static final int PARTITIONS = 3;
    static final long HOUR = 3_600_000L;
    /** The source's dedup horizon: the default, the larger of lateness (10m) and 1h. */
    static final long HORIZON = HOUR;
    static final ObjectMapper JSON = new ObjectMapper();

    static final String DEFINITIONS = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Entity
            name: merchant
            keys: [merchant.id]
            ---
            kind: Source
            name: payments
            kafka: { topic: arch.payments }
            format: json
            timestamp: event_time
            id: payment_id
            lateness: 10m
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: payment_count, agg: count, windows: [1h] }
            ---
            kind: FeatureGroup
            name: merchant_payments
            source: payments
            entity: merchant
            features:
              - { name: amount_sum, agg: sum, of: amount, windows: [1h] }
            """;

    enum Kind { GOOD, LATE, DUPLICATE, MALFORMED, TOMBSTONE, FUTURE, MISSING_KEY, BAD_TIMESTAMP }

    /** What was produced; {@code eventTime}, {@code id} and the keys only for events that carry them. */
    record Sent(int partition, byte[] value, Kind kind, long eventTime, String id, String account, String merchant) {}

    /** {@link Sent} with the offset and timestamp Kafka gave it. */
    record Produced(Sent sent, long offset, long timestamp) {
        int partition() {
            return sent.partition();
        }
    }

    private ArchiveWorld() {
    }

    static Path writeDefinitions(Path dir) throws IOException {
        return writeDefinitions(dir, TOPIC);
    }

    /** The definitions with the source reading {@code topic}. */
    static Path writeDefinitions(Path dir, String topic) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("payments.yaml"), DEFINITIONS.replace("topic: " + TOPIC, "topic: " + topic));
        return dir;
    }

    /**
     * About {@code n} records with event times from {@code start} to {@code end}: out of order within
     * a few minutes per partition, with late events (hours older), immediate re-sends, re-sends of
     * old events past the dedup horizon, and every kind of bad record. Ids are {@code pay-<idBase+i>}.
     */
    static List<Sent> stream(Random rnd, int n, long start, long end, int idBase, long now) {
        List<Sent> out = new ArrayList<>();
        List<List<Sent>> recent = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            recent.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            int p = rnd.nextInt(PARTITIONS);
            long t = start + (end - start) * i / n - rnd.nextInt(300_000);
            int roll = rnd.nextInt(100);
            String id = "pay-" + (idBase + i);
            if (roll < 3) {
                out.add(payment(p, Kind.LATE, id, t - 3 * HOUR - rnd.nextInt((int) HOUR), rnd)); // archived: late is not invalid
            } else if (roll < 5 && !recent.get(p).isEmpty()) {
                List<Sent> r = recent.get(p);
                Sent original = r.get(r.size() - 1 - rnd.nextInt(Math.min(r.size(), 5)));
                out.add(new Sent(p, original.value(), Kind.DUPLICATE, original.eventTime(), original.id(), original.account(),
                        original.merchant()));
            } else if (roll < 6 && !recent.get(p).isEmpty() && recent.get(p).get(0).eventTime() < t - 2 * HORIZON - HORIZON / 8) {
                // a re-send from hours ago, past the dedup horizon: archived again (ADR 008)
                Sent original = recent.get(p).get(rnd.nextInt(Math.min(20, recent.get(p).size())));
                out.add(new Sent(p, original.value(), Kind.DUPLICATE, original.eventTime(), original.id(), original.account(),
                        original.merchant()));
            } else if (roll < 7) {
                String[] garbage = {"{oops", "not json", "[1,2]", "", "{\"payment_id\":1,\"payment_id\":2}"};
                out.add(new Sent(p, utf8(garbage[rnd.nextInt(garbage.length)]), Kind.MALFORMED, 0, null, null, null));
            } else if (roll < 8) {
                out.add(new Sent(p, null, Kind.TOMBSTONE, 0, null, null, null));
            } else if (roll < 9) {
                out.add(payment(p, Kind.FUTURE, id, now + 86_400_000L * (1 + rnd.nextInt(3)), rnd));
            } else if (roll < 10) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("payment_id", id);
                f.put("event_time", t);
                f.put("amount", 5);
                out.add(new Sent(p, json(f), Kind.MISSING_KEY, t, id, null, null));
            } else if (roll < 11) {
                String ts = rnd.nextBoolean() ? "\"yesterday\"" : "true";
                out.add(new Sent(p, utf8("{\"payment_id\":\"" + id + "\",\"account_id\":\"a1\",\"event_time\":" + ts + "}"),
                        Kind.BAD_TIMESTAMP, 0, id, "a1", null));
            } else {
                Sent s = payment(p, Kind.GOOD, id, t, rnd);
                out.add(s);
                recent.get(p).add(s);
            }
        }
        return out;
    }

    /** A valid payment; one in ten has only one of its two keys, one in ten has its time as ISO-8601. */
    static Sent payment(int p, Kind kind, String id, long t, Random rnd) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("payment_id", id);
        String account = "acct-" + rnd.nextInt(50);
        String merchant = "m-" + rnd.nextInt(7);
        int shape = rnd.nextInt(10);
        if (shape == 0) {
            account = null;
        } else {
            f.put("account_id", account);
        }
        f.put("event_time", rnd.nextInt(10) == 0 ? java.time.Instant.ofEpochMilli(t).toString() : (Object) t);
        f.put("amount", rnd.nextInt(10_000) / 100.0);
        if (shape == 1) {
            merchant = null;
        } else {
            f.put("merchant", Map.of("id", merchant, "name", "shop " + merchant));
        }
        return new Sent(p, json(f), kind, t, id, account, merchant);
    }

    /**
     * The naive oracle: the records the archive must hold, by (partition, offset). Per partition in
     * offset order: bad records are out; a valid event is a duplicate iff an event with its id was
     * archived from the partition with an event time at or after the partition's greatest archived
     * event time minus the horizon. Refuses streams where the horizon's granularity (horizon/16)
     * could decide.
     */
    static Map<Long, Produced> expected(List<Produced> produced) {
        Map<Long, Produced> out = new TreeMap<>();
        Map<Integer, Map<String, Long>> archivedIds = new HashMap<>();
        Map<Integer, Long> max = new HashMap<>();
        List<Produced> ordered = new ArrayList<>(produced);
        ordered.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        for (Produced r : ordered) {
            Sent s = r.sent();
            if (s.kind() != Kind.GOOD && s.kind() != Kind.LATE && s.kind() != Kind.DUPLICATE) {
                continue;
            }
            Map<String, Long> ids = archivedIds.computeIfAbsent(s.partition(), x -> new HashMap<>());
            long m = max.getOrDefault(s.partition(), Long.MIN_VALUE);
            Long before = ids.get(s.id());
            if (before != null) {
                long cutoff = m - HORIZON;
                assertThat(before < cutoff - HORIZON / 16 - 1 || before >= cutoff)
                        .as("test stream is unambiguous for id %s", s.id()).isTrue();
                if (before >= cutoff) {
                    continue; // a duplicate
                }
            }
            ids.put(s.id(), s.eventTime());
            max.put(s.partition(), Math.max(m, s.eventTime()));
            out.put(key(s.partition(), r.offset()), r);
        }
        return out;
    }

    static long key(int partition, long offset) {
        return ((long) partition << 48) | offset;
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends to {@link #TOPIC} in order and returns each record with its offset. */
    static List<Produced> send(KafkaProducer<byte[], byte[]> producer, List<Sent> records) throws Exception {
        return send(producer, TOPIC, records);
    }

    static List<Produced> send(KafkaProducer<byte[], byte[]> producer, String topic, List<Sent> records) throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (Sent s : records) {
            acks.add(producer.send(new ProducerRecord<>(topic, s.partition(), null, s.value())));
        }
        List<Produced> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            RecordMetadata md = acks.get(i).get();
            out.add(new Produced(records.get(i), md.offset(), md.timestamp()));
        }
        return out;
    }

    /** Every archived event by (partition, offset); fails on an event seen twice. */
    static Map<Long, ArchivedEvent> archived(EventScan scan) throws IOException {
        Map<Long, ArchivedEvent> got = new TreeMap<>();
        scan.forEach(e -> {
            ArchivedEvent before = got.put(key(e.partition(), e.offset()), e);
            assertThat(before).as("partition %d offset %d archived twice", e.partition(), e.offset()).isNull();
        });
        return got;
    }

    /** The archive equals the oracle: the same (partition, offset)s, each with its time, id, ingest time and bytes. */
    static void assertArchiveIs(Map<Long, ArchivedEvent> got, Map<Long, Produced> expected) {
        List<Long> missing = new ArrayList<>(expected.keySet());
        missing.removeAll(got.keySet());
        List<Long> extra = new ArrayList<>(got.keySet());
        extra.removeAll(expected.keySet());
        assertThat(missing).as("missing (partition<<48|offset)").isEmpty();
        assertThat(extra).as("not expected (partition<<48|offset)").isEmpty();
        for (var e : expected.entrySet()) {
            ArchivedEvent a = got.get(e.getKey());
            Sent s = e.getValue().sent();
            assertThat(a.eventTime()).isEqualTo(s.eventTime());
            assertThat(a.id()).isEqualTo(s.id());
            assertThat(a.ingestTime()).isEqualTo(e.getValue().timestamp());
            assertThat(a.raw()).isEqualTo(s.value());
        }
    }

    static byte[] json(Map<String, Object> fields) {
        try {
            return JSON.writeValueAsBytes(fields);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
