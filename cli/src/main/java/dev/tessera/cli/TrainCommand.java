package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.inference.ModelRegistry;
import dev.tessera.offline.training.ModelTraining;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tessera train}: fits a model on a training set and adds it to the model registry (SPEC §7, ADR 022). */
// No mixinStandardHelpOptions: its -V/--version would take the --version SPEC §5a gives the model version.
@Command(name = "train", sortOptions = false,
        description = {"Fit a model on a training set that tessera training-set wrote (Parquet or CSV) and add it to the model"
                + " registry: the artifact (<name>_v<version>.json) and its registry file (<name>_v<version>.yaml).",
            "20%% of the entities (by a hash of the entity key) are held out; the model as the registry loads it is scored on"
                + " both sides, and the AUC and log loss are printed and written into the registry file.",
            "xgboost: gradient-boosted trees (binary:logistic). logistic: logistic regression (XGBoost's gblinear on"
                + " standardized inputs, written as Tessera's linear JSON). String features get a table of their values'"
                + " positive rates (target encoding)."},
        footer = {"%nExamples:",
            "  tessera train --features examples/commerce --training-set train.parquet --label chargeback \\",
            "      --service account_risk_v2 --name account_risk --version 2",
            "  tessera train --training-set train.csv --label y --service account_risk_v1 --name account_risk --version 1"
                + " --format logistic --out models/"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:trained and registered", "1:bad definitions or registry, unknown service, missing columns, bad labels"
                + " (printed)", "2:invalid command line"})
final class TrainCommand implements Callable<Integer> {
    /** Scores of the written model and of XGBoost itself agree to float rounding (ADR 022); more is a bug. */
    static final double MAX_DIFFERENCE = 1e-5;

    @Mixin
    CommonOptions common;

    @Option(names = "--training-set", paramLabel = "FILE", required = true,
            description = "A training set of the service: tessera training-set's output (feature columns <group>__<feature>).")
    Path trainingSet;

    @Option(names = "--label", paramLabel = "COLUMN", required = true,
            description = "The label column: 1/0 or true/false; rows with an empty label are left out.")
    String label;

    @Option(names = "--service", paramLabel = "SERVICE", required = true,
            description = "The feature service the model reads: its features, in its order, are the model's inputs.")
    String service;

    @Option(names = "--name", paramLabel = "NAME", required = true, description = "Model name, e.g. account_risk.")
    String name;

    @Option(names = "--version", paramLabel = "N", required = true, description = "Model version (1, 2, ...); must be new.")
    int version;

    @Option(names = "--format", paramLabel = "xgboost|logistic", defaultValue = "xgboost",
            description = "What to fit. Default: ${DEFAULT-VALUE}")
    String format;

    @Option(names = "--out", paramLabel = "DIR",
            description = "The model registry folder. Default: models/ in the --features folder.")
    Path registryDir;

    @Option(names = "--trees", paramLabel = "N", defaultValue = "100",
            description = "Trees (xgboost) or boosting rounds (logistic). Default: ${DEFAULT-VALUE}")
    int trees;

    @Option(names = "--max-depth", paramLabel = "N", defaultValue = "4", description = "Tree depth (xgboost). Default: ${DEFAULT-VALUE}")
    int maxDepth;

    @Option(names = "--eta", paramLabel = "RATE", description = "Learning rate. Default: 0.1 (xgboost), 0.5 (logistic).")
    Double eta;

    @Option(names = "--owner", paramLabel = "TEXT", description = "Who to ask about the model. Default: the service's owner.")
    String owner;

    @Option(names = "--description", paramLabel = "TEXT", description = "What the model predicts. Default: said from the options.")
    String description;

    @Option(names = "--threshold", paramLabel = "P", description = "The score from which a case counts as positive (optional).")
    Double threshold;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ModelTraining.Algorithm algorithm;
        switch (format.toLowerCase(Locale.ROOT)) {
            case "xgboost" -> algorithm = ModelTraining.Algorithm.XGBOOST;
            case "logistic" -> algorithm = ModelTraining.Algorithm.LOGISTIC;
            default -> {
                err.println("--format must be xgboost or logistic, not '" + format + "'");
                return 2;
            }
        }
        if (version < 1 || trees < 1 || maxDepth < 1 || (eta != null && !(eta > 0 && eta <= 1))) {
            err.println("--version, --trees and --max-depth must be at least 1, and --eta in (0, 1]");
            return 2;
        }
        Definitions defs = common.definitions(err);
        if (defs == null) {
            return 1;
        }
        Path registry = registryDir != null ? registryDir : ModelRegistry.defaultFolder(common.features);
        ModelTraining.Options o = ModelTraining.Options.of(trainingSet, label, service, name, version, algorithm, registry);
        o = o.withTrees(trees, maxDepth, eta != null ? eta : o.eta()).withMeta(owner, description, threshold);
        long start = System.nanoTime();
        ModelTraining.Result r = new ModelTraining(defs).train(o);
        double secs = (System.nanoTime() - start) / 1e9;
        ModelTraining.Metrics t = r.train();
        ModelTraining.Metrics v = r.validation();
        String what = algorithm == ModelTraining.Algorithm.XGBOOST ? "xgboost, " + trees + " trees of depth " + maxDepth
                : "logistic, " + trees + " rounds of gblinear";
        out.printf(Locale.ROOT, "trained %s (%s) on %s, label %s, in %.1f s%n", r.model().info().label(), what, trainingSet, label, secs);
        out.printf(Locale.ROOT, "  %-11s %10s %10s %8s %9s%n", "", "rows", "positives", "AUC", "log loss");
        out.printf(Locale.ROOT, "  %-11s %,10d %,10d %8.4f %9.4f%n", "train", t.rows(), t.positives(), t.auc(), t.logLoss());
        out.printf(Locale.ROOT, "  %-11s %,10d %,10d %8.4f %9.4f   (20%% of entities, by a hash of %s)%n", "validation", v.rows(),
                v.positives(), v.auc(), v.logLoss(), String.join(" + ", r.keyColumns()));
        if (r.rowsWithoutLabel() > 0) {
            out.printf(Locale.ROOT, "  %,d rows without a label left out%n", r.rowsWithoutLabel());
        }
        r.categories().forEach((feature, n) -> out.printf(Locale.ROOT, n == 0
                ? "  string feature %s: no value on any training row, so the model cannot use it (was its source archived for the"
                        + " spine's times? tessera import, then tessera backfill)%n"
                : "  string feature %s: a table of %d values%n", feature, n));
        for (String c : r.constantInputs()) {
            spec.commandLine().getErr().println("warning: feature " + c + " has the same value on every row of " + trainingSet
                    + ": the model learns nothing from it; if it should vary, check its definition (a field the events do not"
                    + " have reads as absent: tessera training-set warns about those)");
        }
        out.printf(Locale.ROOT, "wrote %s and %s%n", r.registryFile(), r.artifact().getFileName());
        if (r.maxDifferenceToXGBoost() > MAX_DIFFERENCE) {
            err.printf(Locale.ROOT, "error: the registry scores the validation rows up to %.3g away from XGBoost's own predictions"
                    + " (expected at most %.0g): the files are written, but do not serve this model; please report it%n",
                    r.maxDifferenceToXGBoost(), MAX_DIFFERENCE);
            return 1;
        }
        out.printf(Locale.ROOT, "  the registry's scores equal XGBoost's predictions on the validation rows (max difference %.2g)%n",
                r.maxDifferenceToXGBoost());
        return 0;
    }
}
