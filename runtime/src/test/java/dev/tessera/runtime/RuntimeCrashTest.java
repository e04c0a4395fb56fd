package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once across crashes: a child JVM runs the runtime over RocksDB and is killed with SIGKILL
 * at random points while consuming, 20 times, with more events produced before each restart. After
 * the last restart every served value equals the oracle over the good events, and the outcome
 * counters are exact (committed with the state, so nothing is counted twice). Seeded:
 * {@code -Dtessera.seed=N}; kills: {@code -Dtessera.crash.kills.runtime=N} (default 20).
 */
@Tag("reliability")
class RuntimeCrashTest {
    static final int KILLS = Integer.getInteger("tessera.crash.kills.runtime", 20);

    @TempDir
    Path tmp;

    @Test
    void killedAtRandomPointsTheValuesStillEqualTheOracle() throws Exception {
        long started = System.nanoTime();
        long seed = Long.getLong("tessera.seed", 7);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            kafka.createTopics(Map.of(PaymentsWorld.TOPIC, PaymentsWorld.PARTITIONS));
            Path defsDir = PaymentsWorld.writeDefinitions(tmp.resolve("features"));
            Path storeDir = tmp.resolve("store");
            Random rnd = new Random(seed);
            long now = System.currentTimeMillis();
            long start = now - 5 * 3_600_000L;
            long chunk = (now - 120_000 - start) / (KILLS + 1);
            List<NaiveOracle.Ev> good = new ArrayList<>();
            long duplicates = 0;
            long malformed = 0;
            int kills = 0;
            int midStream = 0;
            long produced = 0;
            try (KafkaProducer<String, byte[]> producer = RuntimeEndToEndTest.producer(kafka.bootstrapServers())) {
                for (int round = 0; round <= KILLS; round++) {
                    List<PaymentsWorld.Produced> batch = PaymentsWorld.payments(rnd, 8_000, 60,
                            start + round * chunk, start + (round + 1) * chunk, round * 100_000);
                    List<PaymentsWorld.Produced> toSend = new ArrayList<>();
                    for (PaymentsWorld.Produced p : batch) {
                        good.add(p.event());
                        toSend.add(p);
                        if (rnd.nextInt(50) == 0) {
                            toSend.add(p);
                            duplicates++;
                        }
                        if (rnd.nextInt(500) == 0) {
                            toSend.add(new PaymentsWorld.Produced(p.partition(), p.key(), PaymentsWorld.utf8("{oops"), null));
                            malformed++;
                        }
                    }
                    RuntimeEndToEndTest.send(producer, toSend);
                    produced += toSend.size();
                    if (round < KILLS) {
                        long before = committedRecords(storeDir);
                        // kill once the child has consumed a random share of what is left, between commits
                        long target = before + 1 + (long) (rnd.nextDouble() * (produced - before - 2));
                        runAndKill(kafka.bootstrapServers(), defsDir, storeDir, target);
                        kills++;
                        long after = committedRecords(storeDir);
                        if (after > before && after < produced) {
                            midStream++; // killed while consuming, after some commits
                        }
                    }
                }
            }
            Definitions defs = DefinitionLoader.load(defsDir);
            try (TileStore store = RocksDbTileStore.open(storeDir);
                 StreamRuntime rt = StreamRuntime.start(defs, defsDir, store,
                         RuntimeConfig.defaults(kafka.bootstrapServers()).withDeadLetters(false))) {
                rt.awaitCaughtUp(Duration.ofSeconds(120));
                Map<String, Long> counters = rt.counters("payments");
                long[] checked = lostAndDoubled(rt.reader(), good, 60);
                System.out.printf(Locale.ROOT, "RuntimeCrashTest seed %d: %d kills, %d mid-stream; %d events checked: lost %d,"
                                + " double-counted %d; %.1f s (%d records produced: %d good, %d duplicates, %d malformed)%n",
                        seed, kills, midStream, checked[0], checked[1], checked[2], (System.nanoTime() - started) / 1e9, produced,
                        good.size(), duplicates, malformed);
                assertThat(kills).isEqualTo(KILLS);
                assertThat(midStream).as("kills that landed mid-stream, after progress").isGreaterThanOrEqualTo(KILLS / 2);
                assertThat(checked).as("events checked, lost, double-counted").containsExactly(good.size(), 0, 0);
                assertThat(counters.get("accepted")).isEqualTo((long) good.size());
                assertThat(counters.get("duplicate")).isEqualTo(duplicates);
                assertThat(counters.get("malformed")).isEqualTo(malformed);
                assertThat(counters.get("in")).isEqualTo(good.size() + duplicates + malformed);
                RuntimeEndToEndTest.assertMatchesOracle(rt.reader(), good, 60);
            }
        }
    }

    /**
     * By each account's {@code payment_count_1d} (every event of the run is inside the day): the events
     * the oracle counts, those it counts and the store does not (lost), and the reverse (double-counted).
     */
    static long[] lostAndDoubled(FeatureReader reader, List<NaiveOracle.Ev> good, int accounts) {
        NaiveOracle.Spec count = PaymentsWorld.oracleSpecs().get("payment_count_1d");
        Map<String, List<NaiveOracle.Ev>> byAccount = new HashMap<>();
        good.forEach(e -> byAccount.computeIfAbsent((String) e.fields().get("account_id"), a -> new ArrayList<>()).add(e));
        long[] out = new long[3];
        for (int a = 0; a < accounts; a++) {
            FeatureValues v = reader.read("account_payments", List.of("acct-" + a), System.currentTimeMillis());
            long expected = (Long) NaiveOracle.value(count, byAccount.getOrDefault("acct-" + a, List.of()), v.asOf());
            long served = ((Number) v.asMap().get("payment_count_1d")).longValue();
            out[0] += expected;
            out[1] += Math.max(0, expected - served);
            out[2] += Math.max(0, served - expected);
        }
        return out;
    }

    /** Records the committed offsets cover (the child is dead: the store can be opened). */
    private static long committedRecords(Path storeDir) {
        if (!java.nio.file.Files.exists(storeDir)) {
            return 0;
        }
        try (TileStore store = RocksDbTileStore.open(storeDir)) {
            byte[] bytes = store.get(TileStore.Space.PROGRESS, RuntimeStateCodec.progressKey("payments"));
            if (bytes == null) {
                return 0;
            }
            long sum = 0;
            for (long o : RuntimeStateCodec.decodeProgress(bytes).nextOffsets()) {
                sum += Math.max(0, o);
            }
            return sum;
        }
    }

    private static void runAndKill(String bootstrap, Path defsDir, Path storeDir, long killAt) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path childTmp = java.nio.file.Files.createDirectories(storeDir.resolveSibling("child-tmp"));
        Process child = new ProcessBuilder(javaBin, "-Xmx512m", "-Djava.io.tmpdir=" + childTmp, "-cp", System.getProperty("java.class.path"),
                CrashTestRuntimeMain.class.getName(), bootstrap, defsDir.toString(), storeDir.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null && !line.equals("STARTED")) {
                seen.append(line).append('\n');
            }
            assertThat(line).as("child output:\n%s", seen).isEqualTo("STARTED");
            while ((line = out.readLine()) != null) {
                if (line.startsWith("IN ") && Long.parseLong(line.substring(3)) >= killAt) {
                    break;
                }
            }
            assertThat(line).as("the child died before consuming %d records", killAt).isNotNull();
            Thread drain = new Thread(() -> {
                try {
                    out.transferTo(java.io.Writer.nullWriter());
                } catch (java.io.IOException ignored) {
                    // the process is gone
                }
            });
            drain.setDaemon(true);
            drain.start();
        } finally {
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
