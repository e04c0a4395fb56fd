package dev.tessera.runtime;

import static dev.tessera.runtime.BadInputCases.ACCEPTED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Aggregation;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.core.oracle.OracleAssertions;
import dev.tessera.runtime.BadInputCases.BadClass;
import dev.tessera.runtime.BadInputCases.Injected;
import dev.tessera.runtime.BadInputCases.Kind;
import dev.tessera.runtime.BadInputCases.Slot;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.InMemoryTileStore;
import dev.tessera.store.TileStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input suite (issue 11, SPEC §3 and §9), on the real stack: the in-process Kafka broker and
 * one {@link StreamRuntime} reading three sources with the same feature group — {@code json} (JSON as
 * most producers send it, no declared types), {@code typed} (JSON that declares its fields, ADR 015)
 * and {@code avro} (plain Avro binary of a schema file). Each source gets a stream of good payments
 * (phase 1 sets the watermark; phase 2 goes on to 20 minutes ago) with every class of bad input of
 * {@link BadInputCases} spliced in at seeded random places. Then, for every source:
 * <ul>
 *   <li>every rejected record is on {@code <topic>.dlq} exactly once, at its offset, with the
 *       expected reason and its key and value as sent, and nothing else is;</li>
 *   <li>the source's counters (what {@code /metrics} shows) equal the injected counts by outcome:
 *       in, accepted, duplicate, each reason, and {@code non_finite_value};</li>
 *   <li>every served feature of every entity that any accepted record touched (and one no record
 *       touched) equals the {@link NaiveOracle}'s over exactly the accepted records, read through
 *       the runtime's reader: bad input never loses nor corrupts good data;</li>
 *   <li>all of that again after a restart from the committed state, which also proves that every
 *       accepted string (keys included) survives the store's encoding.</li>
 * </ul>
 *
 * <h2>Expected outcomes</h2>
 * What a user expects by SPEC: §9 rejects malformed, oversized, wrongly-typed or schema-incompatible
 * input with a reason; §3 rejects events before the watermark ({@code late}), beyond the clock plus
 * {@code max_clock_skew} ({@code future}), drops re-sent ids ({@code duplicate}: counted, not a dead
 * letter), and counts NaN and ±Infinity as null. Anything else that is well-formed is data, taken as
 * it is. "—": the class does not exist for that format.
 *
 * <table>
 * <caption>Outcome per class and source</caption>
 * <tr><th>class</th><th>json</th><th>typed (JSON with {@code fields:})</th><th>avro</th></tr>
 * <tr><td>malformed JSON syntax (missing comma, bare word, single quotes, trailing comma, comment, hex, leading zeros, bad literal, unterminated string, unquoted name)</td><td>malformed</td><td>malformed</td><td>—</td></tr>
 * <tr><td>truncated JSON</td><td>malformed</td><td>malformed</td><td>—</td></tr>
 * <tr><td>trailing content after the object (text, a second object, a comma)</td><td>malformed</td><td>malformed</td><td>—</td></tr>
 * <tr><td>empty body</td><td>malformed</td><td>malformed</td><td>malformed</td></tr>
 * <tr><td>whitespace-only body</td><td>malformed</td><td>malformed</td><td>—</td></tr>
 * <tr><td>tombstone (a record without value)</td><td>malformed</td><td>malformed</td><td>malformed</td></tr>
 * <tr><td>JSON array instead of an object (incl. 10,000 nested arrays)</td><td>malformed</td><td>malformed</td><td>—</td></tr>
 * <tr><td>JSON scalar instead of an object</td><td>malformed</td><td>malformed</td><td>—</td></tr>
 * <tr><td>duplicate JSON keys (top level, nested in an unread field)</td><td>malformed</td><td>malformed</td><td>—</td></tr>
 * <tr><td>invalid UTF-8 (lone lead or continuation byte, 0xFF, CESU-8 surrogate, overlong encodings, beyond U+10FFFF; in a read or an unread field)</td><td>malformed</td><td>malformed</td><td>—</td></tr>
 * <tr><td>UTF-16 and UTF-32 text</td><td>malformed</td><td>malformed</td><td>—</td></tr>
 * <tr><td>NUL bytes (leading, raw inside a string, trailing)</td><td>malformed</td><td>malformed</td><td>—</td></tr>
 * <tr><td>UTF-8 byte-order mark</td><td>accepted</td><td>accepted</td><td>—</td></tr>
 * <tr><td>record over the size limit (64 KiB here)</td><td>too_large</td><td>too_large</td><td>too_large</td></tr>
 * <tr><td>deep nesting: 10,000 arrays or objects in an unread field</td><td>too_large</td><td>too_large</td><td>—</td></tr>
 * <tr><td>deep nesting in a field the definitions read</td><td>schema_mismatch</td><td>schema_mismatch</td><td>—</td></tr>
 * <tr><td>numeric field holds an object</td><td>schema_mismatch</td><td>schema_mismatch</td><td>—</td></tr>
 * <tr><td>numeric field holds an array</td><td>schema_mismatch</td><td>schema_mismatch</td><td>—</td></tr>
 * <tr><td>numeric field holds a numeric string ({@code "12.50"})</td><td>accepted as text (*)</td><td>schema_mismatch</td><td>—</td></tr>
 * <tr><td>numeric field holds a boolean</td><td>accepted as a boolean (*)</td><td>schema_mismatch</td><td>—</td></tr>
 * <tr><td>NaN, Infinity, -Infinity (JSON tokens; Avro doubles)</td><td>accepted, value null, non_finite_value</td><td>same</td><td>same</td></tr>
 * <tr><td>NaN and Infinity as strings</td><td>accepted as text (*)</td><td>schema_mismatch</td><td>—</td></tr>
 * <tr><td>number overflow in a value: ±1e400 (±Infinity: null, non_finite_value), 30-digit integer (a double), 1e-400 (0.0)</td><td>accepted</td><td>accepted</td><td>—</td></tr>
 * <tr><td>timestamp overflow: 1e400, 20-digit integer, ISO-8601 years ±999,999,999</td><td>bad_timestamp</td><td>schema_mismatch</td><td>—</td></tr>
 * <tr><td>timestamp in seconds instead of milliseconds</td><td>late</td><td>late</td><td>late</td></tr>
 * <tr><td>timestamp in 1970 (0, one day; ISO-8601 1970)</td><td>late</td><td>late (ISO: schema_mismatch)</td><td>late</td></tr>
 * <tr><td>negative timestamp (-1, year 1, Long.MIN_VALUE)</td><td>late</td><td>late</td><td>late</td></tr>
 * <tr><td>timestamp in year 9999 (millis, Long.MAX_VALUE, ISO-8601)</td><td>future</td><td>future (ISO: schema_mismatch)</td><td>future</td></tr>
 * <tr><td>future timestamp (a day, a year ahead)</td><td>future</td><td>future</td><td>future</td></tr>
 * <tr><td>near-future timestamp, within max_clock_skew (2 min ahead)</td><td>accepted</td><td>accepted</td><td>accepted</td></tr>
 * <tr><td>late event (before the watermark)</td><td>late</td><td>late</td><td>late</td></tr>
 * <tr><td>out-of-order event within lateness</td><td>accepted</td><td>accepted</td><td>accepted</td></tr>
 * <tr><td>missing timestamp</td><td>bad_timestamp</td><td>bad_timestamp</td><td>—</td></tr>
 * <tr><td>null timestamp</td><td>bad_timestamp</td><td>bad_timestamp</td><td>bad_timestamp</td></tr>
 * <tr><td>unparseable timestamp (words, invalid date, empty string, boolean, fractional millis, NaN)</td><td>bad_timestamp</td><td>schema_mismatch</td><td>—</td></tr>
 * <tr><td>timestamp as an array</td><td>schema_mismatch</td><td>schema_mismatch</td><td>—</td></tr>
 * <tr><td>timestamp as ISO-8601 (Z, +05:30), digits in a string, a whole double</td><td>accepted</td><td>schema_mismatch (declared long)</td><td>—</td></tr>
 * <tr><td>empty key</td><td>missing_key</td><td>missing_key</td><td>missing_key</td></tr>
 * <tr><td>null key</td><td>missing_key</td><td>missing_key</td><td>missing_key</td></tr>
 * <tr><td>missing key</td><td>missing_key</td><td>missing_key</td><td>—</td></tr>
 * <tr><td>NaN, ±Infinity or 1e400 as the key (count as null, SPEC §3)</td><td>missing_key</td><td>schema_mismatch</td><td>—</td></tr>
 * <tr><td>key holds an object or array</td><td>schema_mismatch</td><td>schema_mismatch</td><td>—</td></tr>
 * <tr><td>numeric key {@code 42} (the same account as {@code "42"})</td><td>accepted</td><td>schema_mismatch ("42": accepted)</td><td>—</td></tr>
 * <tr><td>unicode keys (accents in NFC and NFD — two keys, CJK, emoji, RTL, fullwidth, bidi override)</td><td>accepted, keyed exactly</td><td>same</td><td>same</td></tr>
 * <tr><td>control characters in keys (NUL, tab, newline, U+001F)</td><td>accepted, keyed exactly</td><td>same</td><td>same</td></tr>
 * <tr><td>unpaired surrogate escapes (an escaped D800 alone) in a read field; a proper pair is accepted</td><td>malformed</td><td>malformed</td><td>—</td></tr>
 * <tr><td>invalid UTF-8 in an Avro string</td><td>—</td><td>—</td><td>accepted, read as U+FFFD</td></tr>
 * <tr><td>unknown fields (scalars, nested objects, arrays, 2,000 extra keys)</td><td>accepted, ignored</td><td>same</td><td>an unread schema field: same</td></tr>
 * <tr><td>SQL, HTML, script, format and template strings in keys and values, a filter-looking status</td><td>accepted verbatim, never interpreted</td><td>same</td><td>same</td></tr>
 * <tr><td>very long strings (20,000-character values, a 10,000-character key)</td><td>accepted verbatim</td><td>same</td><td>same</td></tr>
 * <tr><td>truncated Avro</td><td>—</td><td>—</td><td>malformed</td></tr>
 * <tr><td>trailing bytes after the Avro record</td><td>—</td><td>—</td><td>malformed</td></tr>
 * <tr><td>JSON sent to an Avro source</td><td>—</td><td>—</td><td>malformed</td></tr>
 * <tr><td>record of another Avro schema (amount a string)</td><td>—</td><td>—</td><td>malformed</td></tr>
 * <tr><td>Confluent wire format sent to a plain Avro source</td><td>—</td><td>—</td><td>malformed</td></tr>
 * <tr><td>Avro lengths beyond the record (2^30, negative, an 11-byte varint)</td><td>—</td><td>—</td><td>malformed</td></tr>
 * <tr><td>Avro union or enum index out of range</td><td>—</td><td>—</td><td>malformed</td></tr>
 * <tr><td>duplicate id (exact re-send)</td><td>duplicate</td><td>duplicate</td><td>duplicate</td></tr>
 * <tr><td>duplicate id with other content (the first one counts)</td><td>duplicate</td><td>duplicate</td><td>duplicate</td></tr>
 * <tr><td>Kafka record without a key, or with a binary key (the entity comes from the value)</td><td>accepted</td><td>accepted</td><td>accepted</td></tr>
 * </table>
 *
 * <p>(*) A JSON source without {@code fields:} has no types to hold events to (ADR 015): a string or
 * boolean where a number is meant is data of that kind. {@code sum}, {@code avg} and
 * {@code approx_percentile} skip it, {@code count} counts the event, and {@code max} orders it
 * above every number ({@code ValueOrder}: booleans &lt; numbers &lt; strings), so the served max of
 * such an entity is that string or boolean. The oracle's max reads numbers only; for those entities
 * the suite states the runtime's rule instead ({@link #kindOrderMax}). Declaring the fields turns
 * each of these into {@code schema_mismatch}, as the {@code typed} column shows.
 */
@Tag("reliability")
class BadInputSuiteTest {
    private static final long HOUR = 3_600_000L;

    @TempDir
    static Path tmp;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    static final String FEATURES = """
              - { name: payment_count,  agg: count, windows: [1h, 1d] }
              - { name: declined_count, agg: count, where: "status == 'DECLINED'", windows: [1h] }
              - { name: amount_sum,     agg: sum, of: amount, windows: [1h, 1d] }
              - { name: amount_avg,     agg: avg, of: amount, windows: [1h] }
              - { name: amount_max,     agg: max, of: amount, windows: [1d] }
              - { name: distinct_cards, agg: approx_distinct, of: card, windows: [1d] }
              - { name: recent_cards,   agg: last_k, k: 3, of: card, windows: [1d] }
              - { name: top_merchants,  agg: top_k, k: 2, of: merchant, windows: [1d] }
              - { name: amount_p50,     agg: approx_percentile, p: 0.5, of: amount, windows: [1d] }
              - { name: first_country,  agg: first, of: country }
              - { name: last_country,   agg: last, of: country }
            """;

    static String definitions() {
        StringBuilder sb = new StringBuilder("""
                kind: Entity
                name: account
                keys: [account_id]
                ---
                kind: Source
                name: json
                kafka: { topic: bad.json }
                format: json
                timestamp: event_time
                id: payment_id
                lateness: 10m
                ---
                kind: Source
                name: typed
                kafka: { topic: bad.typed }
                format: json
                fields: { payment_id: string, event_time: long, account_id: string, amount: double, status: string,
                          card: string, merchant: string, country: string }
                timestamp: event_time
                id: payment_id
                lateness: 10m
                ---
                kind: Source
                name: avro
                kafka: { topic: bad.avro }
                format: avro
                schema: schemas/payment.avsc
                timestamp: event_time
                id: payment_id
                lateness: 10m
                """);
        for (Kind k : Kind.values()) {
            sb.append("---\nkind: FeatureGroup\nname: ").append(k.group()).append("\nsource: ").append(k.source)
                    .append("\nentity: account\nfeatures:\n").append(FEATURES);
        }
        return sb.toString();
    }

    @Test
    void everyClassOfBadInputGetsItsOutcomeAndGoodDataMatchesTheOracle() throws Exception {
        Path defsDir = tmp.resolve("features");
        Files.createDirectories(defsDir.resolve("schemas"));
        Files.writeString(defsDir.resolve("schemas/payment.avsc"), BadInputCases.AVRO_SCHEMA);
        Files.writeString(defsDir.resolve("definitions.yaml"), definitions());
        Definitions defs = DefinitionLoader.load(defsDir);
        Map<String, Integer> topics = new HashMap<>();
        for (Kind k : Kind.values()) {
            topics.put(k.topic, 1); // one partition: the splice points are exact positions in the log
            topics.put(k.topic + DeadLetterRecords.SUFFIX, 1);
        }
        kafka.createTopics(topics);

        long base = System.currentTimeMillis();
        List<BadClass> classes = BadInputCases.all();
        Map<Kind, List<Injected>> phase1 = new EnumMap<>(Kind.class);
        Map<Kind, List<Injected>> phase2 = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            Random rnd = new Random(11 + k.ordinal());
            phase1.put(k, good(k, rnd, 300, base - 3 * HOUR, base - 2 * HOUR, 0));
            phase2.put(k, splice(k, rnd, good(k, rnd, 900, base - 2 * HOUR, base - 20 * 60_000L, 100_000), classes, base));
        }
        assertThat(classes.stream().filter(c -> c.kinds().contains(Kind.JSON)).count()).as("classes of JSON input")
                .isGreaterThanOrEqualTo(30);
        assertThat(classes.stream().filter(c -> c.kinds().contains(Kind.AVRO)).count()).as("classes of Avro input")
                .isGreaterThanOrEqualTo(30);

        RuntimeConfig config = new RuntimeConfig(kafka.bootstrapServers(), Duration.ofMillis(50), 1_000_000, 16, 2_000,
                BadInputCases.MAX_RECORD_BYTES, true, System::currentTimeMillis);
        Map<Kind, Map<Long, Injected>> byOffset = new EnumMap<>(Kind.class);
        try (TileStore store = new InMemoryTileStore();
             KafkaProducer<byte[], byte[]> producer = producer()) {
            try (StreamRuntime rt = StreamRuntime.start(defs, defsDir, store, config)) {
                for (Kind k : Kind.values()) {
                    byOffset.put(k, new TreeMap<>(send(producer, k, phase1.get(k))));
                }
                rt.awaitCaughtUp(Duration.ofSeconds(60)); // phase 1 sets each source's watermark
                for (Kind k : Kind.values()) {
                    byOffset.get(k).putAll(send(producer, k, phase2.get(k)));
                }
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                assertThat(rt.failure()).as("the runtime is still running").isNull();
                assertEverything(rt, byOffset, false);
            }
            // the committed state, read back by a new runtime: every accepted string survives the store
            try (StreamRuntime rt = StreamRuntime.start(defs, defsDir, store, config)) {
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                assertEverything(rt, byOffset, true);
            }
        }
    }

    private void assertEverything(StreamRuntime rt, Map<Kind, Map<Long, Injected>> byOffset, boolean restarted) {
        String when = restarted ? "after a restart" : "before the restart";
        SoftAssertions soft = new SoftAssertions();
        for (Kind k : Kind.values()) {
            Map<Long, Injected> injected = byOffset.get(k);
            assertDeadLetters(soft, k, injected, when);
            assertCounters(soft, rt, k, injected.values(), restarted);
            assertMatchesOracle(soft, rt.reader(), k, injected.values(), when);
        }
        soft.assertAll();
    }

    /** Every rejected record on the dead-letter topic once, at its offset, with its reason, key and value; nothing else. */
    private static void assertDeadLetters(SoftAssertions soft, Kind k, Map<Long, Injected> injected, String when) {
        Map<Long, ConsumerRecord<byte[], byte[]>> letters = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : deadLetters(k.topic)) {
            long offset = Long.parseLong(header(r, "tessera.offset"));
            soft.assertThat(letters.put(offset, r)).as("%s: %s, one dead letter for offset %d", when, k, offset).isNull();
        }
        for (var e : injected.entrySet()) {
            Injected in = e.getValue();
            ConsumerRecord<byte[], byte[]> letter = letters.remove(e.getKey());
            String what = when + ": " + k + ", " + in.cls() + " at offset " + e.getKey();
            if (!in.rejected()) {
                soft.assertThat(letter).as("%s is %s, not a dead letter (%s)", what, in.outcome(),
                        letter == null ? "" : header(letter, "tessera.reason") + ": " + header(letter, "tessera.message"))
                        .isNull();
                continue;
            }
            if (letter == null) {
                soft.fail(what + " must be dead-lettered as " + in.outcome() + ", but there is no dead letter");
                continue;
            }
            soft.assertThat(header(letter, "tessera.reason")).as("%s, reason (%s)", what, header(letter, "tessera.message"))
                    .isEqualTo(in.outcome());
            soft.assertThat(header(letter, "tessera.message")).as("%s, message", what).isNotBlank();
            soft.assertThat(header(letter, "tessera.topic")).as("%s, topic", what).isEqualTo(k.topic);
            soft.assertThat(Arrays.equals(letter.value(), in.value())).as("%s: the value as sent", what).isTrue();
            soft.assertThat(Arrays.equals(letter.key(), in.key())).as("%s: the key as sent", what).isTrue();
        }
        soft.assertThat(letters.keySet()).as("%s: %s, dead letters for offsets nothing was rejected at", when, k).isEmpty();
    }

    /**
     * The source's counters equal the injected records by outcome; they are committed with the state,
     * so a restart changes nothing. The group's missing-key count is the process's (a Prometheus
     * counter, {@code tessera.group.missing.key}): after the restart, which applied nothing, it is 0.
     */
    private static void assertCounters(SoftAssertions soft, StreamRuntime rt, Kind k, Iterable<Injected> injected,
            boolean restarted) {
        String when = restarted ? "after a restart" : "before the restart";
        Map<String, Long> expected = new LinkedHashMap<>();
        for (SourceCounters.Outcome o : SourceCounters.Outcome.values()) {
            expected.put(o.code(), 0L);
        }
        for (Injected in : injected) {
            expected.merge("in", 1L, Long::sum);
            expected.merge(in.outcome(), 1L, Long::sum);
            if (in.outcome().equals(ACCEPTED) && in.event().fields().get("amount") instanceof Double d && !Double.isFinite(d)) {
                expected.merge("non_finite_value", 1L, Long::sum); // once per event, however many features read amount
            }
        }
        soft.assertThat(rt.counters(k.source)).as("%s: counters of source %s", when, k.source).isEqualTo(expected);
        soft.assertThat(rt.missingKeys(k.group())).as("%s: events group %s could not key", when, k.group())
                .isEqualTo(restarted ? 0 : expected.get("missing_key"));
    }

    /**
     * Every served feature of every entity an accepted record touched, and of one none did, equals the
     * oracle's over exactly the accepted records.
     */
    private static void assertMatchesOracle(SoftAssertions soft, FeatureReader reader, Kind k, Iterable<Injected> injected,
            String when) {
        Map<String, NaiveOracle.Spec> specs = PaymentsWorld.oracleSpecs();
        soft.assertThat(reader.servedNames(k.group())).containsExactlyElementsOf(specs.keySet());
        Map<String, List<NaiveOracle.Ev>> byEntity = new LinkedHashMap<>();
        for (Injected in : injected) {
            if (in.outcome().equals(ACCEPTED)) {
                byEntity.computeIfAbsent(in.entity(), e -> new ArrayList<>()).add(in.event());
            }
        }
        byEntity.put("never-seen", List.of());
        for (var e : byEntity.entrySet()) {
            FeatureValues v = reader.read(k.group(), List.of(e.getKey()), System.currentTimeMillis());
            String who = when + ": " + k + " entity '" + shown(e.getKey()) + "'";
            soft.assertThat(v.found()).as("%s found", who).isEqualTo(!e.getValue().isEmpty());
            Map<String, Object> actual = v.asMap();
            for (var spec : specs.entrySet()) {
                String name = spec.getKey();
                Object expected = NaiveOracle.value(spec.getValue(), e.getValue(), v.asOf());
                if (spec.getValue().agg().equals("max") && hasNonNumbers(e.getValue(), spec.getValue(), v.asOf())) {
                    expected = kindOrderMax(e.getValue(), spec.getValue(), v.asOf());
                }
                Object want = expected;
                String where = who + " " + name + " at " + v.asOf();
                soft.check(() -> {
                    try {
                        OracleAssertions.assertMatches(Aggregation.fromYaml(spec.getValue().agg()).orElseThrow(), 0.5,
                                spec.getValue().k(), where, actual.get(name), want);
                    } catch (RuntimeException ex) { // a value of the wrong type or null: a mismatch all the same
                        throw new AssertionError(where + ": got " + actual.get(name) + " but the oracle says " + want, ex);
                    }
                });
            }
        }
    }

    /** Whether {@code spec}'s window at {@code t} holds a string or boolean (a JSON source without declared types). */
    private static boolean hasNonNumbers(List<NaiveOracle.Ev> events, NaiveOracle.Spec spec, long t) {
        return inWindow(events, spec, t).stream().anyMatch(v -> v instanceof String || v instanceof Boolean);
    }

    /**
     * max over values of mixed kinds, as the runtime orders them (booleans &lt; numbers &lt; strings,
     * ValueOrder) and as SPEC §2 allows ("input type"); numbers as the oracle does.
     */
    static Object kindOrderMax(List<NaiveOracle.Ev> events, NaiveOracle.Spec spec, long t) {
        List<Object> values = inWindow(events, spec, t);
        List<String> strings = values.stream().filter(v -> v instanceof String).map(v -> (String) v).sorted().toList();
        if (!strings.isEmpty()) {
            return strings.get(strings.size() - 1);
        }
        if (values.stream().anyMatch(v -> v instanceof Long || v instanceof Double)) {
            return NaiveOracle.value(spec, events, t);
        }
        return values.contains(Boolean.TRUE);
    }

    private static List<Object> inWindow(List<NaiveOracle.Ev> events, NaiveOracle.Spec spec, long t) {
        long from = Math.floorDiv(t - spec.windowMillis(), spec.hopMillis()) * spec.hopMillis();
        List<Object> values = new ArrayList<>();
        for (NaiveOracle.Ev e : events) {
            Object v = e.fields().get(spec.of());
            if (e.time() >= from && e.time() < t && v != null && !(v instanceof Double d && !Double.isFinite(d))) {
                values.add(v);
            }
        }
        return values;
    }

    // ------------------------------------------------------------------------------------------
    // The streams

    /**
     * {@code n} good payments of 20 accounts between {@code from} and {@code to}, in strictly increasing
     * event time; about one in twenty has no amount.
     */
    private static List<Injected> good(Kind k, Random rnd, int n, long from, long to, int idOffset) {
        List<Injected> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t = from + (to - from) * i / n;
            String account = "acct-" + (int) Math.floor(Math.pow(rnd.nextDouble(), 2) * 20);
            Object amount = rnd.nextInt(4) == 0 ? (Object) (rnd.nextInt(100_000) / 100.0) : (Object) (long) rnd.nextInt(5000);
            Map<String, Object> f = BadInputCases.payment("pay-" + (idOffset + i), account, t, amount);
            f.put("status", rnd.nextInt(5) == 0 ? "DECLINED" : "APPROVED");
            f.put("card", "card-" + rnd.nextInt(8));
            f.put("merchant", "m-" + rnd.nextInt(5));
            f.put("country", List.of("US", "FR", "BR", "IN").get(rnd.nextInt(4)));
            if (rnd.nextInt(20) == 0) {
                f.put("amount", null);
            }
            BadInputCases.Out o = new BadInputCases.Out(k, "good payment");
            o.accepted(f);
            out.addAll(o.records);
        }
        return out;
    }

    /**
     * The good records with every class's records for kind {@code k} spliced in: each class right
     * after a seeded random good record (never the first), or at the end.
     */
    private static List<Injected> splice(Kind k, Random rnd, List<Injected> good, List<BadClass> classes, long base) {
        Map<Integer, List<BadClass>> after = new HashMap<>();
        for (BadClass c : classes) {
            if (c.kinds().contains(k)) {
                int at = c.atEnd() ? good.size() - 1 : 1 + rnd.nextInt(good.size() - 2);
                after.computeIfAbsent(at, i -> new ArrayList<>()).add(c);
            }
        }
        List<Injected> out = new ArrayList<>();
        int seq = 0;
        for (int i = 0; i < good.size(); i++) {
            Injected g = good.get(i);
            out.add(g);
            for (BadClass c : after.getOrDefault(i, List.of())) {
                List<Injected> records = c.records(k, new Slot(g, g.event().time(), base, seq++));
                assertThat(records).as("records of class '%s' for %s", c.name(), k).isNotEmpty();
                out.addAll(records);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // Kafka

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends {@code records} in order; returns them by the offset each got. */
    private static Map<Long, Injected> send(KafkaProducer<byte[], byte[]> producer, Kind k, List<Injected> records)
            throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (Injected r : records) {
            acks.add(producer.send(new ProducerRecord<>(k.topic, 0, r.key(), r.value())));
        }
        Map<Long, Injected> byOffset = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            byOffset.put(acks.get(i).get().offset(), records.get(i));
        }
        return byOffset;
    }

    private static List<ConsumerRecord<byte[], byte[]>> deadLetters(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic + DeadLetterRecords.SUFFIX, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String shown(String key) {
        String s = key.length() > 40 ? key.substring(0, 37) + "..." : key;
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp >= 0x7f) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }
}
