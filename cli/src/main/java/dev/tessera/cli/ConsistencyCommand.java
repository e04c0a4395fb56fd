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
            "Serving logs responses when started with --log-responses FRACTION (under <data>/responses). With --predictions,"
                    + " the features models were scored with (every POST /v1/score is logged to the predictions source) are checked"
                    + " instead. A mismatch means an event arrived after the read (late or slow), the archive misses events, or a bug."},
        footer = {"%nExamples:",
            "  tessera consistency --features examples/commerce --data tessera-data/demo \\",
            "      --service account_risk_v1",
            "  tessera consistency --features examples/commerce --service account_risk_v2 \\",
            "      --log tessera-data/responses/responses-2026-11-26-10.jsonl",
            "  tessera consistency --features examples/commerce --data tessera-data/demo \\",
            "      --service account_risk_v2 --predictions"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no mismatch but explained ones (events after the read or in flight, sketches fed in another order)",
            "1:bad definitions, unknown service or source, no log or prediction of the service (printed)",
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

    @Option(names = "--predictions", paramLabel = "SOURCE", arity = "0..1", fallbackValue = "predictions",
            description = "Check the features models were scored with instead: the prediction records in this source's archive"
                    + " (default when given without a value: predictions, the source the scoring API logs to), each recomputed"
                    + " at its as_of.")
    String predictions;

    @Option(names = "--in-flight", paramLabel = "DURATION", defaultValue = "1s", converter = InFlightConverter.class,
            description = "A mismatch is explained when the online value is what had reached the broker this long before the"
                    + " read: events still on their way to the online store (0s: only late arrivals explain). Default: ${DEFAULT-VALUE}")
    Long inFlight;

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
        if (predictions != null && logs != null && !logs.isEmpty()) {
            err.println("--log and --predictions read different logs: give one of them (see: tessera consistency --help)");
            return 1;
        }
        if (predictions != null && defs.source(predictions).isEmpty()) {
            err.println("no source '" + predictions + "' in " + common.features + "; "
                    + dev.tessera.api.ClosestNames.hint(predictions, defs.sources().keySet(), "sources"));
            return 1;
        }
        ConsistencyCheck check = new ConsistencyCheck(defs, common.features, Archives.reader(archive, err), registry.open(defs, common.data))
                .withInFlight(java.time.Duration.ofMillis(inFlight));
        ConsistencyCheck.Report r;
        if (predictions != null) {
            r = check.runOnPredictions(service, dev.tessera.offline.archive.ArchiveReader.open(archive, predictions), common.data.resolve("tmp"));
            if (r.lines() == 0) {
                err.println("no prediction in " + archive.resolve(predictions) + "; score some requests (POST /v1/score/<model>), and"
                        + " wait for the archive's commit");
                return 1;
            }
            if (r.checked() == 0) {
                err.printf(Locale.ROOT, "none of the %,d predictions in %s was scored with features of %s; score some requests"
                        + " (POST /v1/score/<model>) with a model of that service, and wait for the archive's commit%n", r.lines(),
                        archive.resolve(predictions), service);
                return 1;
            }
            out.printf(Locale.ROOT, "%,d logged predictions (%,d holding features of %s, each compared on those it holds), %,d values compared: %,d mismatches, of"
                            + " which %,d explained (events that reached the broker after the read or too late to count, events in"
                            + " flight at the read, or a percentile's sketch fed in another order) and %,d unexplained%n", r.lines(), r.checked(), service, r.compared(), r.mismatches(), r.mismatches() - r.unexplained(),
                    r.unexplained());
        } else {
            List<Path> from = logs == null || logs.isEmpty() ? List.of(common.data.resolve("responses")) : logs;
            for (Path p : from) {
                if (!java.nio.file.Files.exists(p)) {
                    err.println("no response log at " + p + (logs == null || logs.isEmpty() ? " (under --data " + common.data + ": is that"
                            + " the node's data folder?)" : "") + "; serving writes one when started with --log-responses FRACTION (the"
                            + " demo logs every read), or check the features models were scored with: --predictions");
                    return 1;
                }
            }
            r = check.run(service, from, common.data.resolve("tmp"));
            if (r.lines() == 0) {
                err.println("nothing to check: no logged read in " + from + "; serving logs reads when started with --log-responses"
                        + " FRACTION (GET and POST /v1/features), or check the features models were scored with: --predictions");
                return 1;
            }
            if (r.checked() == 0) {
                err.printf(Locale.ROOT, "none of the %,d logged reads has features of %s: read a group the service uses, or pick"
                        + " another --service%n", r.lines(), service);
                return 1;
            }
            out.printf(Locale.ROOT, "%,d logged group reads (a read logs one line per entity and group; %,d with features of %s), %,d values compared: %,d mismatches, of which %,d"
                            + " explained (events that reached the broker after the read or too late to count, events in flight at the"
                            + " read, or a percentile's sketch fed in another order) and %,d unexplained%n",
                    r.lines(), r.checked(), service, r.compared(), r.mismatches(), r.mismatches() - r.unexplained(), r.unexplained());
        }
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

    /** A duration in milliseconds, zero allowed ({@code 0}, {@code 0s}): {@code 500ms}, {@code 1s}, {@code 2m}. */
    static final class InFlightConverter implements picocli.CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            if (value.trim().matches("0+\\s*(ms|s|m|h|d|w)?")) {
                return 0L;
            }
            return new GenerateCommand.SpanConverter().convert(value).millis();
        }
    }
}
