package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.evaluate.ExperimentEvaluation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tessera evaluate} on predictions and chargebacks imported into the archive: each variant's
 * AUC, log loss and calibration equal an independent brute-force computation here (labels by
 * scanning every chargeback, AUC by counting every positive–negative pair); predictions too recent to
 * judge and other experiments' are left out; the command prints the table and writes the chart.
 */
class EvaluateCommandTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");
    private static final long HOUR = 3_600_000L;

    @TempDir
    Path tmp;

    record P(long time, String account, String variant, int version, double score) {
    }

    @Test
    void figuresEqualABruteForceComputation() throws Exception {
        long now = System.currentTimeMillis();
        Random rnd = new Random(17);
        List<P> predictions = new ArrayList<>();
        Map<String, List<Long>> chargebacks = new HashMap<>();
        StringBuilder pj = new StringBuilder();
        StringBuilder cj = new StringBuilder();
        int cb = 0;
        for (int i = 0; i < 3000; i++) {
            String account = "acct-" + rnd.nextInt(800);
            long t = now - 3 * 24 * HOUR + rnd.nextInt(60 * 60 * 60) * 1000L; // three to 0.5 days ago
            boolean fraud = rnd.nextInt(10) == 0;
            int arm = rnd.nextInt(3);
            String variant = arm == 0 ? "control" : arm == 1 ? "trees_v2" : "shadow_v3";
            int version = arm + 1;
            double score = Math.min(0.999, Math.max(0.001, (fraud ? 0.35 : 0.1) + rnd.nextGaussian() * (arm == 1 ? 0.08 : 0.15)));
            predictions.add(new P(t, account, variant, version, score));
            pj.append(String.format(java.util.Locale.ROOT, "{\"prediction_id\": \"r%d:account_risk:v%d\", \"request_id\": \"r%d\","
                    + " \"time\": %d, \"unit_id\": \"%s\", \"entity\": {\"account_id\": \"%s\"}, \"model\": \"account_risk\","
                    + " \"version\": %d, \"variant\": \"%s\", \"experiment\": \"rollout\", \"shadow\": %b, \"score\": %s,"
                    + " \"features\": {}}%n", i, version, i, t, account, account, version, variant, arm == 2, Double.toString(score)));
            if (fraud) { // a chargeback 10 minutes to 2 hours later: inside or outside a 1h window
                long c = t + (10 + rnd.nextInt(110)) * 60_000L;
                chargebacks.computeIfAbsent(account, k -> new ArrayList<>()).add(c);
                cj.append(String.format(java.util.Locale.ROOT, "{\"chargeback_id\": \"cb%d\", \"event_time\": %d, \"account_id\": \"%s\","
                        + " \"payment_id\": \"p%d\", \"amount\": 10.0, \"reason\": \"fraud\"}%n", cb++, c, account, i));
            }
        }
        // too recent to judge, and another experiment's
        pj.append("{\"prediction_id\": \"late:account_risk:v1\", \"request_id\": \"late\", \"time\": " + (now - 60_000)
                + ", \"unit_id\": \"x\", \"entity\": {\"account_id\": \"x\"}, \"model\": \"account_risk\", \"version\": 1,"
                + " \"variant\": \"control\", \"experiment\": \"rollout\", \"shadow\": false, \"score\": 0.5, \"features\": {}}\n");
        pj.append("{\"prediction_id\": \"o:m:v1\", \"request_id\": \"o\", \"time\": " + (now - 2 * 24 * HOUR)
                + ", \"unit_id\": \"x\", \"entity\": {\"account_id\": \"x\"}, \"model\": \"m\", \"version\": 1,"
                + " \"variant\": \"control\", \"experiment\": \"other\", \"shadow\": false, \"score\": 0.5, \"features\": {}}\n");
        Path pf = tmp.resolve("predictions.jsonl");
        Path cf = tmp.resolve("chargebacks.jsonl");
        Files.writeString(pf, pj);
        Files.writeString(cf, cj);
        String data = tmp.resolve("data").toString();
        for (String[] imp : new String[][] {{"predictions", pf.toString()}, {"chargebacks", cf.toString()}}) {
            CommandLineTest.Run run = CommandLineTest.tessera("import", "--features", EXAMPLES.toString(), "--data", data,
                    "--source", imp[0], imp[1]);
            assertThat(run.exit()).as(run.out() + run.err()).isZero();
        }

        Path archive = tmp.resolve("data").resolve("archive");
        ExperimentEvaluation.Report r = ExperimentEvaluation.evaluate("rollout", ArchiveReader.open(archive, "predictions"),
                ArchiveReader.open(archive, "chargebacks"), "account_id", HOUR, System.currentTimeMillis());
        assertThat(r.evaluated()).isEqualTo(predictions.size());
        assertThat(r.tooRecent()).isEqualTo(1);
        assertThat(r.otherExperiments()).isEqualTo(1);
        assertThat(r.variants()).extracting(ExperimentEvaluation.Result::variant).containsExactly("control", "trees_v2", "shadow_v3");
        for (ExperimentEvaluation.Result v : r.variants()) {
            List<P> mine = predictions.stream().filter(p -> p.variant().equals(v.variant())).toList();
            boolean[] y = new boolean[mine.size()];
            long positives = 0;
            for (int i = 0; i < mine.size(); i++) {
                P p = mine.get(i);
                for (long c : chargebacks.getOrDefault(p.account(), List.of())) {
                    y[i] |= c > p.time() && c <= p.time() + HOUR;
                }
                positives += y[i] ? 1 : 0;
            }
            assertThat(v.predictions()).isEqualTo(mine.size());
            assertThat(v.positives()).as(v.variant()).isEqualTo(positives);
            double pairs = 0;
            double wins = 0;
            double loss = 0;
            for (int i = 0; i < mine.size(); i++) {
                double q = mine.get(i).score();
                loss -= y[i] ? Math.log(q) : Math.log(1 - q);
                if (!y[i]) {
                    continue;
                }
                for (int j = 0; j < mine.size(); j++) {
                    if (y[j]) {
                        continue;
                    }
                    pairs++;
                    double d = mine.get(i).score() - mine.get(j).score();
                    wins += d > 0 ? 1 : d == 0 ? 0.5 : 0;
                }
            }
            assertThat(v.auc()).as(v.variant()).isCloseTo(wins / pairs, within(1e-12));
            assertThat(v.logLoss()).isCloseTo(loss / mine.size(), within(1e-12));
            assertThat(v.aucLow()).isLessThanOrEqualTo(v.auc());
            assertThat(v.aucHigh()).isGreaterThanOrEqualTo(v.auc());
            long rows = 0;
            for (ExperimentEvaluation.Bin b : v.calibration()) {
                List<P> in = new ArrayList<>();
                List<Boolean> lab = new ArrayList<>();
                for (int i = 0; i < mine.size(); i++) {
                    double s = mine.get(i).score();
                    if (s >= b.from() && (s < b.to() || b.to() == 1.0)) {
                        in.add(mine.get(i));
                        lab.add(y[i]);
                    }
                }
                assertThat(b.rows()).isEqualTo(in.size());
                rows += b.rows();
                if (!in.isEmpty()) {
                    assertThat(b.meanScore()).isCloseTo(in.stream().mapToDouble(P::score).average().orElseThrow(), within(1e-12));
                    assertThat(b.observedRate()).isCloseTo(lab.stream().filter(x -> x).count() / (double) in.size(), within(1e-12));
                }
            }
            assertThat(rows).isEqualTo(mine.size());
        }

        Path chart = tmp.resolve("eval.svg");
        CommandLineTest.Run run = CommandLineTest.tessera("evaluate", "--features", EXAMPLES.toString(), "--data", data,
                "--experiment", "rollout", "--label-window", "1h", "--chart", chart.toString());
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("experiment rollout: 3,000 predictions judged", "1 too recent", "VARIANT", "trees_v2",
                String.format(java.util.Locale.ROOT, "%.3f", r.variants().get(1).auc()), "calibration");
        assertThat(Files.readString(chart)).startsWith("<svg").contains("trees_v2 (v2): AUC").contains("AUC (dashed: 0.50, chance)");
        // a key the predictions' entities lack; labels without the key
        CommandLineTest.Run otherKey = CommandLineTest.tessera("evaluate", "--features", EXAMPLES.toString(), "--data", data,
                "--experiment", "rollout", "--label-window", "1h", "--label-key", "merchant_id");
        assertThat(otherKey.exit()).isEqualTo(1);
        assertThat(otherKey.err()).contains("3,000 predictions of experiment rollout have no merchant_id in their entity (account_id),"
                + " so they were not judged: pass --label-key account_id").doesNotContain("no prediction of experiment");
        CommandLineTest.Run keylessLabels = CommandLineTest.tessera("evaluate", "--features", EXAMPLES.toString(), "--data", data,
                "--experiment", "rollout", "--label-window", "1h", "--labels", "predictions");
        assertThat(keylessLabels.exit()).as(keylessLabels.err()).isZero();
        assertThat(keylessLabels.err()).contains("none of the 3,002 predictions events carries account_id, so no prediction can be positive");
        CommandLineTest.Run none = CommandLineTest.tessera("evaluate", "--features", EXAMPLES.toString(), "--data", data,
                "--experiment", "nope");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("no prediction of experiment 'nope'", "experiments in the predictions: other, rollout")
                .doesNotContain("score some requests");
        CommandLineTest.Run typo = CommandLineTest.tessera("evaluate", "--features", EXAMPLES.toString(), "--data", data,
                "--experiment", "rolout");
        assertThat(typo.exit()).isEqualTo(1);
        assertThat(typo.err()).contains("did you mean 'rollout'?");
        // every prediction younger than the window: how long to wait, not "score some requests"
        CommandLineTest.Run early = CommandLineTest.tessera("evaluate", "--features", EXAMPLES.toString(), "--data", data,
                "--experiment", "rollout", "--label-window", "3650d");
        assertThat(early.exit()).isEqualTo(1);
        assertThat(early.err()).contains("old enough to judge yet", "all 3,001 are younger than --label-window", "can be judged in about")
                .doesNotContain("score some requests");
    }
}
