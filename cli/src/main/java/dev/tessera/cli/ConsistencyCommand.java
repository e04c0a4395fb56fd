package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.offline.consistency.ConsistencyCheck;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tessera consistency}: logged online responses recomputed offline, mismatches per feature (SPEC §5). */
@Command(name = "consistency", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Recompute logged online responses offline from the archive, with the same core, and report the"
                + " mismatch rate per feature of a service, with examples.",
            "Serving logs responses when started with --log-responses FRACTION (under <data>/responses). A mismatch means an"
                    + " event arrived after the read (late or slow), the archive misses events, or a bug."},
        footer = {"%nExamples:",
            "  tessera consistency --features examples/commerce --service account_risk_v1",
            "  tessera consistency --service account_risk_v2 --log tessera-data/responses/responses-2026-11-26-10.jsonl"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no mismatch but those of events that arrived after the read", "1:bad definitions, unknown service, no log (printed)",
            "3:unexplained mismatches (archive gaps or bugs)"})
final class ConsistencyCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    OfflineRegistryOption registry;

    @Option(names = "--service", paramLabel = "SERVICE", required = true, description = "Compare the features of this service.")
    String service;

    @Option(names = "--log", paramLabel = "FILE|DIR", description = "Response log files or folders. Default: <data>/responses")
    List<Path> logs;

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
        Path archive = common.data.resolve("archive");
        List<Path> from = logs == null || logs.isEmpty() ? List.of(common.data.resolve("responses")) : logs;
        ConsistencyCheck.Report r = new ConsistencyCheck(defs, common.features,
                Archives.reader(archive, err), registry.open(defs, common.data)).run(service, from, common.data.resolve("tmp"));
        out.printf(Locale.ROOT, "%,d logged reads (%,d with features of %s), %,d values compared: %,d mismatches, of which %,d"
                        + " explained by late arrivals (after the read, or later than the source's lateness) and %,d unexplained%n",
                r.lines(), r.checked(), service, r.compared(), r.mismatches(), r.mismatches() - r.unexplained(), r.unexplained());
        out.printf(Locale.ROOT, "%-50s %9s %9s %9s %12s%n", "feature", "compared", "mismatch", "rate", "unexplained");
        for (ConsistencyCheck.FeatureStats f : r.features()) {
            out.printf(Locale.ROOT, "%-50s %,9d %,9d %8.3f%% %,12d%n", f.feature(), f.compared(), f.mismatches(), 100 * f.mismatchRate(),
                    f.unexplained());
            for (String e : f.examples()) {
                out.println("    e.g. " + e);
            }
        }
        for (String p : r.problems()) {
            err.println("  " + p);
        }
        return r.unexplained() == 0 ? 0 : 3;
    }
}
