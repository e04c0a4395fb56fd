package dev.tessera.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.runtime.PaymentsWorld;
import dev.tessera.runtime.WriterCounts;
import dev.tessera.store.RedisTileStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Flink job checks a source's quality rules ({@code expect:}) as the embedded runtime does: on
 * every event its decoder accepted (duplicates and keyless events included, malformed records not),
 * counted per rule as SPEC §8 and {@code ValueExpectation} define, and reported as Flink metrics of
 * the fan-out operator; and every subtask publishes those counts and its outcome counts ({@code in},
 * rejections by reason, accepted, duplicate, late), and how many decoded events carried each field the
 * features read (here {@code status}, and {@code merchnt}, a misspelt name no event carries), to Redis
 * for the stateless serving nodes.
 * The expected counts come from a naive reading of the produced records, not from the checker.
 */
class FlinkQualityRulesTest {
    static final String TOPIC = "quality.payments";
    static final String DEFINITIONS = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: %s }
            format: json
            timestamp: event_time
            id: payment_id
            lateness: 10m
            expect:
              amount: { min: 0 }
              status: { allowed: [APPROVED, DECLINED] }
              account_id: { max_null_rate: 0.01 }
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: payment_count, agg: count, windows: [1h] }
              - { name: declined_count, agg: count, where: "status == 'DECLINED'", windows: [1h] }
              - { name: merchants, agg: approx_distinct, of: merchnt, windows: [1h] }
            """.formatted(TOPIC);
    static final Set<String> ALLOWED = Set.of("APPROVED", "DECLINED");

    @TempDir
    static Path tmp;
    static FlinkTests.Services services;

    @BeforeAll
    static void start() {
        services = FlinkTests.Services.start(tmp);
    }

    @AfterAll
    static void stop() {
        if (services != null) {
            services.close();
        }
    }

    @Test
    void everyAcceptedEventIsCheckedAndTheCountsAreTheJobsMetrics() throws Exception {
        services.kafka().createTopics(Map.of(TOPIC, 2, TOPIC + ".dlq", 1));
        Path defsDir = Files.createDirectories(tmp.resolve("features"));
        Files.writeString(defsDir.resolve("payments.yaml"), DEFINITIONS);

        Random rnd = new Random(11);
        long now = System.currentTimeMillis();
        // expected counts per "field.counter", from the records as produced
        Map<String, Long> expected = new LinkedHashMap<>();
        // expected outcome counts, from the records as produced (no event is late: lateness 10m, event times in the last minute)
        Map<String, Long> outcomes = new LinkedHashMap<>(Map.of("in", 0L, "malformed", 0L, "missing_key", 0L, "accepted", 0L,
                "duplicate", 0L, "late", 0L));
        // decoded events, and how many carried each field the features read, from the records as produced
        Map<String, Long> present = new LinkedHashMap<>(Map.of("status", 0L, "merchnt", 0L));
        long decoded = 0;
        for (String field : List.of("amount", "status", "account_id")) {
            for (String counter : List.of("checked", "nulls", "below_min", "above_max", "not_allowed")) {
                expected.put(field + "." + counter, 0L);
            }
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(FlinkTests.producerProps(services.kafka()))) {
            Map<String, Object> previous = null;
            for (int i = 0; i < 600; i++) {
                outcomes.merge("in", 1L, Long::sum);
                if (i % 50 == 7) { // malformed: rejected by the decoder, never checked
                    producer.send(new ProducerRecord<>(TOPIC, ("{not json " + i).getBytes(StandardCharsets.UTF_8))).get();
                    outcomes.merge("malformed", 1L, Long::sum);
                    continue;
                }
                Map<String, Object> f;
                boolean resent = i % 40 == 13 && previous != null;
                if (resent) {
                    f = previous; // a re-sent event: a duplicate, checked again (the rules describe what producers send)
                } else {
                    f = new HashMap<>();
                    f.put("payment_id", "p-" + i);
                    f.put("event_time", now - rnd.nextInt(60_000));
                    if (rnd.nextInt(15) != 0) {
                        f.put("account_id", "acct-" + rnd.nextInt(30));
                    }
                    int a = rnd.nextInt(12);
                    if (a == 0) {
                        f.put("amount", -1 - rnd.nextInt(100));
                    } else if (a == 1) {
                        f.put("amount", "n/a");
                    } else if (a != 2) {
                        f.put("amount", rnd.nextInt(500) + rnd.nextInt(100) / 100.0);
                    }
                    int s = rnd.nextInt(10);
                    if (s < 8) {
                        f.put("status", s % 2 == 0 ? "APPROVED" : "DECLINED");
                    } else if (s == 8) {
                        f.put("status", "REFUNDED");
                    }
                }
                previous = f;
                decoded++;
                if (f.get("status") != null) {
                    present.merge("status", 1L, Long::sum);
                }
                outcomes.merge(f.get("account_id") == null ? "missing_key" : resent ? "duplicate" : "accepted", 1L, Long::sum);
                producer.send(new ProducerRecord<>(TOPIC, PaymentsWorld.json(f))).get();
                count(expected, "amount", f.get("amount"), v -> !(v instanceof Number n) || n.doubleValue() < 0 ? "below_min" : null);
                count(expected, "status", f.get("status"), v -> ALLOWED.contains(v.toString()) ? null : "not_allowed");
                count(expected, "account_id", f.get("account_id"), v -> null);
            }
        }
        assertThat(expected.get("amount.below_min")).as("the stream breaks amount's rule").isGreaterThan(20);
        assertThat(expected.get("status.not_allowed")).as("the stream breaks status's rule").isGreaterThan(20);
        assertThat(expected.get("account_id.nulls")).as("the stream has events without an account").isGreaterThan(20);

        assertThat(present.get("status")).as("some events lack status").isLessThan(decoded).isGreaterThan(decoded / 2);
        long decodedEvents = decoded;
        FlinkJobOptions o = FlinkTests.options(services.kafka(), services.redis().uri(), "quality");
        o.validate();
        StreamExecutionEnvironment env = FlinkJob.localEnvironment(tmp.resolve("checkpoints"), null, tmp.resolve("flink-tmp"),
                CollectingReporter.SETTINGS);
        FlinkJob.build(env, DefinitionBundle.of(defsDir), o);
        JobClient job = env.executeAsync("flink-quality-rules-test");
        try {
            FlinkRunnerTest.await("the quality metrics to reach the produced counts", Duration.ofSeconds(120), () -> {
                Map<String, Long> seen = new LinkedHashMap<>();
                for (String key : expected.keySet()) {
                    seen.put(key, CollectingReporter.sumOfGauges(".source.payments.expect." + key)[0]);
                }
                return seen.equals(expected) ? null : "metrics " + seen + ", expected " + expected;
            });
            assertThat(CollectingReporter.sumOfGauges(".source.payments.expect.amount.checked")[1])
                    .as("one gauge per source reader").isEqualTo(2);

            // the same counts, and the outcomes, as the subtasks publish them to Redis for the serving nodes (ADR 030)
            try (RedisTileStore store = RedisTileStore.open(services.redis().uri(), o.redisNamespace)) {
                FlinkRunnerTest.await("the published counts to reach the produced counts", Duration.ofSeconds(60), () -> {
                    Map<String, WriterCounts> published = WriterCounts.read(store, "payments");
                    Map<String, Long> rules = new LinkedHashMap<>();
                    Map<String, Long> counted = new LinkedHashMap<>();
                    Map<String, Long> carried = new LinkedHashMap<>(Map.of("status", 0L, "merchnt", 0L));
                    long looked = 0;
                    for (String key : expected.keySet()) {
                        rules.put(key, 0L);
                    }
                    for (String key : outcomes.keySet()) {
                        counted.put(key, 0L);
                    }
                    for (WriterCounts w : published.values()) {
                        w.outcomes().forEach((k, v) -> counted.merge(k, v, Long::sum));
                        w.fieldsPresent().forEach((k, v) -> carried.merge(k, v, Long::sum));
                        looked += w.fieldEvents();
                        w.rules().forEach((field, snap) -> {
                            rules.merge(field + ".checked", snap.checked(), Long::sum);
                            rules.merge(field + ".nulls", snap.nulls(), Long::sum);
                            rules.merge(field + ".below_min", snap.belowMin(), Long::sum);
                            rules.merge(field + ".above_max", snap.aboveMax(), Long::sum);
                            rules.merge(field + ".not_allowed", snap.notAllowed(), Long::sum);
                        });
                    }
                    counted.values().removeIf(v -> v == 0);
                    Map<String, Long> wanted = new LinkedHashMap<>(outcomes);
                    wanted.values().removeIf(v -> v == 0);
                    if (!published.keySet().equals(Set.of("fan-out-0", "fan-out-1", "aggregate-0", "aggregate-1"))) {
                        return "writers " + published.keySet();
                    }
                    return rules.equals(expected) && counted.equals(wanted) && carried.equals(present) && looked == decodedEvents ? null
                            : "published rules " + rules + " outcomes " + counted + " fields " + carried + " of " + looked
                            + ", expected " + expected + " and " + wanted + " and " + present + " of " + decodedEvents;
                });
            }
        } finally {
            job.cancel().get();
        }
    }

    /** One value of {@code field}: checked; null, or the counter {@code broken} names (null for none). */
    private static void count(Map<String, Long> expected, String field, Object value, java.util.function.Function<Object, String> broken) {
        expected.merge(field + ".checked", 1L, Long::sum);
        if (value == null) {
            expected.merge(field + ".nulls", 1L, Long::sum);
            return;
        }
        String counter = broken.apply(value);
        if (counter != null) {
            expected.merge(field + "." + counter, 1L, Long::sum);
        }
    }
}
