package dev.tessera.serving;

import static dev.tessera.serving.NaiveFeatures.MINUTE;
import static dev.tessera.serving.NaiveFeatures.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tessera.serving.FuzzRequest.Server;
import dev.tessera.serving.NaiveFeatures.Ev;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP fuzzing of every endpoint (issue 11, SPEC §4, §9): seeded requests made from a valid request
 * of each endpoint of {@link HttpApi#ENDPOINTS} ({@link FuzzRequests}), most of them broken in one
 * to three places ({@link RequestMutations}, {@link BodyMutations}), sent by {@link #WORKERS}
 * concurrent clients ({@link FuzzClient}) to the real stack ({@link ServingStack}: the open and the
 * secured server) and to a node with Avro sources ({@link AvroPushNode}), over five transports: one
 * request at a time on a kept-alive socket, pipelined batches, a fresh socket the client half-closes
 * after a request whose framing may lie, and the JDK client over HTTP/1.1 and offering h2c.
 *
 * <p>The oracle, for every answer: never a 5xx (every dependency of this stack stays up, so even
 * the documented 503s, for a store, Kafka or a registry that cannot be reached, would be wrong
 * here); every 4xx is the JSON error shape; a request still valid gets a 2xx (a push: every event
 * accepted); an answer carrying one of our request ids carries this request's (answers stay in
 * order); no request waits more than {@link FuzzClient#ANSWER_BOUND_MS} for its answer or a clean
 * close (a guard against a hang, not a speed assertion); a connection the server announced it closes
 * ends in a clean close, not a reset; a complete request is answered even when the client
 * half-closes after it. Every endpoint must be reached by valid requests answered 2xx and by broken
 * ones answered 4xx, and every transport used. After the
 * run, {@code /health} is 200 on every server, and the {@code oracle-} accounts, which get events
 * only from unbroken pushes sent among the fuzzed requests, are served exactly what
 * {@link NaiveFeatures} computes from those events.
 *
 * <p>{@code -Dtessera.seed=N} changes the requests, {@code -Dtessera.fuzz.requests=N} (or
 * {@code -Dtessera.requests=N}) their number (the reliability profile passes 50,000); a failure
 * names the seed, the client and the request. The requests of each client are reproducible, the
 * interleaving of the clients is not. Prints one summary line: requests, transports, answers by
 * status class and code, outcomes by endpoint.
 */
@Tag("reliability")
class HttpFuzzTest {
    static final long SEED = Long.getLong("tessera.seed", 20_261_128L);
    static final int REQUESTS = Integer.getInteger("tessera.fuzz.requests", Integer.getInteger("tessera.requests", 10_000));
    static final int WORKERS = 3;
    static final int ORACLE_ACCOUNTS = 6;

    @TempDir
    static Path tmp;
    static ServingStack stack;
    static AvroPushNode avro;
    static HttpClient http1;
    static HttpClient h2c;
    static final List<Ev> oraclePayments = Collections.synchronizedList(new ArrayList<>());
    static final List<Ev> oracleLogins = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() throws Exception {
        stack = ServingStack.start(tmp);
        avro = AvroPushNode.start(tmp.resolve("avro-features"), stack.kafka);
        http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        h2c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(10)).build();
        // the oracle accounts' first events, straight to Kafka; the rest come from pushes among the fuzzed requests
        long t0 = System.currentTimeMillis() - 8 * MINUTE;
        for (int a = 0; a < ORACLE_ACCOUNTS; a++) {
            String account = "oracle-acct-" + a;
            for (int i = 0; i < 3; i++) {
                Ev p = NaiveFeatures.payment("oracle-seed-p-" + a + "-" + i, account, "oracle-card-" + i, "m-" + (a + i) % 3,
                        10L * (a + 1) + i, i == 1 ? "DECLINED" : "APPROVED", FuzzRequests.COUNTRIES[(a + i) % 6], t0 + (a * 3 + i) * SECOND);
                oraclePayments.add(p);
                stack.produce("payments", account, List.of(NaiveFeatures.json(p)));
            }
            Ev l = NaiveFeatures.login("oracle-seed-l-" + a, account, "oracle-dev-" + a, "10.9.0." + a, a % 2 == 0, "FR", t0 + a * SECOND);
            oracleLogins.add(l);
            stack.produce("logins", account, List.of(NaiveFeatures.json(l)));
        }
        stack.runtime.awaitCaughtUp(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        if (avro != null) {
            avro.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theGeneratorHasAValidRequestForEveryEndpointTheApiLists() {
        assertThat(new FuzzRequests(new AtomicLong()).endpoints())
                .as("FuzzRequests needs a template for every endpoint of HttpApi.ENDPOINTS, and only those")
                .containsExactlyInAnyOrderElementsOf(HttpApi.ENDPOINTS);
    }

    @Test
    void fuzzedRequestsGetNo5xxAndNoHangAndTheServedValuesStayRight() throws Exception {
        long start = System.nanoTime();
        FuzzOutcomes outcomes = new FuzzOutcomes();
        AtomicLong ids = new AtomicLong();
        FuzzClient.Targets targets = new FuzzClient.Targets(
                Map.of(Server.OPEN, stack.open.port(), Server.SECURED, stack.secured.port(), Server.AVRO, avro.server.port()),
                http1, h2c, e -> (e.fields().containsKey("payment_id") ? oraclePayments : oracleLogins).add(e));
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            int quota = REQUESTS / WORKERS + (w < REQUESTS % WORKERS ? 1 : 0);
            FuzzClient client = new FuzzClient(SEED, w, quota, new FuzzRequests(ids), outcomes, targets);
            workers.add(pool.submit(client::run));
        }
        try {
            for (Future<?> f : workers) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.println(outcomes.summary("HttpFuzzTest seed " + SEED, seconds, oraclePayments.size() + oracleLogins.size()));

        assertThat(outcomes.failures()).as("%d failures (the first of each kind shown); %s", outcomes.failureCount(), outcomes.failureKinds())
                .isEmpty();
        for (String endpoint : HttpApi.ENDPOINTS) {
            assertThat(outcomes.validAnswered2xx(endpoint)).as("valid requests to %s answered 2xx", endpoint).isPositive();
            assertThat(outcomes.brokenAnswered4xx(endpoint)).as("broken requests to %s answered 4xx", endpoint).isPositive();
        }
        for (FuzzClient.Transport t : FuzzClient.Transport.values()) {
            assertThat(outcomes.byTransport(t)).as("requests over %s", t).isPositive();
        }
        assertThat(outcomes.validAnswered2xx(Server.AVRO)).as("valid pushes to the Avro sources").isPositive();

        theServersStillAnswerWithTheOraclesValues();
    }

    /** After the run: every server healthy, and the oracle accounts' values exactly the naive ones. */
    private static void theServersStillAnswerWithTheOraclesValues() throws Exception {
        stack.runtime.awaitCaughtUp(Duration.ofSeconds(60));
        avro.runtime.awaitCaughtUp(Duration.ofSeconds(60));
        assertThat(stack.runtime.failure()).isNull();
        assertThat(avro.runtime.failure()).isNull();
        for (ServingServer s : List.of(stack.open, stack.secured, avro.server)) {
            Reply health = stack.send(HttpRequest.newBuilder(stack.uri(s, "/health")).GET().build());
            assertThat(health.status()).as("%s", health).isEqualTo(200);
            assertThat(health.json().get("status").textValue()).isEqualTo("ok");
        }
        List<Ev> payments = List.copyOf(oraclePayments);
        List<Ev> logins = List.copyOf(oracleLogins);
        assertThat(payments.size() + logins.size()).as("events pushed to the oracle accounts during the run, and seeded")
                .isGreaterThan(ORACLE_ACCOUNTS * 4);
        for (int a = 0; a < ORACLE_ACCOUNTS; a++) {
            String account = "oracle-acct-" + a;
            Reply p = stack.get("/v1/features/account_payments/" + account);
            assertThat(p.status()).as("%s", p).isEqualTo(200);
            assertPaymentsMatchNaive(p.json().get("features"), payments, account, p.json().get("metadata").get("as_of").longValue());
            try (RawHttp c = new RawHttp(stack.secured.port(), FuzzClient.ANSWER_BOUND_MS)) {
                Reply l = c.exchange(RawHttp.request("GET", "/v1/features/account_logins/account_id=" + account,
                        List.of("Authorization: Bearer " + ServingStack.READ_TOKEN), null), false);
                assertThat(l.status()).as("%s", l).isEqualTo(200);
                long asOf = l.json().get("metadata").get("as_of").longValue();
                assertThat(Reply.toJava(l.json().get("features"))).as("%s at %d", account, asOf)
                        .isEqualTo(NaiveFeatures.accountLogins(logins, account, asOf));
            }
        }
        StringBuilder entities = new StringBuilder();
        for (int a = 0; a < ORACLE_ACCOUNTS; a++) {
            entities.append(a == 0 ? "" : ",").append("{\"account_id\": \"oracle-acct-").append(a).append("\"}");
        }
        Reply batch = stack.post("/v1/features", ServingStack.JSON, "{\"service\": \"account_risk_v2\", \"entities\": [" + entities + "]}");
        assertThat(batch.status()).as("%s", batch).isEqualTo(200);
        long asOf = batch.json().get("metadata").get("as_of").longValue();
        JsonNode results = batch.json().get("results");
        for (int a = 0; a < ORACLE_ACCOUNTS; a++) {
            String account = "oracle-acct-" + a;
            Map<String, Object> expected = new LinkedHashMap<>();
            NaiveFeatures.accountPayments(payments, account, asOf).forEach((k, v) -> expected.put("account_payments." + k, v));
            Map<String, Object> naiveLogins = NaiveFeatures.accountLogins(logins, account, asOf);
            for (String f : List.of("failed_login_count_10m", "failed_login_count_1h", "distinct_devices_30d", "distinct_ips_7d",
                    "last_login_country")) {
                expected.put("account_logins." + f, naiveLogins.get(f));
            }
            Map<String, Object> actual = new LinkedHashMap<>(FeatureReadContractTest.castMap(Reply.toJava(results.get(a).get("features"))));
            actual.remove("account_payments.amount_p95_7d");
            assertThat(actual).as("%s at %d in a batch", account, asOf).isEqualTo(expected);
        }
    }

    static void assertPaymentsMatchNaive(JsonNode features, List<Ev> payments, String account, long asOf) {
        Map<String, Object> actual = new LinkedHashMap<>(FeatureReadContractTest.castMap(Reply.toJava(features)));
        Object p95 = actual.remove("amount_p95_7d");
        assertThat(actual).as("%s at %d", account, asOf).isEqualTo(NaiveFeatures.accountPayments(payments, account, asOf));
        List<Long> amounts = NaiveFeatures.amounts7d(payments, account, asOf);
        double v = ((Number) p95).doubleValue();
        double n = amounts.size();
        assertThat(amounts.stream().filter(x -> x < v).count() / n).as("rank of p95 %s in %s", v, amounts).isLessThanOrEqualTo(0.96);
        assertThat(amounts.stream().filter(x -> x <= v).count() / n).as("rank of p95 %s in %s", v, amounts).isGreaterThanOrEqualTo(0.94);
    }
}
