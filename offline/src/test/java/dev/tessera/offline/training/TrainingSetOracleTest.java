package dev.tessera.offline.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.tessera.api.Aggregation;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.agg.ValueCount;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.core.oracle.OracleAssertions;
import dev.tessera.offline.archive.ArchiveFixture;
import dev.tessera.offline.archive.ArchiveReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training sets against the naive oracle (SPEC §3 point-in-time): adversarial streams — events on
 * tile boundaries, in the same millisecond, exactly at a row's ts and one millisecond either side,
 * handed over in random order; keys absent from the archive; rows without a key or with a bad ts —
 * and a memory budget small enough that every bucket is split again; one, two and three workers
 * reading the archive (split by partition) and joining buckets at once; keys found by decoding
 * events or handed over with them (as the archive's key columns do).
 */
class TrainingSetOracleTest {
    @TempDir
    Path dir;

    record Row(String account, String card, long ts, String tsText, String label) {}

    @Test
    void everyValueEqualsTheOracleAndTheOutputKeepsSpineOrder() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            TrainingWorld world = new TrainingWorld(seed, 30);
            world.generate(1500, 600);
            world.keyColumns = seed != 1; // keys from the archive's key columns, or from decoding
            List<Row> rows = spineRows(world, 400);
            Path spine = writeSpine(rows, dir.resolve("spine-" + seed + ".csv"));
            Path out = dir.resolve("out-" + seed + ".parquet");
            TrainingSetBuilder.Report report = builder().build(TrainingSetBuilder.Options.of(spine, "risk", out, dir.resolve("work"))
                    .withBuckets(2).withMemoryBudget(16 * 1024).withThreads((int) seed), TrainingSetBuilder.Progress.NONE);

            assertThat(report.rows()).isEqualTo(rows.size());
            long newest = world.newestEventTime();
            long past = rows.stream().filter(r -> r.ts != Long.MIN_VALUE && r.ts > newest).count();
            assertThat(report.warnings()).as("every field read occurs in the world's events; rows past the newest event are counted")
                    .isEqualTo(past == 0 ? List.of() : List.of(String.format(java.util.Locale.ROOT, "%,d of %,d rows have a ts after the"
                            + " newest archived event of the service's sources (%s): their features miss the events that reached the stream"
                            + " after it but are not archived yet (the archive commits every 60 s with tessera run, every 10 s in the demo);"
                            + " build again once the archive has caught up, or keep ts before it", past, rows.size(),
                            Instant.ofEpochMilli(newest))));
            assertThat(report.bucketsSplit()).as("a small budget splits buckets").isPositive();
            assertThat(report.rowsBadTimestamp()).isEqualTo(rows.stream().filter(r -> r.ts == Long.MIN_VALUE).count());
            assertThat(report.rowsWithoutKey().get("card")).isEqualTo(rows.stream().filter(r -> r.card == null && r.ts != Long.MIN_VALUE).count());
            List<Map<String, Object>> got = readParquet(out);
            assertMatchesOracle(world, rows, got, "seed " + seed);
            assertThat(Files.list(dir.resolve("work"))).as("spill files are removed").isEmpty();
        }
    }

    /**
     * The same adversarial world through a real archive: with typed columns (format 2: values from
     * the columns, {@code _raw} never read) and without (every event decoded), both against the oracle.
     */
    @Test
    void fromARealArchiveWithAndWithoutTypedColumnsEveryValueEqualsTheOracle() throws Exception {
        TrainingWorld world = new TrainingWorld(5, 25);
        world.generate(1200, 500);
        List<Row> rows = spineRows(world, 300);
        Path spine = writeSpine(rows, dir.resolve("spine-archived.csv"));
        Path defsDir = TrainingWorld.writeDefinitions(dir.resolve("features"));
        Definitions defs = DefinitionLoader.load(defsDir);
        for (boolean typed : List.of(true, false)) {
            Path root = dir.resolve(typed ? "archive-typed" : "archive-raw");
            for (String source : List.of("payments", "logins")) {
                dev.tessera.api.Source src = defs.source(source).orElseThrow();
                List<String> keyFields = new dev.tessera.runtime.EventRules(defs, src, dev.tessera.core.event.SourceFields.layout(defs, src))
                        .keyFields();
                List<ArchiveFixture.Row> archived = world.events.stream().filter(a -> a.source().equals(source))
                        .sorted(java.util.Comparator.comparingLong(a -> a.event().offset()))
                        .map(a -> new ArchiveFixture.Row(a.event().partition(), a.event().offset(), a.event().ingestTime(), a.event().eventTime(),
                                a.event().id(), keyFields.stream().map(k -> dev.tessera.runtime.EntityKeys.text(a.ev().fields().get(k)))
                                        .toArray(String[]::new), a.event().raw()))
                        .toList();
                if (typed) {
                    ArchiveFixture.write(root, defs, defsDir, src, keyFields, archived.iterator(), 97);
                } else {
                    ArchiveFixture.write(root, source, keyFields, archived.iterator(), 97);
                }
                dev.tessera.offline.archive.TypedColumns columns = dev.tessera.offline.archive.TypedColumns.of(defs, defsDir, src,
                        dev.tessera.runtime.decode.EventDecoders.DEFAULT_MAX_RECORD_BYTES);
                long[] withValues = {0};
                ArchiveReader.open(root, source).forEachWithValues(Long.MIN_VALUE, Long.MAX_VALUE, keyFields, columns.fields(),
                        columns.decoder(), (e, keys, values) -> withValues[0] += values != null ? 1 : 0);
                assertThat(withValues[0]).as(source + ": the path under test").isEqualTo(typed ? archived.size() : 0);
            }
            Path out = dir.resolve("out-" + typed + ".parquet");
            TrainingSetBuilder.Report report = new TrainingSetBuilder(defs, defsDir, src -> ArchiveReader.open(root, src.name()))
                    .build(TrainingSetBuilder.Options.of(spine, "risk", out, dir.resolve("work")).withThreads(2).withBuckets(3),
                            TrainingSetBuilder.Progress.NONE);
            assertThat(report.undecodableEvents()).isZero();
            assertMatchesOracle(world, rows, readParquet(out), typed ? "typed columns" : "raw");
        }
    }

    /**
     * A killed build leaves its work folder behind; the next build deletes it, and keeps the folders of
     * builds still running (here: this JVM's) and folders without an owner yet.
     */
    /**
     * A feature reading a field no event carries (a misspelt {@code stauts}) comes out 0 in every row,
     * as the stream would serve it; the report warns about that field, with what reads it, and only it.
     */
    @Test
    void aFieldNoEventCarriesIsReportedWithWhatReadsIt() throws Exception {
        TrainingWorld world = new TrainingWorld(7, 20);
        world.generate(600, 200);
        List<Row> rows = spineRows(world, 100);
        Path spine = writeSpine(rows, dir.resolve("spine-typo.csv"));
        Path defsDir = TrainingWorld.writeDefinitions(dir.resolve("features-typo"), """
                ---
                kind: FeatureGroup
                name: account_typos
                source: payments
                entity: account
                features:
                  - { name: declined, agg: count, where: "stauts == 'DECLINED'", windows: [1d] }
                  - { name: spent, agg: sum, of: amount, windows: [1d] }
                ---
                kind: FeatureService
                name: typos
                features: [account_typos.*]
                """);
        TrainingSetBuilder b = new TrainingSetBuilder(DefinitionLoader.load(defsDir), defsDir, src -> world.scan(src.name()));
        Path out = dir.resolve("out-typo.parquet");
        TrainingSetBuilder.Report report = b.build(TrainingSetBuilder.Options.of(spine, "typos", out, dir.resolve("work-typo")),
                TrainingSetBuilder.Progress.NONE);

        assertThat(report.warnings()).singleElement().asString()
                .startsWith("field 'stauts' of source payments is absent or null in all ")
                .contains("archived events read, so account_typos.declined (where) is always 0 or null");
        assertThat(readParquet(out)).allSatisfy(r -> assertThat(r.get("account_typos__declined_1d")).isIn(0L, null));
    }

    /** A spine written in epoch seconds reads as January 1970: every feature is empty, and the report says why. */
    @Test
    void aSpineInEpochSecondsIsCalledOut() throws Exception {
        TrainingWorld world = new TrainingWorld(8, 10);
        world.generate(200, 50);
        List<Row> rows = spineRows(world, 20).stream().filter(r -> r.ts != Long.MIN_VALUE)
                .map(r -> new Row(r.account, r.card, r.ts / 1000, Long.toString(r.ts / 1000), r.label)).toList();
        Path spine = writeSpine(rows, dir.resolve("spine-seconds.csv"));
        TrainingSetBuilder.Report report = builder(world).build(TrainingSetBuilder.Options.of(spine, "risk",
                dir.resolve("out-seconds.parquet"), dir.resolve("work-seconds")), TrainingSetBuilder.Progress.NONE);
        long latest = rows.stream().mapToLong(Row::ts).max().orElseThrow();
        assertThat(report.warnings()).first().asString().isEqualTo("every row's ts is before 1973 (the latest, " + latest + ", is "
                + java.time.Instant.ofEpochMilli(latest) + "): ts is read as epoch milliseconds; if the spine has epoch seconds,"
                + " multiply them by 1000");
        assertThat(report.eventsJoined()).isZero();
    }

    /**
     * Rows after the newest archived event (a spine at "now" while the archive commits every few seconds) may
     * miss events not archived yet: the report says how many, and only those; their values are still the
     * archive's point-in-time values.
     */
    @Test
    void rowsPastTheArchiveAreCounted() throws Exception {
        TrainingWorld world = new TrainingWorld(9, 10);
        world.generate(300, 50);
        long newest = world.newestEventTime();
        List<Row> rows = new ArrayList<>(spineRows(world, 30).stream().filter(r -> r.ts != Long.MIN_VALUE && r.ts <= newest).toList());
        int before = rows.size();
        rows.add(new Row("acct-1", "card-1", newest + 1, Long.toString(newest + 1), "0"));
        rows.add(new Row("acct-2", "card-2", newest + 86_400_000L, Long.toString(newest + 86_400_000L), "1"));
        Path spine = writeSpine(rows, dir.resolve("spine-late.csv"));
        Path out = dir.resolve("out-late.parquet");
        TrainingSetBuilder.Report report = builder(world).build(TrainingSetBuilder.Options.of(spine, "risk", out, dir.resolve("work-late")),
                TrainingSetBuilder.Progress.NONE);

        assertThat(before).isPositive();
        assertThat(report.warnings()).singleElement().asString().startsWith(String.format(java.util.Locale.ROOT,
                "2 of %,d rows have a ts after the newest archived event of the service's sources (%s)", rows.size(), Instant.ofEpochMilli(newest)));
        assertMatchesOracle(world, rows, readParquet(out), "rows past the archive");
    }

    @Test
    void aKilledBuildsWorkFolderIsDeletedByTheNextBuild() throws Exception {
        TrainingWorld world = new TrainingWorld(5, 10);
        world.generate(200, 100);
        Path spine = writeSpine(spineRows(world, 50), dir.resolve("spine-leak.csv"));
        Path work = dir.resolve("work-leak");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path abandoned = Files.createDirectories(work.resolve(TrainingSetBuilder.WORK_PREFIX + "killed"));
        Files.writeString(abandoned.resolve(dev.tessera.offline.spill.WorkFolders.OWNER_FILE), Long.toString(gone.pid()));
        Files.writeString(Files.createDirectories(abandoned.resolve("results")).resolve("spill-0"), "x".repeat(1000));
        Path running = Files.createDirectories(work.resolve(TrainingSetBuilder.WORK_PREFIX + "running"));
        Files.writeString(running.resolve(dev.tessera.offline.spill.WorkFolders.OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
        Path starting = Files.createDirectories(work.resolve(TrainingSetBuilder.WORK_PREFIX + "starting"));

        builder(world).build(TrainingSetBuilder.Options.of(spine, "risk", dir.resolve("leak.parquet"), work), TrainingSetBuilder.Progress.NONE);

        assertThat(abandoned).doesNotExist();
        assertThat(running).exists();
        assertThat(starting).exists();
        try (var left = Files.list(work)) { // and the build removed its own
            assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrder(
                    TrainingSetBuilder.WORK_PREFIX + "running", TrainingSetBuilder.WORK_PREFIX + "starting");
        }
    }

    @Test
    void csvHoldsTheSameValuesAsParquet() throws Exception {
        TrainingWorld world = new TrainingWorld(7, 20);
        world.generate(800, 300);
        List<Row> rows = spineRows(world, 200);
        Path spine = writeSpine(rows, dir.resolve("spine.csv"));
        Path pq = dir.resolve("out.parquet");
        Path csv = dir.resolve("out.csv");
        builder().build(TrainingSetBuilder.Options.of(spine, "risk", pq, dir.resolve("work")), TrainingSetBuilder.Progress.NONE);
        builder().build(TrainingSetBuilder.Options.of(spine, "risk", csv, dir.resolve("work")), TrainingSetBuilder.Progress.NONE);
        List<Map<String, Object>> fromParquet = readParquet(pq);
        CsvMapper mapper = new CsvMapper();
        mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
        try (MappingIterator<String[]> it = mapper.readerFor(String[].class).with(CsvSchema.emptySchema()).readValues(csv.toFile())) {
            String[] header = it.next();
            List<String> expectedHeader = new ArrayList<>(List.of("account_id", "card", "ts", "label"));
            TrainingWorld.specs().forEach(s -> expectedHeader.add(s.group() + "__" + s.served()));
            assertThat(header).containsExactlyElementsOf(expectedHeader);
            int i = 0;
            while (it.hasNext()) {
                String[] line = it.next();
                Map<String, Object> p = fromParquet.get(i++);
                for (int c = 0; c < header.length; c++) {
                    assertThat(line[c]).as("row %d column %s", i, header[c]).isEqualTo(TrainingSetWriter.text(p.get(header[c])));
                }
            }
            assertThat(i).isEqualTo(rows.size());
        }
    }

    @Test
    void nothingAtOrAfterTsLeaksIn() throws Exception {
        // one account; a row at T; huge events at exactly T and after, in every position of the archive
        TrainingWorld world = new TrainingWorld(3, 1);
        long t = TrainingWorld.T0 + 5 * TrainingWorld.H + 7_007; // inside a tile of every hop: t-1 and t share tiles
        List<Long> times = List.of(t - 1, t, t, t + 1, t - TrainingWorld.H, t + TrainingWorld.H);
        int n = 0;
        for (long time : times) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("payment_id", "p" + n);
            f.put("account_id", "acct-0");
            f.put("event_time", time);
            f.put("amount", time >= t ? 1_000_000L : 1L);
            f.put("status", "APPROVED");
            f.put("card", time >= t ? "card-late" : "card-a");
            f.put("merchant", "m");
            f.put("country", time >= t ? "LEAK" : "OK");
            world.events.add(new TrainingWorld.Archived("payments",
                    new dev.tessera.offline.archive.ArchivedEvent(0, n, time, time, "p" + n, TrainingWorld.json(f)),
                    new NaiveOracle.Ev(time, "p" + n, f)));
            n++;
        }
        for (int order = 0; order < 6; order++) {
            java.util.Collections.shuffle(world.events, new java.util.Random(order));
            world.keyColumns = order % 2 == 0;
            long later = t + 3 * TrainingWorld.D; // a later row, so the events at and after t are read too
            Path spine = writeSpine(List.of(new Row("acct-0", null, later, Long.toString(later), "y"), new Row("acct-0", null, t, Long.toString(t), "x")),
                    dir.resolve("leak" + order + ".csv"));
            Path out = dir.resolve("leak" + order + ".parquet");
            builder(world).build(TrainingSetBuilder.Options.of(spine, "risk", out, dir.resolve("work")), TrainingSetBuilder.Progress.NONE);
            Map<String, Object> row = readParquet(out).get(1);
            assertThat(row.get("account_payments__payment_count_1d")).isEqualTo(2L);
            assertThat(row.get("account_payments__amount_sum_1d")).isEqualTo(2L);
            assertThat(row.get("account_payments__last_country")).isEqualTo("OK");
            assertThat(row.get("account_payments__recent_cards_1d")).isEqualTo(List.of("card-a", "card-a"));
        }
    }

    @Test
    void aMissingSpineColumnIsNamedWithTheClosestOne() throws Exception {
        Path spine = dir.resolve("bad.csv");
        Files.writeString(spine, "acount_id,card,ts\nacct-1,card-1,1\n");
        refusal(spine, "risk", "o.parquet").hasMessageContaining("no column 'account_id'").hasMessageContaining("acount_id");
        refusal(spine, "rsk", "o.parquet").hasMessageContaining("unknown feature service 'rsk'").hasMessageContaining("risk");
    }

    /** An earlier training set used as the spine: its feature columns would appear twice, so the build refuses and names them. */
    @Test
    void aSpineWithAFeaturesColumnIsRefused() throws Exception {
        Path spine = dir.resolve("earlier.csv");
        Files.writeString(spine, "account_id,card,ts,label,account_payments__payment_count_1h\nacct-1,card-1,1,0,3\n");
        refusal(spine, "risk", "o.csv")
                .hasMessageContaining("already has a column named as feature of service risk (account_payments__payment_count_1h)")
                .hasMessageContaining("key, ts and label columns");
        assertThat(dir.resolve("o.csv")).doesNotExist();
    }

    /** What building {@code spine} for {@code service} into {@code out} refused with (a user-facing TesseraException). */
    private org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> refusal(Path spine, String service, String out) {
        TrainingWorld world = new TrainingWorld(1, 3);
        return org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder(world).build(
                        TrainingSetBuilder.Options.of(spine, service, dir.resolve(out), dir.resolve("work")), TrainingSetBuilder.Progress.NONE))
                .isInstanceOf(dev.tessera.api.TesseraException.class);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private TrainingWorld current;

    private TrainingSetBuilder builder() throws IOException {
        return builder(current);
    }

    private TrainingSetBuilder builder(TrainingWorld world) throws IOException {
        Path defsDir = TrainingWorld.writeDefinitions(dir.resolve("features"));
        Definitions defs = DefinitionLoader.load(defsDir);
        return new TrainingSetBuilder(defs, defsDir, src -> world.scan(src.name()));
    }

    private List<Row> spineRows(TrainingWorld world, int n) {
        current = world;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String account = world.rnd.nextInt(15) == 0 ? "ghost-" + i : world.account();
            String card = world.rnd.nextInt(8) == 0 ? null : "card-" + world.rnd.nextInt(14);
            long ts = world.time();
            String text = world.rnd.nextBoolean() ? Long.toString(ts) : Instant.ofEpochMilli(ts).toString();
            if (world.rnd.nextInt(60) == 0) {
                rows.add(new Row(account, card, Long.MIN_VALUE, "yesterday", "bad-" + i));
                continue;
            }
            rows.add(new Row(account, card, ts, text, "label-" + i));
        }
        return rows;
    }

    private static Path writeSpine(List<Row> rows, Path file) throws IOException {
        StringBuilder sb = new StringBuilder("account_id,card,ts,label\n");
        for (Row r : rows) {
            sb.append(r.account).append(',').append(r.card == null ? "" : r.card).append(',').append(r.tsText).append(',')
                    .append(r.label).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
        return file;
    }

    static List<Map<String, Object>> readParquet(Path file) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
            for (GenericRecord rec; (rec = r.read()) != null; ) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (var f : rec.getSchema().getFields()) {
                    m.put(f.name(), plain(rec.get(f.name())));
                }
                out.add(m);
            }
        }
        return out;
    }

    private static Object plain(Object v) {
        if (v instanceof CharSequence cs) {
            return cs.toString();
        }
        if (v instanceof GenericRecord g && g.getSchema().getField("count") != null) {
            return new ValueCount(g.get("value").toString(), (Long) g.get("count"));
        }
        if (v instanceof List<?> list) {
            return list.stream().map(TrainingSetOracleTest::plain).toList();
        }
        return v;
    }

    private static void assertMatchesOracle(TrainingWorld world, List<Row> rows, List<Map<String, Object>> got, String where) {
        assertThat(got).hasSize(rows.size());
        int nonTrivial = 0;
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            Map<String, Object> out = got.get(i);
            assertThat(out.get("label")).as("spine order and pass-through").isEqualTo(r.label);
            assertThat(out.get("account_id")).isEqualTo(r.account);
            for (TrainingWorld.Spec s : TrainingWorld.specs()) {
                String column = s.group() + "__" + s.served();
                Object actual = out.get(column);
                String key = s.entityKeyField().equals("card") ? r.card : r.account;
                String at = where + " row " + i + " " + column + " of " + key + " at " + r.ts;
                if (r.ts == Long.MIN_VALUE || key == null) {
                    assertThat(actual).as(at + " (no ts or no key: empty)").isNull();
                    continue;
                }
                List<NaiveOracle.Ev> evs = world.eventsOf(s.source(), s.entityKeyField(), key);
                Object expected = NaiveOracle.value(s.oracle(), evs, r.ts);
                if (actual instanceof Double && expected instanceof Long l) {
                    expected = l.doubleValue(); // a column holding longs and doubles is a double column
                }
                if (s.oracle().agg().equals("max") && actual instanceof Double && expected instanceof Number num) {
                    expected = num.doubleValue();
                }
                OracleAssertions.assertMatches(Aggregation.fromYaml(s.oracle().agg()).orElseThrow(), 0.5, s.oracle().k(), at, actual, expected);
                if (s.served().equals("payment_count_1d") && !Long.valueOf(0).equals(actual)) {
                    nonTrivial++;
                }
            }
        }
        assertThat(nonTrivial).as(where + ": rows with payments in the day before").isGreaterThan(rows.size() / 4);
    }
}
