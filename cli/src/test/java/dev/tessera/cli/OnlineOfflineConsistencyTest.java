package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.consistency.ConsistencyCheck;
import dev.tessera.serving.Tokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue [Offline], acceptance: training-set values equal what the online path served at those
 * times — zero mismatches when no event was late. The whole product runs (embedded Kafka, runtime,
 * archive, HTTP API with every read logged); events are pushed over HTTP in time order, in rounds,
 * and read after each round (GET a group, POST a service, and a score of the examples' account_risk
 * experiment); then every logged value is recomputed offline from the archive at its {@code as_of}
 * and compared, and every online score equals the registered model scoring the training-set row
 * built for that account at that {@code as_of} (issue [Inference]: online scores equal offline ones).
 */
class OnlineOfflineConsistencyTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");

    @TempDir
    Path tmp;

    @Test
    void everyServedValueIsRecomputedExactlyOffline() throws Exception {
        Definitions defs = DefinitionLoader.load(EXAMPLES);
        Path data = tmp.resolve("data");
        HttpClient http = HttpClient.newHttpClient();
        Random rnd = new Random(8);
        int reads = 0;
        List<String[]> scores = new ArrayList<>(); // account, as_of, version, score
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try (Node node = Node.start(defs, EXAMPLES, data, null, 2, "127.0.0.1", 0, Tokens.none(), Duration.ofSeconds(1), 1.0)) {
            for (int round = 0; round < 6; round++) {
                StringBuilder payments = new StringBuilder();
                StringBuilder logins = new StringBuilder();
                for (int i = 0; i < 60; i++) {
                    long t = System.currentTimeMillis() - 1; // never before an earlier read: nothing arrives late
                    String account = "a" + rnd.nextInt(8);
                    payments.append(String.format(java.util.Locale.ROOT,
                            "{\"payment_id\":\"p%d_%d\",\"event_time\":%d,\"account_id\":\"%s\",\"card_fingerprint\":\"c%d\","
                                    + "\"merchant_id\":\"m%d\",\"amount\":%d.%02d,\"status\":\"%s\",\"country\":\"%s\",\"device_id\":\"d%d\",\"ip\":\"10.0.0.%d\"}\n",
                            round, i, t, account, rnd.nextInt(5), rnd.nextInt(4), rnd.nextInt(500), rnd.nextInt(100),
                            rnd.nextInt(6) == 0 ? "DECLINED" : "APPROVED", rnd.nextBoolean() ? "US" : "FR", rnd.nextInt(3), rnd.nextInt(9)));
                    logins.append(String.format(java.util.Locale.ROOT,
                            "{\"login_id\":\"l%d_%d\",\"event_time\":%d,\"account_id\":\"%s\",\"device_id\":\"d%d\",\"ip\":\"10.0.1.%d\","
                                    + "\"success\":%s,\"country\":\"US\"}\n",
                            round, i, t, account, rnd.nextInt(3), rnd.nextInt(9), rnd.nextInt(4) != 0));
                }
                assertThat(post(http, node.url() + "/v1/events/payments", "application/x-ndjson", payments.toString())).contains("\"accepted\":60");
                assertThat(post(http, node.url() + "/v1/events/logins", "application/x-ndjson", logins.toString())).contains("\"accepted\":60");
                node.runtime.awaitCaughtUp(Duration.ofSeconds(60));
                for (int a = 0; a < 8; a++) {
                    assertThat(get(http, node.url() + "/v1/features/account_payments/a" + a)).contains("\"features\"");
                    reads++;
                }
                List<String> entities = new ArrayList<>();
                for (int a = 0; a < 8; a++) {
                    entities.add("{\"account_id\":\"a" + a + "\"}");
                }
                assertThat(post(http, node.url() + "/v1/features", "application/json",
                        "{\"service\":\"account_risk_v2\",\"entities\":[" + String.join(",", entities) + "]}")).contains("\"results\"");
                reads += 16;
                for (int a = 0; a < 8; a++) {
                    com.fasterxml.jackson.databind.JsonNode scored = json.readTree(post(http, node.url() + "/v1/score/account_risk",
                            "application/json", "{\"entity\": {\"account_id\": \"a" + a + "\"}}"));
                    scores.add(new String[] {"a" + a, Long.toString(scored.get("as_of").longValue()),
                            Integer.toString(scored.get("version").intValue()), Double.toString(scored.get("score").doubleValue())});
                }
                Thread.sleep(5); // the next round's events come strictly after these reads
            }
            awaitPredictionsLogged(node.bootstrap, scores.size()); // sent asynchronously: in the topic before the archivers' targets are read
            // the archive must hold every pushed event before the node stops: closing stops the archivers
            // where they are (the rest is archived at the next start), and a busy machine leaves them behind
            node.archivers.awaitCaughtUp(Duration.ofSeconds(60));
        }
        ConsistencyCheck check = new ConsistencyCheck(defs, EXAMPLES, src -> ArchiveReader.open(data.resolve("archive"), src.name()));
        for (String service : List.of("account_risk_v1", "account_risk_v2")) {
            ConsistencyCheck.Report r = check.run(service, List.of(data.resolve("responses")), tmp.resolve("work"));
            assertThat(r.lines()).isEqualTo(reads);
            assertThat(r.compared()).as(service).isGreaterThan(100);
            for (ConsistencyCheck.FeatureStats f : r.features()) {
                assertThat(f.mismatches()).as(service + " " + f.feature() + " " + f.examples()).isZero();
            }
        }

        // online scores: the registered model on the training-set row of that account at that as_of
        dev.tessera.inference.ModelRegistry registry = dev.tessera.inference.ModelRegistry.load(
                dev.tessera.inference.ModelRegistry.defaultFolder(EXAMPLES), defs);
        java.util.Set<String> versions = new java.util.TreeSet<>();
        scores.forEach(x -> versions.add(x[2]));
        assertThat(versions).as("both arms of the experiment were scored").containsExactly("1", "2");
        for (String version : versions) {
            dev.tessera.inference.RegisteredModel model = registry.get("account_risk", Integer.parseInt(version)).orElseThrow();
            List<String[]> mine = scores.stream().filter(x -> x[2].equals(version)).toList();
            StringBuilder spine = new StringBuilder("account_id,ts,online_score\n");
            mine.forEach(x -> spine.append(x[0]).append(',').append(x[1]).append(',').append(x[3]).append('\n'));
            Path spineFile = tmp.resolve("score-spine-v" + version + ".csv");
            java.nio.file.Files.writeString(spineFile, spine);
            Path out = tmp.resolve("score-rows-v" + version + ".parquet");
            CommandLineTest.Run built = CommandLineTest.tessera("training-set", "--features", EXAMPLES.toString(), "--data",
                    data.toString(), "--spine", spineFile.toString(), "--service", model.service().name(), "--out", out.toString());
            assertThat(built.exit()).as(built.err()).isZero();
            int rows = 0;
            try (dev.tessera.offline.training.TrainingSetRows in = dev.tessera.offline.training.TrainingSetRows.open(out)) {
                List<String> columns = in.columns();
                Object[] row;
                while ((row = in.next()) != null) {
                    List<Object> values = new ArrayList<>();
                    for (dev.tessera.api.FeatureRef f : model.service().features()) {
                        values.add(row[columns.indexOf(f.group() + "__" + f.servedName())]);
                    }
                    double online = Double.parseDouble(row[columns.indexOf("online_score")].toString());
                    assertThat(model.score(values)).as("v%s %s at %s", version, row[0], row[1]).isEqualTo(online);
                    rows++;
                }
            }
            assertThat(rows).isEqualTo(mine.size());
        }

        // the features the models were scored with (the prediction log, archived as the predictions source), at their as_of
        for (String service : List.of("account_risk_v1", "account_risk_v2")) {
            ConsistencyCheck.Report r = check.runOnPredictions(service, ArchiveReader.open(data.resolve("archive"), "predictions"),
                    tmp.resolve("work"));
            assertThat(r.lines()).isEqualTo(scores.size());
            assertThat(r.checked()).as("the two versions' services share features").isEqualTo(scores.size());
            for (ConsistencyCheck.FeatureStats f : r.features()) {
                // version v scored with service account_risk_v<v> (examples/commerce/models)
                long scoredWith = scores.stream().filter(x -> defs.service("account_risk_v" + x[2]).orElseThrow().features().stream()
                        .anyMatch(ref -> ref.qualifiedName().equals(f.feature()))).count();
                assertThat(f.compared()).as(service + " " + f.feature()).isEqualTo(scoredWith);
                assertThat(f.mismatches()).as(service + " " + f.feature() + " " + f.examples()).isZero();
            }
        }

        // the same through the commands a user runs
        CommandLineTest.Run scored = CommandLineTest.tessera("consistency", "--features", EXAMPLES.toString(), "--data", data.toString(),
                "--service", "account_risk_v1", "--predictions");
        assertThat(scored.exit()).as(scored.out() + scored.err()).isZero();
        assertThat(scored.out()).contains(scores.size() + " logged predictions", ": 0 mismatches");
        CommandLineTest.Run consistency = CommandLineTest.tessera("consistency", "--features", EXAMPLES.toString(), "--data", data.toString(),
                "--service", "account_risk_v2");
        assertThat(consistency.exit()).as(consistency.out() + consistency.err()).isZero();
        assertThat(consistency.out()).contains(reads + " logged group reads", ": 0 mismatches");
        Path spine = tmp.resolve("spine.csv");
        java.nio.file.Files.writeString(spine, "account_id,ts,label\na1," + System.currentTimeMillis() + ",1\nnobody,2026-01-01T00:00:00Z,0\n");
        CommandLineTest.Run training = CommandLineTest.tessera("training-set", "--features", EXAMPLES.toString(), "--data", data.toString(),
                "--spine", spine.toString(), "--service", "account_risk_v1", "--out", tmp.resolve("train.csv").toString());
        assertThat(training.exit()).as(training.err()).isZero();
        List<String> lines = java.nio.file.Files.readAllLines(tmp.resolve("train.csv"));
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("account_id,ts,label,account_payments__declined_count_1h,");
        assertThat(lines.get(2)).startsWith("nobody,2026-01-01T00:00:00Z,0,0,0,");
        CommandLineTest.Run backfill = CommandLineTest.tessera("backfill", "--features", EXAMPLES.toString(), "--data", data.toString(),
                "--group", "account_payments");
        assertThat(backfill.exit()).as(backfill.err()).isZero();
        assertThat(backfill.out()).contains("backfilled account_payments", (6 * 60) + " archived events applied", "0 newer events left");
        CommandLineTest.Run unknown = CommandLineTest.tessera("backfill", "--features", EXAMPLES.toString(), "--data", data.toString(),
                "--group", "acount_payments");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("did you mean 'account_payments'");
    }

    /** Waits until the prediction log's topic holds {@code n} records. */
    private static void awaitPredictionsLogged(String bootstrap, int n) throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.put(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (true) {
                var parts = admin.describeTopics(List.of(dev.tessera.serving.PredictionLog.TOPIC)).allTopicNames().get()
                        .get(dev.tessera.serving.PredictionLog.TOPIC).partitions();
                java.util.Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> req = new java.util.HashMap<>();
                parts.forEach(pi -> req.put(new org.apache.kafka.common.TopicPartition(dev.tessera.serving.PredictionLog.TOPIC, pi.partition()),
                        org.apache.kafka.clients.admin.OffsetSpec.latest()));
                long total = admin.listOffsets(req).all().get().values().stream().mapToLong(i -> i.offset()).sum();
                if (total >= n) {
                    return;
                }
                assertThat(System.nanoTime()).as("%d of %d predictions logged", total, n).isLessThan(deadline);
                Thread.sleep(50);
            }
        }
    }

    static String post(HttpClient http, String url, String type, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("content-type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }
}
