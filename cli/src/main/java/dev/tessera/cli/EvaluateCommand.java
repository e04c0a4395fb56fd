package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.api.TimeSpan;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.evaluate.ExperimentEvaluation;
import dev.tessera.offline.evaluate.ExperimentEvaluation.Result;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tessera evaluate}: per-variant AUC, log loss and calibration of an experiment, from the archive. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Evaluate an experiment's variants: join the logged predictions (the predictions source in the archive)"
                + " with the labels that came later (by default chargebacks of the same account), and report per variant"
                + " AUC and log loss with 95%% bootstrap intervals, and calibration, as a table and as an SVG chart."})
final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--experiment", paramLabel = "NAME", required = true, description = "The experiment (GET /v1/experiments).")
    String experiment;

    @Option(names = "--labels", paramLabel = "SOURCE", defaultValue = "chargebacks",
            description = "The source whose events are positive labels. Default: ${DEFAULT-VALUE}")
    String labels;

    @Option(names = "--predictions", paramLabel = "SOURCE", defaultValue = "predictions",
            description = "The source the scoring API logs to (topic tessera.predictions). Default: ${DEFAULT-VALUE}")
    String predictions;

    @Option(names = "--label-key", paramLabel = "FIELD", defaultValue = "account_id",
            description = "The entity key joining a prediction's entity to label events. Default: ${DEFAULT-VALUE}")
    String labelKey;

    @Option(names = "--label-window", paramLabel = "DURATION", defaultValue = "30d", converter = GenerateCommand.SpanConverter.class,
            description = "A prediction is positive when a label follows within this; younger predictions are left out."
                    + " Default: ${DEFAULT-VALUE} (the demo's chargebacks come within minutes: use 10m)")
    TimeSpan window;

    @Option(names = "--chart", paramLabel = "FILE.svg", description = "Also draw the calibration curves and AUCs as an SVG chart.")
    Path chart;

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
        for (String s : new String[] {predictions, labels}) {
            if (defs.source(s).isEmpty()) {
                err.println("no source '" + s + "' in " + common.features + "; "
                        + dev.tessera.api.ClosestNames.hint(s, defs.sources().keySet(), "sources"));
                return 1;
            }
        }
        Path archive = common.data.resolve("archive");
        ExperimentEvaluation.Report r = ExperimentEvaluation.evaluate(experiment, ArchiveReader.open(archive, predictions),
                ArchiveReader.open(archive, labels), labelKey, window.millis(), System.currentTimeMillis());
        out.printf(Locale.ROOT, "experiment %s: %,d predictions judged (a %s label of the same %s within %s is positive);"
                        + " %,d too recent to judge; %,d of other experiments%n", experiment, r.evaluated(), labels, labelKey, window,
                r.tooRecent(), r.otherExperiments());
        if (r.withoutKey() > 0) {
            err.printf(Locale.ROOT, "%,d predictions of experiment %s have no %s in their entity (%s), so they were not judged:"
                    + " pass --label-key %s, with --labels a source whose events carry it%n", r.withoutKey(), experiment, labelKey,
                    String.join(", ", r.entityFields()), r.entityFields().isEmpty() ? "FIELD" : r.entityFields().iterator().next());
        }
        if (r.evaluated() > 0 && r.labelsWithKey() == 0) {
            err.printf(Locale.ROOT, (r.labelEvents() == 0 ? "no %2$s event is in the archive"
                    : "none of the %1$,d %2$s events carries %3$s") + ", so no prediction can be positive: pick --labels, a source whose"
                    + " events carry %3$s%n", r.labelEvents(), labels, labelKey);
        }
        if (r.variants().isEmpty()) {
            if (r.withoutKey() > 0) {
                return 1;
            }
            if (r.tooRecent() > 0) { // there are predictions: their labels may still come
                long wait = Math.max(1, (r.oldestTooRecent() + window.millis() - System.currentTimeMillis() + 59_999) / 60_000);
                err.printf(Locale.ROOT, "no prediction of experiment %s is old enough to judge yet: all %,d are younger than"
                        + " --label-window %s, so their labels (%s) may still come; the oldest can be judged in about %d min"
                        + " (run this again then), or shorten --label-window%n", experiment, r.tooRecent(), window, labels, wait);
            } else if (!r.otherNames().isEmpty()) {
                err.println("no prediction of experiment '" + experiment + "' in " + archive.resolve(predictions) + "; "
                        + dev.tessera.api.ClosestNames.hint(experiment, r.otherNames(), "experiments in the predictions"));
            } else {
                err.println("no prediction of experiment " + experiment + " in " + archive.resolve(predictions)
                        + "; score some requests (POST /v1/score/<model>), and wait for the archive's commit");
            }
            return 1;
        }
        out.printf(Locale.ROOT, "%-16s %7s %11s %9s %7s %-17s %8s %-17s%n", "VARIANT", "VERSION", "PREDICTIONS", "POSITIVES",
                "AUC", "(95% CI)", "LOG LOSS", "(95% CI)");
        for (Result v : r.variants()) {
            out.printf(Locale.ROOT, "%-16s %7d %,11d %,9d %7s %-17s %8s %-17s%n", v.variant(), v.version(), v.predictions(),
                    v.positives(), f3(v.auc()), ci(v.aucLow(), v.aucHigh()), f4(v.logLoss()), ci4(v.logLossLow(), v.logLossHigh()));
        }
        out.println();
        out.println("calibration (mean score → observed positive rate, rows) per score bin:");
        for (Result v : r.variants()) {
            StringBuilder sb = new StringBuilder("  " + v.variant() + ":");
            for (ExperimentEvaluation.Bin b : v.calibration()) {
                if (b.rows() > 0) {
                    sb.append(String.format(Locale.ROOT, "  [%.1f,%.1f) %.3f→%.3f (%,d)", b.from(), b.to(), b.meanScore(),
                            b.observedRate(), b.rows()));
                }
            }
            out.println(sb);
        }
        if (chart != null) {
            Files.writeString(chart, EvaluationChart.svg(r));
            out.println("chart: " + chart);
        }
        out.flush();
        return 0;
    }

    private static String f3(double d) {
        return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.3f", d);
    }

    private static String f4(double d) {
        return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.4f", d);
    }

    private static String ci(double lo, double hi) {
        return Double.isNaN(lo) ? "" : String.format(Locale.ROOT, "[%.3f, %.3f]", lo, hi);
    }

    private static String ci4(double lo, double hi) {
        return Double.isNaN(lo) ? "" : String.format(Locale.ROOT, "[%.4f, %.4f]", lo, hi);
    }
}
