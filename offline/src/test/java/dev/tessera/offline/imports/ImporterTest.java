package dev.tessera.offline.imports;

import static dev.tessera.offline.imports.ImportWorld.HOUR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.TesseraException;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.archive.ArchivedEvent;
import dev.tessera.offline.imports.ImportWorld.Expected;
import dev.tessera.offline.imports.ImportWorld.Item;
import dev.tessera.offline.imports.ImportWorld.Pay;
import dev.tessera.offline.imports.ImportWorld.Row;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tessera import} on real files (JSON Lines, CSV, Parquet) into a real archive, against the
 * oracle of {@link ImportWorld}: the archive holds exactly the good rows once, every bad row is
 * rejected with its reason at its line, re-running adds nothing, and small commits and spill buffers
 * change nothing.
 */
class ImporterTest {
    @TempDir
    Path tmp;

    final long now = System.currentTimeMillis();

    private Importer importer(Path data) throws IOException {
        Path defsDir = ImportWorld.writeDefinitions(tmp.resolve("features"));
        Definitions defs = DefinitionLoader.load(defsDir);
        return new Importer(defs, defsDir, data.resolve("archive"));
    }

    private Importer.Options options(Path data, List<Path> files) {
        return Importer.Options.of("payments", files, data.resolve("tmp")).withMaxRecordBytes(ImportWorld.MAX_RECORD_BYTES)
                .withRejects(data.resolve("rejects.jsonl")).withClock(() -> now);
    }

    private List<Row> write(ImportFormat format, Path file, List<Item> items) throws IOException {
        return switch (format) {
            case JSONL -> ImportWorld.writeJsonl(file, items, now);
            case CSV -> ImportWorld.writeCsv(file, items, now);
            case PARQUET -> ImportWorld.writeParquet(file, items, now);
        };
    }

    private static List<String> badKinds(ImportFormat format) {
        return switch (format) {
            case JSONL -> ImportWorld.JSONL_BAD;
            case CSV -> ImportWorld.CSV_BAD;
            case PARQUET -> ImportWorld.PARQUET_BAD;
        };
    }

    /** Checks a report, the rejects file and the archive against the oracle. */
    private void assertImportIs(Importer.Report r, Expected e, Path data, List<Row> keptBefore, long rowsRead) throws IOException {
        assertThat(r.rowsRead()).isEqualTo(rowsRead);
        assertThat(r.rejected()).isEqualTo(e.counts());
        assertThat(r.archived()).isEqualTo(e.kept().size());
        assertThat(ImportWorld.rejectsFile(data.resolve("rejects.jsonl"))).isEqualTo(e.rejects());
        List<Row> all = new ArrayList<>(keptBefore);
        all.addAll(e.kept());
        List<ArchivedEvent> got = ImportWorld.imported(data.resolve("archive"));
        ImportWorld.assertArchiveHolds(got, all);
        assertThat(got.stream().mapToLong(ArchivedEvent::offset).sorted().toArray())
                .as("the import sequence has no gaps").isEqualTo(LongStream.range(0, all.size()).toArray());
        assertThat(got).allSatisfy(ev -> assertThat(ev.ingestTime()).isEqualTo(now));
        try (Stream<Path> left = Files.walk(data.resolve("tmp"))) {
            assertThat(left.filter(f -> Files.isRegularFile(f) || f.getFileName().toString().startsWith("spill-")))
                    .as("spills are removed").isEmpty();
        }
    }

    @Test
    void eachFormatArchivesExactlyItsGoodRowsOnceAndRejectsEveryBadRowAtItsLine() throws Exception {
        for (ImportFormat format : ImportFormat.values()) {
            for (long seed = 1; seed <= 2; seed++) {
                Path data = tmp.resolve(format + "-" + seed);
                Random rnd = new Random(seed);
                List<Item> items = ImportWorld.items(rnd, 600, now - 30 * HOUR, now - HOUR, "pay-", badKinds(format));
                Path file = data.resolve("in").resolve("dump." + format.name().toLowerCase());
                List<Row> rows = write(format, file, items);
                Expected e = ImportWorld.expected(rows, List.of());
                assertThat(e.counts().keySet()).as("%s: every bad kind is in the file", format).hasSizeGreaterThanOrEqualTo(
                        format == ImportFormat.JSONL ? 7 : format == ImportFormat.CSV ? 6 : 5);

                Importer.Report r = importer(data).run(options(data, List.of(file)), Importer.Progress.NONE);

                assertImportIs(r, e, data, List.of(), rows.size());
                assertThat(r.commits()).isEqualTo(1);
                assertThat(r.examples()).isNotEmpty().allSatisfy(x -> assertThat(e.rejects()).containsEntry(x.file() + ":" + x.number(),
                        x.reason()));
            }
        }
    }

    @Test
    void filesOfEveryFormatInOneImportDeduplicateAcrossEachOther() throws Exception {
        Path data = tmp.resolve("mixed");
        Random rnd = new Random(3);
        List<Pay> seen = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (ImportFormat format : List.of(ImportFormat.PARQUET, ImportFormat.JSONL, ImportFormat.CSV)) {
            Path file = data.resolve("in").resolve("part-" + files.size() + "." + format.name().toLowerCase());
            List<Item> items = ImportWorld.items(rnd, 400, now - 20 * HOUR, now - HOUR, "p" + files.size() + "-", badKinds(format), seen);
            rows.addAll(write(format, file, items));
            files.add(file);
        }
        Expected e = ImportWorld.expected(rows, List.of());
        assertThat(e.counts().get("duplicate")).isGreaterThan(30);
        Importer.Report r = importer(data).run(options(data, files), Importer.Progress.NONE);
        assertImportIs(r, e, data, List.of(), rows.size());
    }

    @Test
    void reRunningAnImportAddsNothingAndSmallCommitsChangeNothing() throws Exception {
        Path data = tmp.resolve("again");
        Random rnd = new Random(5);
        Path file = data.resolve("in").resolve("dump.jsonl");
        List<Row> rows = ImportWorld.writeJsonl(file, ImportWorld.items(rnd, 1_500, now - 50 * HOUR, now - HOUR, "pay-",
                ImportWorld.JSONL_BAD), now);
        Expected first = ImportWorld.expected(rows, List.of());
        // commits every 97 rows, spill buffers flushed every 2 KiB: many commits, hours written in many rounds
        Importer.Report r1 = importer(data).run(options(data, List.of(file)).withChunks(97, 2048), Importer.Progress.NONE);
        assertImportIs(r1, first, data, List.of(), rows.size());
        assertThat(r1.commits()).isGreaterThan(10);

        Importer.Report r2 = importer(data).run(options(data, List.of(file)), Importer.Progress.NONE);
        Expected second = ImportWorld.expected(rows, first.kept());
        assertThat(second.kept()).isEmpty();
        assertThat(r2.archived()).isZero();
        assertThat(r2.commits()).isZero();
        assertImportIs(r2, second, data, first.kept(), rows.size());

        // a later dump overlapping this one adds only its new rows
        Path later = data.resolve("in").resolve("later.jsonl");
        List<Item> items = new ArrayList<>();
        rows.stream().filter(x -> x.pay() != null).limit(200).forEach(x -> items.add(new Item(x.pay(), null)));
        items.addAll(ImportWorld.items(rnd, 300, now - 60 * HOUR, now - HOUR, "new-", List.of("future")));
        List<Row> laterRows = ImportWorld.writeJsonl(later, items, now);
        Expected third = ImportWorld.expected(laterRows, first.kept());
        Importer.Report r3 = importer(data).run(options(data, List.of(later)), Importer.Progress.NONE);
        assertImportIs(r3, third, data, first.kept(), laterRows.size());
        assertThat(r3.archived()).isPositive().isLessThan(300);
    }

    @Test
    void problemsWithTheWholeImportChangeNothing() throws Exception {
        Path data = tmp.resolve("problems");
        Path good = data.resolve("in").resolve("good.jsonl");
        ImportWorld.writeJsonl(good, ImportWorld.items(new Random(9), 50, now - 5 * HOUR, now - HOUR, "pay-", List.of()), now);
        Path noHeader = Files.writeString(data.resolve("in").resolve("empty.csv"), "");
        Path notParquet = Files.writeString(data.resolve("in").resolve("fake.parquet"), "{\"a\":1}\n");
        Path unknown = Files.writeString(data.resolve("in").resolve("dump.txt"), "x\n");
        Path clash = Files.writeString(data.resolve("in").resolve("clash.csv"), "merchant,merchant.id\n1,2\n");
        Importer importer = importer(data);

        Importer.Report first = importer.run(options(data, List.of(good)), Importer.Progress.NONE);
        long before = ArchiveReader.open(data.resolve("archive"), "payments").count();
        // the same file gzipped: read the same, adds nothing; cut short: stops the import
        byte[] gz;
        try (var bytes = new java.io.ByteArrayOutputStream(); var zip = new java.util.zip.GZIPOutputStream(bytes)) {
            zip.write(Files.readAllBytes(good));
            zip.finish();
            gz = bytes.toByteArray();
        }
        Path gzipped = Files.write(data.resolve("in").resolve("good.jsonl.gz"), gz);
        Importer.Report again = importer.run(options(data, List.of(gzipped)), Importer.Progress.NONE);
        assertThat(again.rowsRead()).isEqualTo(first.rowsRead());
        assertThat(again.archived()).isZero();
        Path cut = Files.write(data.resolve("in").resolve("cut.jsonl.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));
        assertThatThrownBy(() -> importer.run(options(data, List.of(cut)), Importer.Progress.NONE))
                .isInstanceOf(TesseraException.class).hasMessageContaining("cannot read " + cut + " after line")
                .hasMessageContaining("Nothing was imported");
        assertThatThrownBy(() -> importer.run(options(data, List.of(good, noHeader)), Importer.Progress.NONE))
                .isInstanceOf(TesseraException.class).hasMessageContaining("is empty").hasMessageContaining("name the columns");
        assertThatThrownBy(() -> importer.run(options(data, List.of(good, notParquet)), Importer.Progress.NONE))
                .isInstanceOf(TesseraException.class).hasMessageContaining("not a readable Parquet file");
        assertThatThrownBy(() -> importer.run(options(data, List.of(good, unknown)), Importer.Progress.NONE))
                .isInstanceOf(TesseraException.class).hasMessageContaining("--format");
        assertThatThrownBy(() -> importer.run(options(data, List.of(clash)), Importer.Progress.NONE))
                .isInstanceOf(TesseraException.class).hasMessageContaining("'merchant.id'").hasMessageContaining("merchant");
        assertThatThrownBy(() -> importer.run(options(data, List.of(data.resolve("missing.jsonl"))), Importer.Progress.NONE))
                .isInstanceOf(TesseraException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> importer.run(new Importer.Options("paymnts", List.of(good), null, null, data.resolve("tmp"), 1000, 10,
                10, 10, () -> now), Importer.Progress.NONE))
                .isInstanceOf(TesseraException.class).hasMessageContaining("did you mean payments?");
        assertThat(ArchiveReader.open(data.resolve("archive"), "payments").count()).as("nothing was committed").isEqualTo(before);
        try (Stream<Path> left = Files.walk(data.resolve("archive"))) {
            assertThat(left.filter(p -> p.getFileName().toString().endsWith(".inprogress"))).isEmpty();
        }
    }
}
