package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.InMemoryTileStore;
import dev.tessera.store.RedisServerProcess;
import dev.tessera.store.RedisTileStore;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import dev.tessera.store.WriteSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stateless reader against the live runtime: the embedded runtime consumes two days of payments
 * (a few thousand events, a few hundred accounts, in two phases so commits demote heads, evict old
 * tiles and meet late events) on a real broker into a real store, and for every entity of every
 * group — a single-key group, a composite-key group, and entities that never had an event — the
 * {@link StoreFeatureReader} over the store reads exactly what the runtime's own reader serves at
 * the same {@code now}, and the account values also match the naive oracle; so does a read during
 * which a commit lands between the get of the entity's value and the scan of its tiles. Once on
 * RocksDB, once on a real {@code redis-server}.
 */
class StoreFeatureReaderTest {
    private static final String EXTRA_GROUPS = PaymentsWorld.COMPOSITE_GROUP;
    private static final int ACCOUNTS = 300;

    @TempDir
    static Path tmp;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void readsWhatTheRuntimeServesOnRocksDb() throws Exception {
        try (TileStore store = RocksDbTileStore.open(tmp.resolve("rocks"))) {
            runAndCompare("rocks", store, 1);
        }
    }

    @Test
    void readsWhatTheRuntimeServesOnRedis() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start();
             TileStore store = RedisTileStore.open(redis.uri(), "tessera-test:")) {
            runAndCompare("redis", store, 2);
        }
    }

    private static void runAndCompare(String name, TileStore store, long seed) throws Exception {
        String topic = "reader." + name;
        kafka.createTopics(Map.of(topic, PaymentsWorld.PARTITIONS, topic + ".dlq", 1));
        Path defsDir = Files.createDirectories(tmp.resolve("features-" + name));
        Files.writeString(defsDir.resolve("payments.yaml"),
                PaymentsWorld.DEFINITIONS.replace(PaymentsWorld.TOPIC, topic) + EXTRA_GROUPS);
        Definitions defs = DefinitionLoader.load(defsDir);
        long now = System.currentTimeMillis();
        long start = now - 2 * 86_400_000L;
        Random rnd = new Random(seed);
        List<PaymentsWorld.Produced> phase1 = PaymentsWorld.payments(rnd, 1_500, ACCOUNTS, start, start + 86_400_000L, 0);
        List<PaymentsWorld.Produced> phase2 = PaymentsWorld.payments(rnd, 2_500, ACCOUNTS, start + 86_400_000L, now - 60_000, 100_000);
        RuntimeConfig config = RuntimeConfig.defaults(kafka.bootstrapServers()).withCommitInterval(Duration.ofMillis(50));
        try (KafkaProducer<String, byte[]> producer = RuntimeEndToEndTest.producer(kafka.bootstrapServers());
             StreamRuntime rt = StreamRuntime.start(defs, defsDir, store, config)) {
            send(producer, topic, phase1);
            rt.awaitCaughtUp(Duration.ofSeconds(60));
            TileStore afterPhase1 = copyOf(store);
            // a reader that has decoded (and cached) every entity as phase 1 left it must see phase 2
            StoreFeatureReader early = new StoreFeatureReader(defs, store);
            for (String group : rt.reader().groups()) {
                for (List<String> key : keysOf(group)) {
                    early.read(group, key, System.currentTimeMillis());
                }
            }
            send(producer, topic, phase2);
            rt.awaitCaughtUp(Duration.ofSeconds(60));

            StoreFeatureReader stored = new StoreFeatureReader(defs, store);
            FeatureReader live = rt.reader();
            assertThat(stored.groups()).containsExactlyElementsOf(live.groups()).contains("account_payments", "card_merchant");
            long readAt = System.currentTimeMillis();
            int found = 0;
            for (String group : live.groups()) {
                assertThat(stored.servedNames(group)).isEqualTo(live.servedNames(group));
                assertThat(stored.entityKeyFields(group)).isEqualTo(live.entityKeyFields(group));
                assertThat(stored.sourceOf(group)).isEqualTo(live.sourceOf(group));
                assertThat(stored.newestEventTime(group)).as("newest event time of %s", group)
                        .isEqualTo(live.newestEventTime(group)).isNotEqualTo(Long.MIN_VALUE);
                for (List<String> key : keysOf(group)) {
                    FeatureValues expected = live.read(group, key, readAt);
                    FeatureValues actual = stored.read(group, key, readAt);
                    assertThat(actual).as("%s %s on %s", group, key, name).isEqualTo(expected);
                    assertThat(early.read(group, key, readAt)).as("%s %s on %s, read before by the same reader", group, key, name)
                            .isEqualTo(expected);
                    if (expected.found()) {
                        found++;
                    }
                }
            }
            assertThat(found).as("entities with state").isGreaterThan(ACCOUNTS / 2 + 20);

            // a commit lands between the reader's get of an entity's value and the scan of its tiles:
            // the first get sees the store after phase 1, everything else the store now
            StoreFeatureReader racing = new StoreFeatureReader(defs, new CommitBetweenReads(afterPhase1, store));
            int changed = 0;
            for (String group : live.groups()) {
                for (List<String> key : keysOf(group)) {
                    FeatureValues expected = live.read(group, key, readAt);
                    assertThat(racing.read(group, key, readAt)).as("%s %s on %s, a commit mid-read", group, key, name)
                            .isEqualTo(expected);
                    if (!expected.equals(new StoreFeatureReader(defs, afterPhase1).read(group, key, readAt))) {
                        changed++;
                    }
                }
            }
            assertThat(changed).as("entities phase 2 changed").isGreaterThan(ACCOUNTS / 2);

            List<NaiveOracle.Ev> applied = new ArrayList<>();
            phase1.forEach(p -> applied.add(p.event()));
            phase2.forEach(p -> applied.add(p.event()));
            RuntimeEndToEndTest.assertMatchesOracle(stored, applied, ACCOUNTS);
        }
    }

    private static TileStore copyOf(TileStore store) {
        TileStore copy = new InMemoryTileStore();
        for (TileStore.Space space : TileStore.Space.values()) {
            WriteSet ws = new WriteSet();
            store.scan(space, new byte[0], (k, v) -> ws.put(space, k, v));
            copy.write(ws);
        }
        return copy;
    }

    /** {@code now}, except that the first get of each entity value answers from {@code before}. */
    private record CommitBetweenReads(TileStore before, TileStore now, Set<String> seen) implements TileStore {
        CommitBetweenReads(TileStore before, TileStore now) {
            this(before, now, new HashSet<>());
        }

        @Override
        public byte[] get(Space space, byte[] key) {
            if (space == Space.ENTITIES && seen.add(HexFormat.of().formatHex(key))) {
                return before.get(space, key);
            }
            return now.get(space, key);
        }

        @Override
        public void scan(Space space, byte[] prefix, BiConsumer<byte[], byte[]> visitor) {
            now.scan(space, prefix, visitor);
        }

        @Override
        public void write(WriteSet writes) {
            throw new UnsupportedOperationException("read only");
        }

        @Override
        public long approximateSizeBytes() {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    private static List<List<String>> keysOf(String group) {
        return PaymentsWorld.keysOf(group, ACCOUNTS);
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, List<PaymentsWorld.Produced> records)
            throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (PaymentsWorld.Produced r : records) {
            acks.add(producer.send(new ProducerRecord<>(topic, r.partition(), r.key(), r.value())));
        }
        for (Future<RecordMetadata> f : acks) {
            f.get();
        }
    }
}
