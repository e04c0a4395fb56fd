package dev.tessera.offline.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Aggregation;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.core.oracle.OracleAssertions;
import dev.tessera.offline.archive.ArchiveFixture;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training set over a spine and an archive several times larger than the JVM heap completes with
 * a bounded heap (issue [Offline]): a child JVM with {@value #HEAP_MB} MB of heap
 * ({@code -XX:+ExitOnOutOfMemoryError}: any OutOfMemoryError, in any thread, fails it) builds the
 * training set of a {@value #SPINE_ROWS}-row CSV spine (rows of ~105 bytes) against an archive of
 * {@value #EVENTS} payments (each with a 400-character random note no feature reads, so the archive
 * stays large under ZSTD), with the default settings ({@code tessera training-set}: a
 * quarter of the heap as budget, one worker per core). The parent checks the row count, the spine
 * order, and every feature of every row of 30 accounts (~3,000 rows) against the naive oracle.
 *
 * <p>The archive is written through the archiver's own writer and commit protocol
 * ({@link ArchiveFixture}, files per partition and event hour), not through Kafka: archiving this
 * much takes minutes.
 */
class BoundedHeapTest {
    static final String SERVICE = "activity";
    static final int HEAP_MB = 64;
    static final int EVENTS = 700_000;
    static final int ACCOUNTS = 20_000;
    static final int SPINE_ROWS = 2_000_000;
    static final int SAMPLED_ACCOUNTS = 30;
    static final long H = 3_600_000L;
    static final long D = 24 * H;
    static final long T0 = 1_780_000_000_000L / D * D;
    static final int DAYS = 30;
    private static final String[] COUNTRIES = {"US", "FR", "BR", "IN"};
    private static final char[] NOTE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".toCharArray();

    static final String DEFINITIONS = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: bounded.payments }
            format: json
            timestamp: event_time
            id: payment_id
            ---
            kind: FeatureGroup
            name: account_activity
            source: payments
            entity: account
            features:
              - { name: payment_count,  agg: count, windows: [1h, 1d] }
              - { name: amount_sum,     agg: sum, of: amount, windows: [1d] }
              - { name: amount_max,     agg: max, of: amount, windows: [7d] }
              - { name: declined_count, agg: count, where: "status == 'DECLINED'", windows: [1d] }
              - { name: last_country,   agg: last, of: country }
            ---
            kind: FeatureService
            name: activity
            features: [account_activity.*]
            """;

    @TempDir
    Path dir;

    record Sampled(long row, String account, long ts) {}

    @Test
    void aSpineAndArchiveSeveralTimesTheHeapCompleteInASmallHeap() throws Exception {
        Path defs = Files.createDirectories(dir.resolve("features"));
        Files.writeString(defs.resolve("world.yaml"), DEFINITIONS);
        Random rnd = new Random(11);

        // the archive: payments over 30 days, in time order with a minute of jitter, 2 partitions
        Map<String, List<NaiveOracle.Ev>> sampledEvents = new HashMap<>();
        long[] offsets = new long[2];
        long[] times = new long[EVENTS];
        Iterator<ArchiveFixture.Row> rows = new Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
                return i < EVENTS;
            }

            @Override
            public ArchiveFixture.Row next() {
                long t = T0 + (long) ((double) i * DAYS * D / EVENTS) + rnd.nextInt(120_000) - 60_000;
                times[i] = t;
                String account = "a-" + (int) (Math.pow(rnd.nextDouble(), 1.5) * ACCOUNTS);
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("payment_id", "p-" + i);
                f.put("account_id", account);
                f.put("amount", rnd.nextInt(100_000) / 100.0);
                f.put("status", rnd.nextInt(5) == 0 ? "DECLINED" : "APPROVED");
                f.put("country", COUNTRIES[rnd.nextInt(COUNTRIES.length)]);
                f.put("event_time", t);
                char[] note = new char[400];
                for (int c = 0; c < note.length; c++) {
                    note[c] = NOTE[rnd.nextInt(NOTE.length)];
                }
                f.put("note", new String(note));
                if (sampled(account)) {
                    sampledEvents.computeIfAbsent(account, a -> new ArrayList<>()).add(new NaiveOracle.Ev(t, "p-" + i, f));
                }
                int partition = Math.floorMod(account.hashCode(), 2);
                String id = "p-" + i++;
                return new ArchiveFixture.Row(partition, offsets[partition]++, t + 1_000, t, id, new String[] {account}, TrainingWorld.json(f));
            }
        };
        Path archive = dir.resolve("archive");
        dev.tessera.api.Definitions loaded = dev.tessera.api.DefinitionLoader.load(defs);
        ArchiveFixture.write(archive, loaded, defs, loaded.source("payments").orElseThrow(), List.of("account_id"), rows, 50_000);

        // the spine: 15 % of rows for accounts without events; ts over the last 23 days; a padded label
        Path spine = dir.resolve("spine.csv");
        List<Sampled> sampledRows = new ArrayList<>();
        long maxTs = Long.MIN_VALUE;
        try (BufferedWriter w = Files.newBufferedWriter(spine, StandardCharsets.UTF_8)) {
            w.write("account_id,ts,label\n");
            char[] pad = new char[70];
            for (long r = 0; r < SPINE_ROWS; r++) {
                String account = rnd.nextInt(100) < 15 ? "ghost-" + rnd.nextInt(ACCOUNTS) : "a-" + (int) (Math.pow(rnd.nextDouble(), 1.5) * ACCOUNTS);
                long ts = T0 + 7 * D + (long) (rnd.nextDouble() * (DAYS - 7) * D);
                for (int c = 0; c < pad.length; c++) {
                    pad[c] = NOTE[rnd.nextInt(NOTE.length)];
                }
                w.write(account + "," + ts + ",row-" + r + "-" + new String(pad) + "\n");
                maxTs = Math.max(maxTs, ts);
                if (sampled(account)) {
                    sampledRows.add(new Sampled(r, account, ts));
                }
            }
        }
        long heap = (long) HEAP_MB << 20;
        long archiveBytes = size(archive);
        assertThat(archiveBytes).as("archive bytes").isGreaterThan(3 * heap);
        assertThat(Files.size(spine)).as("spine bytes").isGreaterThan(3 * heap);
        assertThat(sampledRows.size()).isGreaterThan(1_000);

        // the training set in a child JVM with a small heap
        Path out = dir.resolve("out.parquet");
        Path childTmp = Files.createDirectories(dir.resolve("child-tmp"));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("child.log");
        long started = System.nanoTime();
        // GCLockerRetryAllocationCount: zstd-jni holds arrays in JNI critical regions; on JDK 17 an
        // allocation that meets the GC locker twice fails with an OutOfMemoryError although the heap
        // has room (seen once in session 6). More retries wait for the region to end instead.
        Process child = new ProcessBuilder(javaBin, "-Xmx" + HEAP_MB + "m", "-XX:+ExitOnOutOfMemoryError",
                "-XX:+UnlockDiagnosticVMOptions", "-XX:GCLockerRetryAllocationCount=100", "-Djava.io.tmpdir=" + childTmp,
                "-cp", System.getProperty("java.class.path"), BoundedHeapTrainingSetMain.class.getName(), defs.toString(), archive.toString(),
                spine.toString(), out.toString(), dir.resolve("work").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean exited = child.waitFor(10, TimeUnit.MINUTES);
        if (!exited) {
            child.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(exited).as("the child finished; output:%n%s", output).isTrue();
        assertThat(child.exitValue()).as("child exit status; output:%n%s", output).isZero();
        Map<String, Long> reported = new HashMap<>();
        for (String line : output.split("\n")) {
            String[] kv = line.trim().split(" ");
            if (kv.length == 2 && kv[0].matches("[A-Z_]+")) {
                reported.put(kv[0], Long.parseLong(kv[1]));
            }
        }
        System.out.printf("BoundedHeapTest: spine %,d MB (%,d rows), archive %,d MB (%,d events), heap %d MB: child took %.1f s,"
                        + " old generation peak %,d MB, %d buckets split%n", Files.size(spine) >> 20, SPINE_ROWS, archiveBytes >> 20, EVENTS, HEAP_MB,
                (System.nanoTime() - started) / 1e9, reported.getOrDefault("OLD_PEAK", -1L) >> 20, reported.getOrDefault("SPLITS", -1L));
        long before = maxTs;
        long scannable = java.util.Arrays.stream(times).filter(t -> t < before).count(); // lifetime features: everything before the last row
        assertThat(reported).containsEntry("ROWS", (long) SPINE_ROWS).containsEntry("EVENTS", scannable);
        assertThat(reported.get("MAX_HEAP")).isLessThanOrEqualTo(heap);

        // every row in spine order; every feature of the sampled accounts' rows equals the oracle
        Map<Long, Sampled> byRow = new HashMap<>();
        sampledRows.forEach(s -> byRow.put(s.row, s));
        Map<String, NaiveOracle.Spec> specs = specs();
        long n = 0;
        long checked = 0;
        long nonEmpty = 0;
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(out)).build()) {
            for (GenericRecord rec; (rec = r.read()) != null; n++) {
                Sampled s = byRow.get(n);
                if (s == null) {
                    if ((n & 0xFFFF) == 0) {
                        assertThat(rec.get("label").toString()).startsWith("row-" + n + "-");
                    }
                    continue;
                }
                assertThat(rec.get("label").toString()).startsWith("row-" + n + "-");
                List<NaiveOracle.Ev> evs = sampledEvents.getOrDefault(s.account, List.of());
                for (var e : specs.entrySet()) {
                    String column = "account_activity__" + e.getKey();
                    Object actual = plain(rec.get(column));
                    Object expected = NaiveOracle.value(e.getValue(), evs, s.ts);
                    if (actual instanceof Double && expected instanceof Long l) {
                        expected = l.doubleValue();
                    }
                    OracleAssertions.assertMatches(Aggregation.fromYaml(e.getValue().agg()).orElseThrow(), 0.5, 0,
                            "row " + n + " " + column + " of " + s.account + " at " + s.ts, actual, expected);
                    checked++;
                }
                if (!Long.valueOf(0).equals(plain(rec.get("account_activity__payment_count_1d")))) {
                    nonEmpty++;
                }
            }
        }
        assertThat(n).isEqualTo(SPINE_ROWS);
        assertThat(checked).isEqualTo((long) sampledRows.size() * specs.size());
        assertThat(nonEmpty).as("sampled rows with payments in the day before").isGreaterThan(sampledRows.size() / 2);
    }

    private static boolean sampled(String account) {
        if (!account.startsWith("a-")) {
            return false;
        }
        int n = Integer.parseInt(account.substring(2));
        return n % (ACCOUNTS / SAMPLED_ACCOUNTS) == 7; // spread over busy and quiet accounts
    }

    private static Map<String, NaiveOracle.Spec> specs() {
        Predicate<NaiveOracle.Ev> all = e -> true;
        Map<String, NaiveOracle.Spec> s = new LinkedHashMap<>();
        s.put("payment_count_1h", new NaiveOracle.Spec("count", null, all, H, 300_000, 0));
        s.put("payment_count_1d", new NaiveOracle.Spec("count", null, all, D, H, 0));
        s.put("amount_sum_1d", new NaiveOracle.Spec("sum", "amount", all, D, H, 0));
        s.put("amount_max_7d", new NaiveOracle.Spec("max", "amount", all, 7 * D, H, 0));
        s.put("declined_count_1d", new NaiveOracle.Spec("count", null, e -> "DECLINED".equals(e.fields().get("status")), D, H, 0));
        s.put("last_country", new NaiveOracle.Spec("last", "country", all, 0, 0, 0));
        return s;
    }

    private static Object plain(Object v) {
        return v instanceof CharSequence cs ? cs.toString() : v;
    }

    private static long size(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
