package dev.tessera.cli;

import dev.tessera.api.TimeSpan;
import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.offline.imports.ImportFormat;
import dev.tessera.offline.imports.Importer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tessera import}: historical events from files into a source's archive (SPEC §5a, ADR 008 "Import"). */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Load historical events (JSON Lines, CSV, Parquet) into the archive of a source (<data>/archive/<source>),"
                + " as if the stream had archived them: backfills and training sets then see them.",
            "Every row gets the stream's checks (it decodes, valid timestamp, an entity key, not in the future) and its dedup by id"
                    + " — against the archive too, so importing the same file twice adds nothing — but no lateness rule: the order"
                    + " of a dump does not matter. Rejected rows are counted by reason and shown with file and line; they never"
                    + " stop the import. Commits are atomic: after a crash, run the same import again.",
            "CSV: a header line names the fields (dotted names nest: billing.country); cells are typed by their text (empty:"
                    + " null, true/false, JSON numbers; anything else text), or by the schema for Avro sources.",
            "Stop tessera run/demo on the same --data first: it archives the same folder."},
        footer = {"%nExamples:",
            "  tessera generate --out out/events.jsonl            # writes out/events.<source>.jsonl",
            "  tessera import --features examples/commerce --source payments out/events.payments.jsonl",
            "  tessera import --source payments dump/2025-*.csv.gz --rejects rejects.jsonl",
            "  tessera import --source logins part-0001.snappy.parquet --format parquet"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:imported (rejected rows, if any, are reported)",
            "1:bad definitions, unknown source, unreadable file or unknown format, archive in use (printed; nothing imported)",
            "2:invalid command line"})
final class ImportCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    OfflineRegistryOption registry;

    @Option(names = "--source", paramLabel = "SOURCE", required = true, description = "The source the events belong to (e.g. payments).")
    String source;

    @Parameters(paramLabel = "FILE", arity = "1..*",
            description = "Files to import, in order: .jsonl/.ndjson/.json, .csv (either may end in .gz), .parquet/.pq.")
    List<Path> files;

    @Option(names = "--format", paramLabel = "jsonl|csv|parquet",
            description = "Format of every FILE. Default: from each file's name.")
    String format;

    @Option(names = "--rejects", paramLabel = "FILE",
            description = "Write every rejected row to FILE as JSON lines: file, line (or row), reason, message, and the row's text.")
    Path rejects;

    @Option(names = "--max-record-bytes", paramLabel = "BYTES",
            description = "Larger records are rejected as too_large (keep it equal to the stream's). Default: ${DEFAULT-VALUE}")
    int maxRecordBytes = dev.tessera.runtime.decode.EventDecoders.DEFAULT_MAX_RECORD_BYTES;

    @Option(names = "--commit-rows", paramLabel = "N",
            description = "Commit (atomically) every N archived rows, and at the end. Default: ${DEFAULT-VALUE}")
    long commitRows = 1_000_000L;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Definitions defs = common.definitions(err);
        if (defs == null) {
            return 1;
        }
        Importer.Options o = Importer.Options.of(source, files, common.data.resolve("tmp")).withMaxRecordBytes(maxRecordBytes)
                .withRejects(rejects);
        o = o.withChunks(commitRows, o.spillBudgetBytes());
        if (format != null) {
            ImportFormat f = ImportFormat.parse(format);
            if (f == null) {
                err.println("--format must be jsonl, csv or parquet, not '" + format + "'");
                return 2;
            }
            o = o.withFormat(f);
        }
        ProgressBar bar = new ProgressBar(err, !noProgress && System.console() != null);
        long start = System.nanoTime();
        Importer.Report r = new Importer(defs, common.features, common.data.resolve("archive"),
                registry.open(defs, common.data))
                .run(o, (phase, fraction) -> bar.update(phase.equals("read") ? 0.6 * fraction : 0.6 + 0.4 * fraction));
        bar.done();
        double secs = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "imported %s into the archive of %s (%s) in %.1f s: %,d rows read (%,.0f rows/s; reading %.1f s,"
                        + " archiving %.1f s)%n", files.size() == 1 ? files.get(0) : files.size() + " files", r.source(), r.archive(), secs,
                r.rowsRead(), r.rowsRead() / Math.max(secs, 1e-3), r.readMillis() / 1e3, r.archiveMillis() / 1e3);
        if (r.archived() > 0) {
            out.printf(Locale.ROOT, "  archived %,d events from %s to %s, in %d commit%s (%,d files)%n", r.archived(),
                    Instant.ofEpochMilli(r.minEventTime()), Instant.ofEpochMilli(r.maxEventTime()), r.commits(),
                    r.commits() == 1 ? "" : "s", r.files());
        } else {
            out.println("  archived nothing new");
        }
        if (r.rejectedTotal() > 0) {
            out.printf(Locale.ROOT, "  rejected %,d: %s%n", r.rejectedTotal(), r.rejected().entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue())).collect(Collectors.joining(", ")));
            out.println("  first rejected rows:");
            for (Importer.Reject x : r.examples()) {
                out.println("    " + x);
            }
            out.println(rejects != null ? "  every rejected row, with its text: " + rejects
                    : "  (--rejects FILE writes every rejected row, with its text)");
        }
        if (r.leftoversRemoved() > 0) {
            out.printf(Locale.ROOT, "  removed %d uncommitted files a crashed run had left%n", r.leftoversRemoved());
        }
        List<String> groups = defs.groupsOf(defs.source(source).orElseThrow()).stream().map(FeatureGroup::name).toList();
        if (r.archived() > 0 && !groups.isEmpty()) {
            String backfill = "tessera backfill --features " + common.features + " --data " + common.data + " --group " + groups.get(0)
                    + (groups.size() > 1 ? " (groups of " + source + ": " + String.join(", ", groups) + ")" : "");
            out.println("  next: " + backfill + " puts them into the online store (tessera run and demo serve it);"
                    + " training sets read the archive directly");
            long longest = defs.groupsOf(defs.source(source).orElseThrow()).stream().flatMap(g -> g.features().stream())
                    .flatMap(f -> f.windows().stream()).mapToLong(TimeSpan::millis).max().orElse(0);
            long age = System.currentTimeMillis() - r.maxEventTime();
            if (longest > 0 && age > longest) {
                out.printf(Locale.ROOT, "  note: the newest of these events is %s old, more than the longest window of the groups of %s (%s):"
                        + " features served now count none of them (lifetime ones do); training sets with spine times in %s to %s"
                        + " use them%n", new TimeSpan(age - age % (age >= 86_400_000 ? 86_400_000 : age >= 3_600_000 ? 3_600_000 : 60_000)), source, new TimeSpan(longest),
                        Instant.ofEpochMilli(r.minEventTime()), Instant.ofEpochMilli(r.maxEventTime()));
            }
        }
        return 0;
    }
}
