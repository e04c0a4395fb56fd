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
 * and read after each round (GET a group, POST a service); then every logged value is recomputed
 * offline from the archive at its {@code as_of} and compared.
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
                Thread.sleep(5); // the next round's events come strictly after these reads
            }
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

        // the same through the commands a user runs
        CommandLineTest.Run consistency = CommandLineTest.tessera("consistency", "--features", EXAMPLES.toString(), "--data", data.toString(),
                "--service", "account_risk_v2");
        assertThat(consistency.exit()).as(consistency.out() + consistency.err()).isZero();
        assertThat(consistency.out()).contains(reads + " logged reads", ": 0 mismatches");
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

    private static String post(HttpClient http, String url, String type, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("content-type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }
}
