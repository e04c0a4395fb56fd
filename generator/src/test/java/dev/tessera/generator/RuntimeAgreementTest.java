package dev.tessera.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.runtime.RuntimeConfig;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.InMemoryTileStore;
import dev.tessera.store.TileStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tessera's own runtime, fed the generated stream, rejects exactly the disorder the generator
 * reports, and serves the fraud patterns in the example features.
 *
 * <p>Each topic has one partition, so the runtime's watermark follows each source in delivery
 * order, as the generator's rules do; its clock starts at the end of the simulated span.
 */
class RuntimeAgreementTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");
    private static final long HOUR = 3_600_000L;

    @TempDir
    Path dir;

    @Test
    void theRuntimeFindsTheReportedDisorderAndServesTheFraud() throws Exception {
        Definitions defs = DefinitionLoader.load(EXAMPLES);
        GeneratorConfig config = GeneratorConfig.builder().seed(21).accounts(2_000).eventsPerSecond(5)
                .duration(Duration.ofHours(4)).disorder(new DisorderRates(0.01, 0.03, 0.01, 0.015, 0.005))
                .definitions(defs).build();
        long end = config.startMillis() + config.durationMillis();
        List<GeneratedRecord> records = Collected.run(config).records;

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            Map<String, Integer> partitions = new LinkedHashMap<>();
            Map<String, String> topics = new LinkedHashMap<>();
            for (Source s : defs.sources().values()) {
                partitions.put(s.topic(), 1);
                partitions.put(s.topic() + ".dlq", 1);
                topics.put(s.name(), s.topic());
            }
            kafka.createTopics(partitions);
            GenerationStats stats;
            try (KafkaRecordSink sink = KafkaRecordSink.open(kafka.bootstrapServers(), topics)) {
                stats = new CommerceWorld(config).run(sink);
            }

            long shift = System.currentTimeMillis() - end; // the runtime's clock starts at the end of the span, and runs
            try (TileStore store = new InMemoryTileStore();
                 StreamRuntime rt = StreamRuntime.start(defs, EXAMPLES, store,
                         RuntimeConfig.defaults(kafka.bootstrapServers()).withClock(() -> System.currentTimeMillis() - shift))) {
                rt.awaitCaughtUp(Duration.ofMinutes(2));

                for (CommerceSource s : List.of(CommerceSource.PAYMENTS, CommerceSource.LOGINS)) {
                    Map<String, Long> c = rt.counters(s.sourceName());
                    String what = s.sourceName() + " " + c;
                    assertThat(c.get("in")).as(what).isEqualTo(stats.records().get(s));
                    assertThat(count(c, "malformed")).as(what).isEqualTo(stats.disorder(s, Disorder.BROKEN_JSON)).isPositive();
                    assertThat(count(c, "missing_key")).as(what).isEqualTo(stats.disorder(s, Disorder.MISSING_KEY)).isPositive();
                    assertThat(count(c, "bad_timestamp")).as(what).isEqualTo(stats.disorder(s, Disorder.WRONG_TYPE)).isPositive();
                    assertThat(count(c, "future")).as(what).isEqualTo(stats.disorder(s, Disorder.FUTURE)).isPositive();
                    assertThat(count(c, "duplicate")).as(what).isEqualTo(stats.disorder(s, Disorder.DUPLICATE)).isPositive();
                    // the runtime recomputes its watermark once per polled batch, so a late record at the
                    // start of a batch can still be applied
                    assertThat(count(c, "late")).as(what).isBetween(stats.disorder(s, Disorder.LATE) / 2,
                            stats.disorder(s, Disorder.LATE));
                }

                // card testing: the account of the latest burst has many declines within the hour
                GeneratedRecord lastTest = records.stream().filter(r -> r.fraud() == FraudPattern.CARD_TESTING
                        && r.source() == CommerceSource.PAYMENTS && r.disorder() == null)
                        .max(Comparator.comparingLong(GeneratedRecord::eventTime)).orElseThrow();
                long declinedInTheLastHour = records.stream().filter(r -> r.key().equals(lastTest.key())
                        && r.source() == CommerceSource.PAYMENTS && r.disorder() == null && r.eventTime() >= end - 55 * 60_000
                        && r.text().contains("\"DECLINED\"")).count();
                assertThat(declinedInTheLastHour).as("a burst in the last hour of the span").isGreaterThanOrEqualTo(8);
                Map<String, Object> testing = rt.reader().read("account_payments", List.of(lastTest.key()), end).asMap();
                assertThat((Long) testing.get("declined_count_1h")).isGreaterThanOrEqualTo(declinedInTheLastHour);
                assertThat((Long) testing.get("distinct_cards_1d")).isGreaterThanOrEqualTo(10);

                // a busy customer declines rarely
                String busiest = new CommerceWorld(config).activeKeys(1).accounts().get(0);
                assertThat((Long) rt.reader().read("account_payments", List.of(busiest), end).asMap().get("declined_count_1h"))
                        .isLessThan(5);

                // mule rings: a stash card used by several accounts; credential stuffing: a device on many accounts
                assertThat(maxServed(rt, records, FraudPattern.MULE_RING, CommerceSource.PAYMENTS, "card_fingerprint",
                        "card_payments", "distinct_accounts_1d", end)).isGreaterThanOrEqualTo(3);
                assertThat(maxServed(rt, records, FraudPattern.CREDENTIAL_STUFFING, CommerceSource.LOGINS, "device_id",
                        "device_logins", "distinct_accounts_1d", end)).isGreaterThanOrEqualTo(30);
            }
        }
    }

    private static long count(Map<String, Long> counters, String outcome) {
        return counters.getOrDefault(outcome, 0L);
    }

    /** The largest value of {@code feature} over the entities that {@code pattern} used in {@code field}. */
    private static long maxServed(StreamRuntime rt, List<GeneratedRecord> records, FraudPattern pattern,
            CommerceSource source, String field, String group, String feature, long at) {
        Set<String> keys = new HashSet<>();
        Map<String, Long> values = new HashMap<>();
        for (GeneratedRecord r : records) {
            if (r.fraud() == pattern && r.source() == source && r.disorder() == null) {
                keys.add(OutputReader.parse(r.value()).get(field).asText());
            }
        }
        for (String key : keys) {
            values.put(key, (Long) rt.reader().read(group, List.of(key), at).asMap().get(feature));
        }
        return values.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
