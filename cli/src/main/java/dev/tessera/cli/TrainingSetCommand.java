package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.offline.training.TrainingSetBuilder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tessera training-set}: the point-in-time join of a spine with a service's features (SPEC §3, §5, ADR 010). */
@Command(name = "training-set", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Join a spine (entity keys, ts, any label columns) with every feature of a service as of each row's ts:"
                + " the value the online store would have served at ts had every event before ts arrived. Nothing at or after"
                + " ts leaks in. Events come from the archive (<data>/archive); spines and archives larger than memory work.",
            "Output: the spine's columns, then one column per feature named <group>__<feature>_<window>."},
        footer = {"%nExamples:",
            "  tessera training-set --features examples/commerce --spine labels.csv --service account_risk_v1 --out train.parquet",
            "  tessera training-set --spine labels.parquet --service account_risk_v2 --out train.csv"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:written", "1:bad definitions, unknown service, unreadable spine or missing columns (printed)",
            "2:invalid command line"})
final class TrainingSetCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    OfflineRegistryOption registry;

    @Option(names = "--spine", paramLabel = "FILE", required = true,
            description = "CSV with a header line, or Parquet: the entity key columns of the service's entities (e.g. account_id),"
                    + " ts (epoch millis or ISO-8601), and any other columns, passed through.")
    Path spine;

    @Option(names = "--service", paramLabel = "SERVICE", required = true, description = "The feature service whose features to join.")
    String service;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Where to write the training set (replaced if it exists).")
    Path outFile;

    @Option(names = "--format", paramLabel = "parquet|csv",
            description = "Output format. Default: from the --out file name (.csv is CSV; .parquet, .pq or no extension Parquet).")
    String format;

    @Option(names = "--memory", paramLabel = "MB",
            description = "Heap the join may use per bucket (default: a quarter of the JVM's maximum heap).")
    Long memoryMb;

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
        TrainingSetBuilder.Options o = TrainingSetBuilder.Options.of(spine, service, outFile, common.data.resolve("tmp"));
        if (format != null) {
            switch (format.toLowerCase(Locale.ROOT)) {
                case "parquet" -> o = o.withFormat(TrainingSetBuilder.Format.PARQUET);
                case "csv" -> o = o.withFormat(TrainingSetBuilder.Format.CSV);
                default -> {
                    err.println("--format must be parquet or csv, not '" + format + "'");
                    return 2;
                }
            }
        } else {
            String name = outFile.getFileName().toString().toLowerCase(Locale.ROOT);
            int dot = name.lastIndexOf('.');
            String ext = dot < 0 ? "" : name.substring(dot + 1);
            if (!ext.isEmpty() && !List.of("parquet", "pq", "csv").contains(ext)) {
                err.println("--out " + outFile + ": training sets are written as Parquet or CSV, not ." + ext
                        + "; name the file .parquet or .csv, or pass --format parquet|csv");
                return 2;
            }
        }
        if (memoryMb != null) {
            o = o.withMemoryBudget(memoryMb << 20);
        }
        Path archive = common.data.resolve("archive");
        Path parent = outFile.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ProgressBar bar = new ProgressBar(err, !noProgress && System.console() != null);
        long start = System.nanoTime();
        TrainingSetBuilder.Report r = new TrainingSetBuilder(defs, common.features,
                Archives.reader(archive, err), registry.open(defs, common.data)).build(o, (phase, done, total) -> {
                    double base = switch (phase) {
                        case "spine" -> 0.0;
                        case "events" -> 0.1;
                        case "join" -> 0.5;
                        default -> 0.9;
                    };
                    double width = phase.equals("events") || phase.equals("join") ? 0.4 : 0.1;
                    bar.update(base + (total > 0 ? width * done / total : 0));
                });
        bar.done();
        double secs = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "wrote %s: %,d %s × %d features (%s) in %.1f s; %,d archived events read, %,d joined%n",
                outFile, r.rows(), r.rows() == 1 ? "row" : "rows", r.featureColumns().size(), o.format().name().toLowerCase(Locale.ROOT), secs, r.eventsScanned(),
                r.eventsJoined());
        r.rowsWithoutKey().forEach((entity, n) -> {
            if (n > 0) {
                out.printf(Locale.ROOT, n == 1 ? "%,d row has no key for entity %s: its features are empty there%n"
                        : "%,d rows have no key for entity %s: its features are empty there%n", n, entity);
            }
        });
        if (r.rowsBadTimestamp() > 0) {
            out.printf(Locale.ROOT, r.rowsBadTimestamp() == 1 ? "%,d row has a ts that does not parse: its features are empty%n"
                    : "%,d rows have a ts that does not parse: their features are empty%n", r.rowsBadTimestamp());
        }
        for (String p : r.problems()) {
            err.println("  " + p);
        }
        for (String w : r.warnings()) {
            err.println("warning: " + w);
        }
        return 0;
    }
}
