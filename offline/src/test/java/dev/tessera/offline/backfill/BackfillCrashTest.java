package dev.tessera.offline.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.Aggregation;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.core.oracle.OracleAssertions;
import dev.tessera.core.tile.TileKey;
import dev.tessera.offline.archive.ArchiveConfig;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.archive.Archiver;
import dev.tessera.offline.imports.Importer;
import dev.tessera.runtime.FeatureReader;
import dev.tessera.runtime.GroupStateRewrite;
import dev.tessera.runtime.RuntimeConfig;
import dev.tessera.runtime.StoreFeatureReader;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import dev.tessera.store.TileStore.Space;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash while backfilling (issue 11): a stream applies one feature to an online store and drops some
 * late events; the archive holds what the stream consumed, what it has yet to read and an imported
 * history; features are added and a child JVM backfills the group from the archive into the store
 * ({@link CrashTestBackfillMain}, as {@code tessera backfill} does), and is killed with SIGKILL at
 * random points — reading the archive, between and inside its store writes — then run again, until
 * a run completes.
 *
 * <p>After every kill, each entity of the group is byte for byte either as it was before any backfill
 * or as an uninterrupted backfill (of a copy of the store) leaves it: never half-replaced, so what a
 * restarted runtime would serve is one or the other, both correct (ADR 009). After the last run the
 * store is exactly the uninterrupted one, the committed offsets are untouched, no spill is left in
 * the work folder, and every served value equals the naive oracle over the events the stream had
 * consumed plus the imported ones, each once; the stream then resumes, applies only what it had not
 * consumed, and every value equals the oracle over every archived event. Seeded:
 * {@code -Dtessera.seed=N}; kills: {@code -Dtessera.crash.kills.backfill=N} (default 8).
 */
@Tag("reliability")
class BackfillCrashTest {
    static final int KILLS = Integer.getInteger("tessera.crash.kills.backfill", 8);
    static final int BUCKETS = 64;
    static final String GROUP = "account_payments";
    static final String TOPIC = "bfc.payments";
    static final int PARTITIONS = 3;
    static final int ACCOUNTS = 1_000;
    static final long H = 3_600_000L;
    static final long D = 24 * H;
    static final ObjectMapper JSON = new ObjectMapper();

    static final String COMMON = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: bfc.payments }
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
              - { name: payment_count, agg: count, windows: [1d, 7d] }
            """;
    static final String ADDED = """
              - { name: amount_sum,     agg: sum, of: amount, windows: [1d, 7d] }
              - { name: declined_count, agg: count, where: "status == 'DECLINED'", windows: [7d] }
              - { name: recent_cards,   agg: last_k, k: 3, of: card, windows: [7d] }
              - { name: top_merchants,  agg: top_k, k: 2, of: merchant, windows: [7d] }
              - { name: first_country,  agg: first, of: country }
              - { name: total,          agg: count }
            """;

    @TempDir
    Path tmp;

    @Test
    void killedAtRandomPointsAndRunAgainTheStoreHoldsEveryEventOnce() throws Exception {
        long started = System.nanoTime();
        long seed = Long.getLong("tessera.seed", 7);
        Random rnd = new Random(seed);
        long now = System.currentTimeMillis();
        Path v1 = defs(tmp.resolve("v1"), COMMON);
        Path v2 = defs(tmp.resolve("v2"), COMMON + ADDED);
        Definitions d1 = DefinitionLoader.load(v1);
        Definitions d2 = DefinitionLoader.load(v2);
        Path data = tmp.resolve("data");
        Path storeDir = data.resolve("store");

        // the oracle's events: what the stream consumed (late ones included) and the import; then what it has yet to read
        List<NaiveOracle.Ev> consumed = new ArrayList<>();
        List<NaiveOracle.Ev> ahead = new ArrayList<>();
        long acceptedBefore;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            kafka.createTopics(Map.of(TOPIC, PARTITIONS));
            RuntimeConfig config = RuntimeConfig.defaults(kafka.bootstrapServers()).withDeadLetters(false);
            try (KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
                List<Map<String, Object>> phase1 = new ArrayList<>();
                for (int i = 0; i < 20_000; i++) {
                    phase1.add(BackfillTest.payment(rnd, "p1-" + i, "acct-" + rnd.nextInt(ACCOUNTS), now - 2 * D + (long) i * D / 20_000));
                }
                send(producer, phase1, rnd, true, consumed);
                try (TileStore store = RocksDbTileStore.open(storeDir);
                     StreamRuntime rt = StreamRuntime.start(d1, v1, store, config)) {
                    rt.awaitCaughtUp(Duration.ofSeconds(120)); // sets the watermark
                    List<Map<String, Object>> late = new ArrayList<>();
                    for (int i = 0; i < 200; i++) {
                        late.add(BackfillTest.payment(rnd, "late-" + i, "acct-" + rnd.nextInt(ACCOUNTS), now - 3 * D - rnd.nextInt((int) H)));
                    }
                    send(producer, late, rnd, false, consumed); // no copies: a copy of a late event is late too
                    rt.awaitCaughtUp(Duration.ofSeconds(60));
                    assertThat(rt.counters("payments").get("late")).as("dropped by the stream, kept by the archive").isEqualTo(200L);
                    acceptedBefore = rt.counters("payments").get("accepted");
                }
                List<Map<String, Object>> phase2 = new ArrayList<>();
                for (int i = 0; i < 3_000; i++) {
                    phase2.add(BackfillTest.payment(rnd, "p2-" + i, "acct-" + rnd.nextInt(ACCOUNTS), now - D + (long) i * (D - 60_000) / 3_000));
                }
                send(producer, phase2, rnd, true, ahead); // in Kafka and the archive, not yet in the store: left to the stream
            }
            try (Archiver a = Archiver.start(d2, v2, d2.source("payments").orElseThrow(), data.resolve("archive"),
                    ArchiveConfig.defaults(kafka.bootstrapServers()))) {
                a.awaitCaughtUp(Duration.ofSeconds(120));
            }
            // a history older than the topic, for the accounts and for some the stream never saw
            Path dump = tmp.resolve("history.jsonl");
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < 8_000; i++) {
                String account = i % 10 == 0 ? "old-" + rnd.nextInt(100) : "acct-" + rnd.nextInt(ACCOUNTS);
                Map<String, Object> f = BackfillTest.payment(rnd, "h-" + i, account, now - 6 * D + (long) (rnd.nextDouble() * 3 * D));
                lines.append(JSON.writeValueAsString(f)).append('\n');
                consumed.add(BackfillTest.oracle(f));
            }
            Files.writeString(dump, lines);
            Importer.Report imported = new Importer(d2, v2, data.resolve("archive")).run(
                    Importer.Options.of("payments", List.of(dump), data.resolve("tmp")), Importer.Progress.NONE);
            assertThat(imported.archived()).isEqualTo(8_000);
            long archived = ArchiveReader.open(data.resolve("archive"), "payments").count();
            assertThat(archived).isEqualTo(consumed.size() + ahead.size());

            // the uninterrupted backfill, on a copy of the store: what every entity must end as
            Map<String, String> before = entityStates(storeDir);
            String progressBefore = progress(storeDir);
            Path referenceDir = tmp.resolve("reference-store");
            copyTree(storeDir, referenceDir);
            try (TileStore store = RocksDbTileStore.open(referenceDir)) {
                Backfill.Report r = new Backfill(d2, v2, store).run(new Backfill.Options(GROUP, null, null, tmp.resolve("reference-work"),
                        BUCKETS), ArchiveReader.open(data.resolve("archive"), "payments"), nextOffsets(data), Backfill.Progress.NONE);
                assertThat(r.eventsApplied()).isEqualTo(consumed.size());
                assertThat(r.eventsLeft()).as("left to the stream").isEqualTo(ahead.size());
            }
            Map<String, String> reference = entityStates(referenceDir);
            long changed = reference.keySet().stream().filter(k -> !reference.get(k).equals(before.get(k))).count();
            assertThat(changed).as("entities a backfill changes (else a kill could not be told from no kill)")
                    .isEqualTo(reference.size());
            assertThat(reference.size()).as("with entities only the import has").isGreaterThan(before.size());

            // kill, inspect, run again
            int kills = 0;
            int completedBeforeTheKill = 0;
            int whileScanning = 0;
            int afterTheRead = 0;
            int midRewrite = 0;
            int afterLastWrite = 0;
            int partlyReplaced = 0;
            int spillsLeft = 0;
            Set<String> halfReplaced = new HashSet<>();
            long scanTotal = archived;
            int attempts = 0;
            int writeAttempts = 0;
            int writeKills = Math.max(1, KILLS - (KILLS + 2) / 3); // the kills with attempts % 3 != 0
            while (kills < KILLS) {
                assertThat(kills + completedBeforeTheKill).as("runs that completed before their kill").isLessThan(2 * KILLS);
                // one run in three is killed while reading the archive (or just after), the others while writing the store,
                // each a little further on than the one before (random within its share of the buckets): every run
                // resumes from another partly replaced store instead of the first run that gets far replacing everything
                String target;
                if (attempts++ % 3 != 0) {
                    int share = Math.max(1, (BUCKETS - 2) / writeKills);
                    target = "TILES " + Math.min(BUCKETS - 2, 1 + Math.min(writeAttempts++, writeKills - 1) * share + rnd.nextInt(share));
                } else {
                    target = rnd.nextInt(4) == 0 ? "SCANNED" : "SCAN " + 250 * (1 + rnd.nextInt((int) (scanTotal / 250) - 1));
                }
                String last = runChild(v2, data, target::equals, rnd.nextInt(3));
                if (last.startsWith("DONE")) {
                    completedBeforeTheKill++;
                    continue;
                }
                kills++;
                if (last.startsWith("SCAN ") || last.isEmpty()) {
                    whileScanning++;
                } else if (last.equals("SCANNED")) {
                    afterTheRead++;
                } else if (last.equals("TILES " + BUCKETS)) {
                    afterLastWrite++;
                } else {
                    midRewrite++;
                }
                Map<String, String> state = entityStates(storeDir);
                int replaced = 0;
                Set<String> all = new HashSet<>(reference.keySet());
                all.addAll(before.keySet());
                all.addAll(state.keySet());
                for (String entity : all) {
                    String s = state.get(entity);
                    if (Objects.equals(s, reference.get(entity))) {
                        replaced++;
                    } else if (!Objects.equals(s, before.get(entity))) {
                        halfReplaced.add(entity);
                    }
                }
                if (replaced > 0 && replaced < reference.size()) {
                    partlyReplaced++;
                }
                assertThat(progress(storeDir)).as("committed offsets untouched").isEqualTo(progressBefore);
                spillsLeft += filesUnder(data.resolve("tmp")).size();
            }
            String last = runChild(v2, data, line -> false, 0);
            assertThat(last).as("the last run completes").startsWith("DONE");
            long rewriteMillis = Long.parseLong(last.split(" ")[3]);
            Map<String, String> finalState = entityStates(storeDir);
            Set<String> unlikeReference = new TreeSet<>(reference.keySet());
            unlikeReference.addAll(finalState.keySet());
            unlikeReference.removeIf(k -> Objects.equals(finalState.get(k), reference.get(k)));
            String progressAfter = progress(storeDir);

            // figures first (so a failing run still reports them), then the assertions
            Map<String, List<NaiveOracle.Ev>> consumedBy = byAccount(consumed);
            Map<String, List<NaiveOracle.Ev>> everyBy = byAccount(Stream.concat(consumed.stream(), ahead.stream()).toList());
            Map<String, Map<String, Object>> afterBackfill;
            try (TileStore store = RocksDbTileStore.open(storeDir)) {
                afterBackfill = readAll(new StoreFeatureReader(d2, store), consumedBy.keySet(), now);
            }
            long[] lostAndDoubledByBackfill = lostAndDoubled(afterBackfill, consumedBy, now);
            Map<String, Map<String, Object>> afterStream;
            Map<String, Long> counters;
            try (TileStore store = RocksDbTileStore.open(storeDir);
                 StreamRuntime rt = StreamRuntime.start(d2, v2, store, config)) {
                rt.awaitCaughtUp(Duration.ofSeconds(120));
                counters = rt.counters("payments");
                afterStream = readAll(rt.reader(), everyBy.keySet(), now);
            }
            long[] lostAndDoubled = lostAndDoubled(afterStream, everyBy, now);
            List<String> spillsAtEnd = filesUnder(data.resolve("tmp"));
            System.out.printf(Locale.ROOT, "BackfillCrashTest seed %d: %d kills, %d mid-rewrite; %d events checked: lost %d,"
                            + " double-counted %d; %.1f s (kills: %d while reading the archive, %d after the read and before the first"
                            + " bucket was written, %d mid-rewrite with some of the %d buckets written, %d after the last bucket; %d runs"
                            + " completed before their kill; store partly replaced after %d kills; %d entities half-replaced of %d;"
                            + " after the backfill, before the stream: %d events, lost %d, double-counted %d; spill files: %d left by"
                            + " kills, %d after the last run; the last run wrote the store in %d ms)%n",
                    seed, kills, midRewrite, consumed.size() + ahead.size(), lostAndDoubled[0], lostAndDoubled[1],
                    (System.nanoTime() - started) / 1e9, whileScanning, afterTheRead, midRewrite, BUCKETS, afterLastWrite,
                    completedBeforeTheKill, partlyReplaced, halfReplaced.size(), reference.size(), consumed.size(),
                    lostAndDoubledByBackfill[0], lostAndDoubledByBackfill[1], spillsLeft, spillsAtEnd.size(), rewriteMillis);

            assertThat(halfReplaced).as("entities neither as before nor as backfilled after a kill").isEmpty();
            assertThat(midRewrite).as("kills between the first and the last write of a run (seed %d)", seed).isGreaterThanOrEqualTo(KILLS / 3);
            assertThat(partlyReplaced).as("kills that left some entities replaced and others not (seed %d)", seed).isPositive();
            assertThat(unlikeReference).as("entities (key hex) not as an uninterrupted backfill leaves them").isEmpty();
            assertThat(progressAfter).as("committed offsets untouched").isEqualTo(progressBefore);
            assertThat(spillsAtEnd).as("spill files left in the work folder after the last, complete run").isEmpty();
            assertThat(lostAndDoubledByBackfill).as("lost, double-counted after the backfill").containsExactly(0, 0);
            assertMatchesOracle(afterBackfill, consumedBy, now);
            assertThat(counters.get("accepted") - acceptedBefore).as("the stream applies only what it had not consumed")
                    .isEqualTo(ahead.size());
            assertThat(lostAndDoubled).as("lost, double-counted after the stream resumed").containsExactly(0, 0);
            assertMatchesOracle(afterStream, everyBy, now);
        }
    }

    // ---- the child -----------------------------------------------------------------------------

    /**
     * Runs the backfill in a child JVM and SIGKILLs it {@code delayMillis} after it printed a line
     * {@code killAt} accepts (never, to let it finish). Returns the last progress line the child
     * printed before it died ({@code DONE ...} when it completed; empty when it printed none).
     */
    private static String runChild(Path defsDir, Path data, Predicate<String> killAt, int delayMillis) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path childTmp = Files.createDirectories(data.resolveSibling("child-tmp")); // RocksDB unpacks its library here
        Process child = new ProcessBuilder(javaBin, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + childTmp,
                "-cp", System.getProperty("java.class.path"), CrashTestBackfillMain.class.getName(), defsDir.toString(), data.toString(),
                GROUP, Integer.toString(BUCKETS))
                .redirectErrorStream(true).start();
        String last = "";
        StringBuilder other = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            boolean killed = false;
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("SCAN") || line.startsWith("TILES") || line.startsWith("DONE")) {
                    last = line;
                } else {
                    other.append(line).append('\n');
                }
                if (!killed && killAt.test(line)) {
                    if (delayMillis > 0) {
                        Thread.sleep(delayMillis); // let it run on a little: kills land inside a bucket, not only after one
                    }
                    // SIGKILL through the handle: Process.destroyForcibly would also close the pipe, and what the
                    // child printed before it died (where the kill landed) is read on
                    child.toHandle().destroyForcibly();
                    killed = true;
                }
            }
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            if (!killed || last.startsWith("DONE")) {
                assertThat(last).as("the child failed on its own:\n%s", other).startsWith("DONE");
                assertThat(child.exitValue()).as("the child's exit:\n%s", other).isIn(0, 137);
            }
            return last;
        } finally {
            child.destroyForcibly();
        }
    }

    // ---- the store -------------------------------------------------------------------------------

    /** Per entity of the group (hex of its key): a digest of its value and of every tile it has, keys included. */
    static Map<String, String> entityStates(Path storeDir) throws Exception {
        Map<String, MessageDigest> digests = new TreeMap<>();
        HexFormat hex = HexFormat.of();
        try (TileStore store = RocksDbTileStore.open(storeDir)) {
            byte[] group = TileKey.groupPrefix(GROUP);
            store.scan(Space.ENTITIES, group, (k, v) -> update(digests, hex.formatHex(k), "value", k, v));
            store.scan(Space.TILES, group, (k, v) ->
                    update(digests, hex.formatHex(Arrays.copyOf(k, TileKey.entityPrefixLengthOfTileKey(k))), "tile", k, v));
        }
        Map<String, String> out = new TreeMap<>();
        digests.forEach((entity, d) -> out.put(entity, hex.formatHex(d.digest())));
        return out;
    }

    private static void update(Map<String, MessageDigest> digests, String entity, String kind, byte[] key, byte[] value) {
        MessageDigest d = digests.computeIfAbsent(entity, e -> {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException x) {
                throw new IllegalStateException(x);
            }
        });
        for (byte[] part : new byte[][] {kind.getBytes(StandardCharsets.UTF_8), key, value}) {
            d.update(java.nio.ByteBuffer.allocate(4).putInt(part.length).array());
            d.update(part);
        }
    }

    /** The stream's committed offsets and watermark for the source, as text (a backfill must not change them). */
    private static String progress(Path storeDir) {
        try (TileStore store = RocksDbTileStore.open(storeDir)) {
            GroupStateRewrite.Committed c = GroupStateRewrite.committed(store, "payments");
            return Arrays.toString(c.nextOffsets()) + " watermark " + c.watermark();
        }
    }

    private static long[] nextOffsets(Path data) {
        Map<Integer, Long> next = ArchiveReader.open(data.resolve("archive"), "payments").nextOffsets();
        long[] out = new long[PARTITIONS];
        Arrays.fill(out, -1);
        next.forEach((p, o) -> out[p] = o);
        return out;
    }

    /** The files under {@code dir} (relative), e.g. spills a backfill left in its work folder. */
    private static List<String> filesUnder(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(f -> dir.relativize(f).toString()).sorted().toList();
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals("LOCK")) {
                    Files.copy(p, target);
                }
            }
        }
    }

    // ---- events and the oracle -----------------------------------------------------------------------

    static Path defs(Path dir, String yaml) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("defs.yaml"), yaml);
        return dir;
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Produces each event keyed by account, with {@code copies} one in fifty twice in a row (the stream
     * and the archive drop the copy); adds each once to {@code into}.
     */
    static void send(KafkaProducer<String, byte[]> producer, List<Map<String, Object>> events, Random rnd, boolean copies,
            List<NaiveOracle.Ev> into) throws Exception {
        List<Future<?>> acks = new ArrayList<>();
        for (Map<String, Object> f : events) {
            byte[] value = JSON.writeValueAsBytes(f);
            int n = copies && rnd.nextInt(50) == 0 ? 2 : 1;
            for (int c = 0; c < n; c++) {
                acks.add(producer.send(new ProducerRecord<>(TOPIC, (String) f.get("account_id"), value)));
            }
            into.add(BackfillTest.oracle(f));
        }
        for (Future<?> a : acks) {
            a.get();
        }
    }

    static Map<String, List<NaiveOracle.Ev>> byAccount(List<NaiveOracle.Ev> events) {
        Map<String, List<NaiveOracle.Ev>> out = new TreeMap<>();
        for (NaiveOracle.Ev e : events) {
            out.computeIfAbsent((String) e.fields().get("account_id"), a -> new ArrayList<>()).add(e);
        }
        return out;
    }

    static Map<String, Map<String, Object>> readAll(FeatureReader reader, Set<String> accounts, long t) {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        for (String a : accounts) {
            out.put(a, reader.read(GROUP, List.of(a), t).asMap());
        }
        return out;
    }

    static Map<String, NaiveOracle.Spec> specs() {
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
        specs.put("first_country", new NaiveOracle.Spec("first", "country", all, 0, 0, 0));
        specs.put("total", new NaiveOracle.Spec("count", null, all, 0, 0, 0));
        return specs;
    }

    /** Over every account, by the lifetime count: events the oracle counts and the store does not, and the reverse. */
    static long[] lostAndDoubled(Map<String, Map<String, Object>> values, Map<String, List<NaiveOracle.Ev>> events, long t) {
        NaiveOracle.Spec total = specs().get("total");
        long lost = 0;
        long doubled = 0;
        for (var e : events.entrySet()) {
            long expected = (Long) NaiveOracle.value(total, e.getValue(), t);
            Object served = values.get(e.getKey()).get("total");
            long actual = served == null ? 0 : ((Number) served).longValue();
            lost += Math.max(0, expected - actual);
            doubled += Math.max(0, actual - expected);
        }
        return new long[] {lost, doubled};
    }

    static void assertMatchesOracle(Map<String, Map<String, Object>> values, Map<String, List<NaiveOracle.Ev>> events, long t) {
        Map<String, NaiveOracle.Spec> specs = specs();
        for (var e : events.entrySet()) {
            Map<String, Object> served = values.get(e.getKey());
            for (var s : specs.entrySet()) {
                OracleAssertions.assertMatches(Aggregation.fromYaml(s.getValue().agg()).orElseThrow(), 0.5, s.getValue().k(),
                        e.getKey() + "." + s.getKey(), served.get(s.getKey()), NaiveOracle.value(s.getValue(), e.getValue(), t));
            }
        }
    }
}
