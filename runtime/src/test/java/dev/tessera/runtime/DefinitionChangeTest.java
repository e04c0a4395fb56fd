package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Aggregation;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.core.oracle.OracleAssertions;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.core.tile.TileKey;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import dev.tessera.store.TileStore.Space;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restarting with changed definitions (issue: "restarting with a feature added starts it from empty
 * (until backfilled) without touching existing tiles; a removed feature's state is dropped").
 *
 * <p>The runtime consumes the first half of a payment stream over RocksDB with definitions v1, is
 * closed, then restarts over the same store with v2 and consumes the second half. v2 makes each
 * of the usual changes to a group once (docs/adr/004-definition-changes.md says what users get):
 * <ul>
 *   <li><b>kept</b> features (reordered, so slots move) equal the oracle over ALL events, and so
 *       does a <b>renamed</b> one ({@code first_country} to {@code first_country_seen}): state
 *       belongs to the aggregation (agg, of, where, k, p), not to the name;</li>
 *   <li><b>added</b> aggregations ({@code big_amount_sum}: a sum with a new filter;
 *       {@code first_merchant}: lifetime) equal the oracle over the second half only — they start
 *       empty and only a backfill can give them history;</li>
 *   <li>a window <b>added at an existing hop</b> ({@code payment_count_12h}, hop 1h like
 *       {@code payment_count_1d}) reads the tiles that aggregation already had, so it equals the
 *       oracle over ALL events (as far back as that hop's old retention reached, which here covers
 *       every event);</li>
 *   <li>a window <b>added at a new hop</b> ({@code amount_sum_30d}, hop 1d, which v1 did not have)
 *       has no tiles yet, so it starts empty like an added feature: second half only;</li>
 *   <li>the <b>removed</b> feature ({@code amount_max}, at hops 10s and 1h) is no longer served,
 *       its slot is gone from every stored tile, and the 10s hop only it used has no tiles left;</li>
 *   <li>the <b>removed group</b> ({@code merchant_payments}) is no longer served and has neither
 *       tiles nor entity headers left in the store.</li>
 * </ul>
 * The "gone" checks run right after {@code start} returns (the cleanup belongs to loading, not to
 * later commits) and again at the end. Before the restart the test checks that the store held what
 * must later be gone, so those checks cannot pass vacuously. Stored tiles are read by walking the
 * layout {@code TileCodec} documents, not with {@code TileCodec} itself.
 */
class DefinitionChangeTest {
    static final String HEADER = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: test.payments }
            format: json
            timestamp: event_time
            id: payment_id
            lateness: 10m
            ---
            """;

    static final String V1 = HEADER + """
            kind: Entity
            name: merchant
            keys: [merchant]
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: payment_count,  agg: count, windows: [1h, 1d] }
              - { name: declined_count, agg: count, where: "status == 'DECLINED'", windows: [1h] }
              - { name: amount_sum,     agg: sum, of: amount, windows: [1h, 1d] }
              - { name: amount_avg,     agg: avg, of: amount, windows: [1h] }
              - { name: amount_max,     agg: max, of: amount, windows: [10m, 1d] }
              - { name: distinct_cards, agg: approx_distinct, of: card, windows: [1d] }
              - { name: recent_cards,   agg: last_k, k: 3, of: card, windows: [1d] }
              - { name: top_merchants,  agg: top_k, k: 2, of: merchant, windows: [1d] }
              - { name: amount_p50,     agg: approx_percentile, p: 0.5, of: amount, windows: [1d] }
              - { name: first_country,  agg: first, of: country }
              - { name: last_country,   agg: last, of: country }
            ---
            kind: FeatureGroup
            name: merchant_payments
            source: payments
            entity: merchant
            features:
              - { name: payment_count, agg: count, windows: [1h, 1d] }
              - { name: amount_sum,    agg: sum, of: amount, windows: [1d] }
            """;

    /**
     * amount_max and merchant_payments removed; two aggregations and two windows added; kept ones
     * reordered; first_country renamed (same aggregation, so same state).
     */
    static final String V2 = HEADER + """
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: big_amount_sum, agg: sum, of: amount, where: "amount >= 1000", windows: [1d] }
              - { name: last_country,   agg: last, of: country }
              - { name: payment_count,  agg: count, windows: [1h, 12h, 1d] }
              - { name: amount_sum,     agg: sum, of: amount, windows: [1h, 1d, 30d] }
              - { name: first_merchant, agg: first, of: merchant }
              - { name: declined_count, agg: count, where: "status == 'DECLINED'", windows: [1h] }
              - { name: amount_avg,     agg: avg, of: amount, windows: [1h] }
              - { name: distinct_cards, agg: approx_distinct, of: card, windows: [1d] }
              - { name: recent_cards,   agg: last_k, k: 3, of: card, windows: [1d] }
              - { name: top_merchants,  agg: top_k, k: 2, of: merchant, windows: [1d] }
              - { name: amount_p50,     agg: approx_percentile, p: 0.5, of: amount, windows: [1d] }
              - { name: first_country_seen, agg: first, of: country }
            """;

    static final String GROUP = "account_payments";
    static final String REMOVED_GROUP = "merchant_payments";
    static final int ACCOUNTS = 40;
    static final long HOUR = 3_600_000L;
    static final long DAY = 24 * HOUR;

    @TempDir
    Path tmp;

    @Test
    void keptFeaturesKeepTheirStateAddedOnesStartEmptyRemovedOnesLeaveNoBytes() throws Exception {
        Path v1Dir = write(tmp.resolve("features-v1"), V1);
        Path v2Dir = write(tmp.resolve("features-v2"), V2);
        Definitions v1 = DefinitionLoader.load(v1Dir);
        Definitions v2 = DefinitionLoader.load(v2Dir);
        assertThat(v2.version()).isNotEqualTo(v1.version());

        // The removed aggregation, identified the way tiles identify it: by slot fingerprint.
        Set<Long> v1Fingerprints = fingerprints(v1);
        Set<Long> v2Fingerprints = fingerprints(v2);
        Set<Long> removed = new HashSet<>(v1Fingerprints);
        removed.removeAll(v2Fingerprints);
        Set<Long> added = new HashSet<>(v2Fingerprints);
        added.removeAll(v1Fingerprints);
        assertThat(removed).as("v1 aggregations v2 no longer has (amount_max)").hasSize(1);
        assertThat(added).as("v2 aggregations v1 did not have (big_amount_sum, first_merchant)").hasSize(2);
        long removedFingerprint = removed.iterator().next();

        long now = System.currentTimeMillis();
        long start = now - 10 * HOUR;
        long middle = now - 5 * HOUR;
        Random rnd = new Random(11);
        List<PaymentsWorld.Produced> firstHalf = PaymentsWorld.payments(rnd, 4_000, ACCOUNTS, start, middle, 0);
        List<PaymentsWorld.Produced> secondHalf = PaymentsWorld.payments(rnd, 4_000, ACCOUNTS, middle, now - 60_000, 100_000);
        List<NaiveOracle.Ev> first = firstHalf.stream().map(PaymentsWorld.Produced::event).toList();
        List<NaiveOracle.Ev> second = secondHalf.stream().map(PaymentsWorld.Produced::event).toList();
        List<NaiveOracle.Ev> all = new ArrayList<>(first);
        all.addAll(second);

        Path storeDir = tmp.resolve("store");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
             KafkaProducer<String, byte[]> producer = RuntimeEndToEndTest.producer(kafka.bootstrapServers())) {
            kafka.createTopics(Map.of(PaymentsWorld.TOPIC, PaymentsWorld.PARTITIONS));
            RuntimeConfig config = RuntimeConfig.defaults(kafka.bootstrapServers())
                    .withCommitInterval(Duration.ofMillis(50)).withDeadLetters(false);

            RuntimeEndToEndTest.send(producer, firstHalf);
            try (TileStore store = RocksDbTileStore.open(storeDir)) {
                try (StreamRuntime rt = StreamRuntime.start(v1, v1Dir, store, config)) {
                    rt.awaitCaughtUp(Duration.ofSeconds(60));
                    assertThat(rt.counters("payments").get("accepted")).isEqualTo((long) firstHalf.size());
                    assertThat(rt.reader().groups()).containsExactly(GROUP, REMOVED_GROUP);
                }
                // What v2 must remove is there now, so its absence later means something.
                List<StoredTile> before = tiles(store);
                assertThat(count(before, t -> t.key().group().equals(REMOVED_GROUP))).as("tiles of the group v2 removes")
                        .isPositive();
                assertThat(entityHeaders(store, REMOVED_GROUP)).as("entity headers of the group v2 removes").isPositive();
                assertThat(count(before, t -> t.key().group().equals(GROUP) && t.key().hopMillis() == 10_000L))
                        .as("tiles of the 10s hop only amount_max uses").isPositive();
                assertThat(count(before, t -> t.key().hopMillis() == HOUR && t.nonEmptySlots().contains(removedFingerprint)))
                        .as("tiles holding amount_max state at hop 1h").isPositive();
                assertThat(keys(before, t -> t.slots().stream().anyMatch(added::contains)))
                        .as("tiles holding a v2-only aggregation before v2 ran").isEmpty();
            }

            RuntimeEndToEndTest.send(producer, secondHalf);
            try (TileStore store = RocksDbTileStore.open(storeDir)) {
                try (StreamRuntime rt = StreamRuntime.start(v2, v2Dir, store, config)) {
                    // start() has loaded the store: the cleanup is done before any new event is applied
                    assertNothingOfTheRemovedIsLeft(store, removedFingerprint, "right after the restart");

                    rt.awaitCaughtUp(Duration.ofSeconds(60));
                    Map<String, Long> counters = rt.counters("payments");
                    assertThat(counters.get("accepted")).as("counters carry over the restart")
                            .isEqualTo((long) all.size());
                    assertThat(counters.get("in")).isEqualTo((long) all.size());

                    FeatureReader reader = rt.reader();
                    assertThat(reader.groups()).as("the removed group is not served").containsExactly(GROUP);
                    Map<String, Expectation> expectations = expectations();
                    assertThat(reader.servedNames(GROUP)).as("served names, declaration order of v2")
                            .containsExactlyElementsOf(expectations.keySet())
                            .doesNotContain("amount_max_10m", "amount_max_1d");
                    assertMatches(reader, expectations, all, second);
                }
                assertNothingOfTheRemovedIsLeft(store, removedFingerprint, "after the second half");
                List<StoredTile> after = tiles(store);
                // The walk does see slots, the new ones included, and tiles from before the restart remain.
                for (long fp : added) {
                    assertThat(count(after, t -> t.nonEmptySlots().contains(fp)))
                            .as("tiles holding state of the added aggregation %x", fp).isPositive();
                }
                assertThat(count(after, t -> t.key().hopMillis() == HOUR && t.key().start() < middle - HOUR))
                        .as("tiles from before the restart (first half, 1h hop), kept").isPositive();
            }
        }
    }

    /**
     * The removed group has neither tiles nor entity headers, the hop only the removed feature used
     * has no tiles, and no tile has a slot (even an empty one) of the removed aggregation. "Gone" is
     * what a scan sees; RocksDB reclaims the disk space at its next compaction.
     */
    static void assertNothingOfTheRemovedIsLeft(TileStore store, long removedFingerprint, String when) {
        List<StoredTile> tiles = tiles(store);
        assertThat(keys(tiles, t -> t.key().group().equals(REMOVED_GROUP)))
                .as("tiles of the removed group %s", when).isEmpty();
        assertThat(entityHeaders(store, REMOVED_GROUP)).as("entity headers of the removed group %s", when).isZero();
        assertThat(keys(tiles, t -> t.key().hopMillis() == 10_000L))
                .as("tiles of the hop only the removed feature used %s", when).isEmpty();
        assertThat(keys(tiles, t -> t.slots().contains(removedFingerprint)))
                .as("tiles still carrying a slot of the removed aggregation %s", when).isEmpty();
        assertThat(tiles).as("tiles %s", when).isNotEmpty();
    }

    private static long count(List<StoredTile> tiles, Predicate<StoredTile> p) {
        return tiles.stream().filter(p).count();
    }

    /** Keys of the matching tiles: what a failure should show (at most 10 of them). */
    private static List<TileKey> keys(List<StoredTile> tiles, Predicate<StoredTile> p) {
        return tiles.stream().filter(p).map(StoredTile::key).limit(10).toList();
    }

    /**
     * How each served name of v2 should read: the oracle's spec, and whether it covers every event
     * or only those applied after the restart (it started empty).
     */
    record Expectation(NaiveOracle.Spec spec, boolean fromRestart) {}

    static Map<String, Expectation> expectations() {
        Map<String, NaiveOracle.Spec> kept = PaymentsWorld.oracleSpecs();
        Predicate<NaiveOracle.Ev> any = e -> true;
        Predicate<NaiveOracle.Ev> big = e -> e.fields().get("amount") instanceof Number n && n.doubleValue() >= 1000;
        Map<String, Expectation> m = new LinkedHashMap<>();
        // added aggregation with a new filter: from empty at the restart
        m.put("big_amount_sum_1d", new Expectation(new NaiveOracle.Spec("sum", "amount", big, DAY, HOUR, 0), true));
        m.put("last_country", new Expectation(kept.get("last_country"), false));
        m.put("payment_count_1h", new Expectation(kept.get("payment_count_1h"), false));
        // added window at the existing 1h hop: shares payment_count_1d's tiles, so it has history
        m.put("payment_count_12h", new Expectation(new NaiveOracle.Spec("count", null, any, 12 * HOUR, HOUR, 0), false));
        m.put("payment_count_1d", new Expectation(kept.get("payment_count_1d"), false));
        m.put("amount_sum_1h", new Expectation(kept.get("amount_sum_1h"), false));
        m.put("amount_sum_1d", new Expectation(kept.get("amount_sum_1d"), false));
        // added window at a new hop (1d): no tiles of that hop existed, so it starts empty
        m.put("amount_sum_30d", new Expectation(new NaiveOracle.Spec("sum", "amount", any, 30 * DAY, DAY, 0), true));
        // added lifetime aggregation: `first` over the second half differs from `first` over all
        m.put("first_merchant", new Expectation(new NaiveOracle.Spec("first", "merchant", any, 0, 0, 0), true));
        for (String name : List.of("declined_count_1h", "amount_avg_1h", "distinct_cards_1d", "recent_cards_1d",
                "top_merchants_1d", "amount_p50_1d")) {
            m.put(name, new Expectation(kept.get(name), false));
        }
        // renamed: state belongs to the aggregation (agg, of, where, k, p), not to the name
        m.put("first_country_seen", new Expectation(kept.get("first_country"), false));
        return m;
    }

    /**
     * Every served value of every account equals the oracle over the events its expectation names.
     * A feature whose value over all events differs from its value over the second half for some
     * account tells "kept its history" from "started empty"; the features this test makes claims
     * about must be among those, or the claim would go untested.
     */
    static void assertMatches(FeatureReader reader, Map<String, Expectation> expectations, List<NaiveOracle.Ev> all,
                              List<NaiveOracle.Ev> afterRestart) {
        long now = System.currentTimeMillis();
        Set<String> historyShows = new HashSet<>();
        int nonEmpty = 0;
        for (int a = 0; a < ACCOUNTS; a++) {
            String account = "acct-" + a;
            FeatureValues v = reader.read(GROUP, List.of(account), now);
            Map<String, Object> actual = v.asMap();
            assertThat(actual).doesNotContainKeys("amount_max_10m", "amount_max_1d", "first_country");
            List<NaiveOracle.Ev> mineAll = ofAccount(all, account);
            List<NaiveOracle.Ev> mineAfter = ofAccount(afterRestart, account);
            for (var x : expectations.entrySet()) {
                String name = x.getKey();
                NaiveOracle.Spec spec = x.getValue().spec();
                Object overAll = NaiveOracle.value(spec, mineAll, v.asOf());
                Object overSecondHalf = NaiveOracle.value(spec, mineAfter, v.asOf());
                OracleAssertions.assertMatches(Aggregation.fromYaml(spec.agg()).orElseThrow(), 0.5, spec.k(),
                        account + "." + name + " at " + v.asOf(), actual.get(name),
                        x.getValue().fromRestart() ? overSecondHalf : overAll);
                if (!java.util.Objects.equals(overAll, overSecondHalf)) {
                    historyShows.add(name);
                }
            }
            if (!mineAll.isEmpty()) {
                nonEmpty++;
            }
        }
        assertThat(nonEmpty).as("accounts with payments").isGreaterThan(ACCOUNTS / 2);
        assertThat(historyShows).as("features whose value over all events differs from the value over the second"
                        + " half for some account")
                .contains("big_amount_sum_1d", "amount_sum_30d", "first_merchant", "payment_count_12h",
                        "first_country_seen", "payment_count_1d");
    }

    private static List<NaiveOracle.Ev> ofAccount(List<NaiveOracle.Ev> events, String account) {
        return events.stream().filter(e -> account.equals(e.fields().get("account_id"))).toList();
    }

    /** Slot fingerprints of every ring of the account group, as compiled from {@code defs}. */
    static Set<Long> fingerprints(Definitions defs) {
        FeatureGroup g = defs.group(GROUP).orElseThrow();
        GroupAggregator agg = GroupAggregator.compile(g, dev.tessera.core.event.SourceFields.layout(defs, defs.sourceOf(g)));
        Set<Long> fps = new HashSet<>();
        for (int h = 0; h < agg.hopCount(); h++) {
            for (long fp : agg.slotFingerprints(h)) {
                fps.add(fp);
            }
        }
        return fps;
    }

    /** A stored tile: its key and the fingerprints of its slots (all, and those holding state). */
    record StoredTile(TileKey key, List<Long> slots, List<Long> nonEmptySlots) {}

    /** Every stored tile: those under TILES and the head tiles inside entity values (RuntimeStateCodec). */
    static List<StoredTile> tiles(TileStore store) {
        // the slot layouts tiles name, as the store describes them: META "tile-layout/<id>" -> version 1 | n | fingerprint{n}
        java.util.Map<Long, List<Long>> layouts = new java.util.HashMap<>();
        store.scan(Space.META, "tile-layout/".getBytes(java.nio.charset.StandardCharsets.UTF_8), (k, v) -> {
            ByteReader in = new ByteReader(v);
            assertThat(in.readByte()).as("layout format version").isEqualTo(1);
            List<Long> fps = new ArrayList<>();
            for (int i = in.readLength(); i > 0; i--) {
                fps.add(in.readLong());
            }
            String id = new String(k, java.nio.charset.StandardCharsets.UTF_8).substring("tile-layout/".length());
            layouts.put(Long.parseUnsignedLong(id, 16), fps);
        });
        List<StoredTile> out = new ArrayList<>();
        store.scan(Space.TILES, new byte[0], (k, v) -> out.add(walk(TileKey.decode(k), v, layouts)));
        store.scan(Space.ENTITIES, new byte[0], (k, v) -> {
            TileKey.EntityAddress address = TileKey.decodeEntityPrefix(k);
            for (RuntimeStateCodec.Head head : RuntimeStateCodec.decodeEntity(v).heads()) {
                TileKey key = TileKey.decode(TileKey.encode(k, head.hopMillis(), head.start()));
                assertThat(key.group()).isEqualTo(address.group());
                out.add(walk(key, head.tile(), layouts));
            }
        });
        return out;
    }

    /** Reads a tile as TileCodec's layout comment draws it: version 2 | layout id | n | (len | ir){n}, fingerprints from the layout. */
    static StoredTile walk(TileKey key, byte[] bytes, java.util.Map<Long, List<Long>> layouts) {
        ByteReader in = new ByteReader(bytes);
        assertThat(in.readByte()).as("tile format version of %s", key).isEqualTo(2);
        List<Long> layout = layouts.get(in.readLong());
        assertThat(layout).as("the store describes the layout of tile %s", key).isNotNull();
        int n = in.readLength();
        assertThat(n).as("slots of tile %s", key).isEqualTo(layout.size());
        List<Long> slots = new ArrayList<>();
        List<Long> nonEmpty = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long fp = layout.get(i);
            byte[] ir = in.readBytes();
            slots.add(fp);
            if (ir.length > 0) {
                nonEmpty.add(fp);
            }
        }
        assertThat(in.remaining()).as("trailing bytes of tile %s", key).isZero();
        return new StoredTile(key, slots, nonEmpty);
    }

    static int entityHeaders(TileStore store, String group) {
        int[] n = {0};
        store.scan(Space.ENTITIES, new byte[0], (k, v) -> {
            if (TileKey.decodeEntityPrefix(k).group().equals(group)) {
                n[0]++;
            }
        });
        return n[0];
    }

    static Path write(Path dir, String yaml) throws java.io.IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("payments.yaml"), yaml);
        return dir;
    }
}
