package dev.tessera.serving;

import static dev.tessera.serving.NaiveFeatures.MINUTE;
import static dev.tessera.serving.NaiveFeatures.SECOND;
import static dev.tessera.serving.NaiveFeatures.login;
import static dev.tessera.serving.NaiveFeatures.payment;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.FeatureService;
import dev.tessera.serving.NaiveFeatures.Ev;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read endpoints of SPEC §4 against the real stack: {@code GET /v1/features/{group}/{key}} in
 * its three key forms, {@code POST /v1/features} by service and by feature list, and the catalog
 * at {@code GET /v1/features}. Events are produced straight to Kafka (not through the push API),
 * and every served value is compared with {@link NaiveFeatures} at the response's own
 * {@code metadata.as_of}, so the comparison is exact whatever the clock did in between.
 */
class FeatureReadContractTest {
    static final List<String> ACCOUNT_PAYMENTS = List.of("payment_count_10m", "payment_count_1h", "payment_count_1d",
            "payment_count_7d", "declined_count_1h", "declined_count_1d", "amount_sum_1h", "amount_sum_1d", "amount_sum_30d",
            "amount_p95_7d", "distinct_cards_1d", "distinct_cards_30d", "recent_cards_1d", "top_merchants_7d", "last_country");

    @TempDir
    static Path tmp;
    static ServingStack stack;
    static final List<Ev> payments = new ArrayList<>();
    static final List<Ev> logins = new ArrayList<>();
    static long newestPayment;
    static long newestLogin;

    @BeforeAll
    static void start() throws Exception {
        stack = ServingStack.start(tmp);
        long now = System.currentTimeMillis();
        // Everything within the last 8 minutes, so nothing is ever late (lateness 5m and 10m is
        // measured from the newest event, which is older than now) and every window holds it all.
        long t0 = now - 8 * MINUTE;
        String[] status = {"APPROVED", "DECLINED", "APPROVED", "DECLINED", "DECLINED", "APPROVED"};
        String[] cards = {"card-1", "card-2", "card-1", "card-3", "card-1", "card-2"};
        String[] merchants = {"m-1", "m-1", "m-2", "m-1", "m-3", "m-2"};
        String[] countries = {"US", "US", "FR", "FR", "DE", "GB"};
        for (int i = 0; i < 6; i++) {
            payments.add(payment("p-1-" + i, "acct-1", cards[i], merchants[i], 10L * (i + 1), status[i], countries[i], t0 + i * 40 * SECOND));
        }
        for (int i = 0; i < 3; i++) {
            payments.add(payment("p-2-" + i, "acct-2", "card-9", "m-9", 7L + i, i == 1 ? "DECLINED" : "APPROVED", "NL",
                    t0 + 5 * SECOND + i * 30 * SECOND));
        }
        payments.add(payment("p-plus-0", "a+b@example.com", "card-5", "m-5", 99L, "APPROVED", "SE", t0 + 3 * MINUTE));
        payments.add(payment("p-plus-1", "a+b@example.com", "card-6", "m-5", 1L, "DECLINED", "NO", t0 + 4 * MINUTE));
        payments.add(payment("p-slash-0", "acct/x y ä", "card-7", "m-7", 5L, "APPROVED", "IT", t0 + 2 * MINUTE));
        payments.add(payment("p-num-0", 777L, "card-8", "m-8", 3L, "DECLINED", "ES", t0 + 6 * MINUTE));
        for (Ev p : payments) {
            String account = String.valueOf(p.get("account_id"));
            stack.produce("payments", account, List.of(NaiveFeatures.json(p)));
            newestPayment = Math.max(newestPayment, p.time());
        }
        boolean[] success = {true, false, false, true};
        for (int i = 0; i < 4; i++) {
            logins.add(login("l-1-" + i, "acct-1", "dev-" + (i % 2), "10.0.0." + i, success[i], i < 3 ? "US" : "FR", t0 + 10 * SECOND + i * MINUTE));
        }
        for (Ev l : logins) {
            stack.produce("logins", "acct-1", List.of(NaiveFeatures.json(l)));
            newestLogin = Math.max(newestLogin, l.time());
        }
        stack.runtime.awaitCaughtUp(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    // ---------------------------------------------------------------- GET one entity

    @Test
    void getByPathServesEveryFeatureOfTheGroupByServedNameWithMetadata() {
        long before = System.currentTimeMillis();
        Reply r = stack.get("/v1/features/account_payments/acct-1");
        long after = System.currentTimeMillis();

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        JsonNode body = r.json();
        assertThat(Reply.fieldNames(body)).containsExactly("entity", "features", "found", "metadata");
        assertThat(Reply.toJava(body.get("entity"))).isEqualTo(Map.of("account_id", "acct-1"));
        assertThat(body.get("found").isBoolean()).isTrue();
        assertThat(body.get("found").booleanValue()).isTrue();
        JsonNode meta = body.get("metadata");
        assertThat(Reply.fieldNames(meta)).containsExactly("as_of", "freshness_ms");
        assertThat(meta.get("as_of").isIntegralNumber()).isTrue();
        long asOf = meta.get("as_of").longValue();
        assertThat(asOf).isBetween(before, after);
        assertThat(meta.get("freshness_ms").isIntegralNumber()).isTrue();
        assertThat(meta.get("freshness_ms").longValue()).as("now minus the newest applied payment").isEqualTo(asOf - newestPayment);

        assertThat(Reply.fieldNames(body.get("features"))).containsExactlyElementsOf(ACCOUNT_PAYMENTS);
        assertPaymentsMatchNaive(body.get("features"), "acct-1", asOf);
    }

    @Test
    void keyValueFormAndQueryParametersReadTheSameEntityAsThePlainKey() {
        JsonNode plain = stack.get("/v1/features/account_payments/acct-2").json();
        Reply kv = stack.get("/v1/features/account_payments/account_id=acct-2");
        Reply query = stack.get("/v1/features/account_payments?account_id=acct-2");
        for (Reply r : List.of(kv, query)) {
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            JsonNode body = r.json();
            assertThat(Reply.toJava(body.get("entity"))).isEqualTo(Map.of("account_id", "acct-2"));
            assertThat(body.get("found").booleanValue()).isTrue();
            assertThat(body.get("features")).isEqualTo(plain.get("features"));
            assertPaymentsMatchNaive(body.get("features"), "acct-2", body.get("metadata").get("as_of").longValue());
        }
    }

    @Test
    void keysWithPlusSlashSpaceAndNonAsciiAreReadAsSent() {
        for (String account : List.of("a+b@example.com", "acct/x y ä")) {
            String encoded = URLEncoder.encode(account, StandardCharsets.UTF_8).replace("+", "%20");
            // '+' is a literal plus in a path (RFC 3986); only a query string gives it the meaning of a space
            String literalPlus = encoded.replace("%2B", "+");
            for (String path : List.of("/v1/features/account_payments/" + encoded, "/v1/features/account_payments/" + literalPlus,
                    "/v1/features/account_payments?account_id=" + URLEncoder.encode(account, StandardCharsets.UTF_8))) {
                Reply r = stack.get(path);
                assertThat(r.status()).as("%s: %s", path, r).isEqualTo(200);
                JsonNode body = r.json();
                assertThat(body.get("entity").get("account_id").textValue()).as(path).isEqualTo(account);
                assertThat(body.get("found").booleanValue()).as(path).isTrue();
                assertPaymentsMatchNaive(body.get("features"), account, body.get("metadata").get("as_of").longValue());
            }
        }
    }

    @Test
    void unknownEntityIsFoundFalseWithTheEmptyValueOfEachAggregation() {
        Reply r = stack.get("/v1/features/account_payments/nobody-at-all");
        assertThat(r.status()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.get("found").booleanValue()).isFalse();
        Map<String, Object> empty = new LinkedHashMap<>();
        for (String n : ACCOUNT_PAYMENTS) {
            empty.put(n, n.startsWith("recent_") || n.startsWith("top_") ? List.of()
                    : n.equals("amount_p95_7d") || n.equals("last_country") ? null : 0L);
        }
        assertThat(Reply.toJava(body.get("features"))).isEqualTo(empty);
    }

    @Test
    void anIntegralNumberKeyNamesTheSameEntityAsItsDigits() {
        // produced as {"account_id": 777}; read as text in the path and as a number or text in a batch
        Reply get = stack.get("/v1/features/account_payments/777");
        assertThat(get.json().get("found").booleanValue()).isTrue();
        assertThat(get.json().get("features").get("declined_count_1h").longValue()).isEqualTo(1);
        Reply batch = stack.post("/v1/features", ServingStack.JSON,
                "{\"features\": [\"account_payments.declined_count_1h\"], \"entities\": [{\"account_id\": 777}, {\"account_id\": \"777\"}]}");
        assertThat(batch.status()).as("%s", batch).isEqualTo(200);
        for (JsonNode result : batch.json().get("results")) {
            assertThat(result.get("entity").get("account_id").textValue()).isEqualTo("777");
            assertThat(result.get("found").booleanValue()).isTrue();
            assertThat(result.get("features").get("account_payments.declined_count_1h").longValue()).isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------- POST batch

    @Test
    void batchByServiceKeepsTheServiceOrderAndTheEntityOrderIncludingRepeats() {
        FeatureService service = stack.defs.service("account_risk_v1").orElseThrow();
        List<String> qualified = service.features().stream().map(FeatureRef::qualifiedName).toList();
        assertThat(qualified).startsWith("account_payments.declined_count_1h", "account_payments.distinct_cards_1d",
                "account_logins.login_count_1h");

        long before = System.currentTimeMillis();
        Reply r = stack.post("/v1/features", ServingStack.JSON, """
                {"service": "account_risk_v1",
                 "entities": [{"account_id": "acct-2"}, {"account_id": "acct-1"}, {"account_id": "ghost"}, {"account_id": "acct-1"}]}""");
        long after = System.currentTimeMillis();

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.isJson()).isTrue();
        JsonNode body = r.json();
        assertThat(Reply.fieldNames(body)).containsExactly("results", "metadata");
        JsonNode meta = body.get("metadata");
        assertThat(Reply.fieldNames(meta)).containsExactly("as_of", "freshness_ms");
        long asOf = meta.get("as_of").longValue();
        assertThat(asOf).isBetween(before, after);
        assertThat(meta.get("freshness_ms").longValue()).as("the stalest of the groups' sources")
                .isEqualTo(asOf - Math.min(newestPayment, newestLogin));

        List<String> order = List.of("acct-2", "acct-1", "ghost", "acct-1");
        assertThat(body.get("results")).hasSize(4);
        for (int i = 0; i < order.size(); i++) {
            String account = order.get(i);
            JsonNode result = body.get("results").get(i);
            assertThat(Reply.fieldNames(result)).containsExactly("entity", "features", "found");
            assertThat(Reply.toJava(result.get("entity"))).isEqualTo(Map.of("account_id", account));
            assertThat(result.get("found").booleanValue()).as(account).isEqualTo(!account.equals("ghost"));
            assertThat(Reply.fieldNames(result.get("features"))).containsExactlyElementsOf(qualified);

            Map<String, Object> payments = NaiveFeatures.accountPayments(FeatureReadContractTest.payments, account, asOf);
            Map<String, Object> logins = NaiveFeatures.accountLogins(FeatureReadContractTest.logins, account, asOf);
            Map<String, Object> expected = new LinkedHashMap<>();
            for (FeatureRef f : service.features()) {
                expected.put(f.qualifiedName(), (f.group().equals("account_payments") ? payments : logins).get(f.servedName()));
            }
            assertThat(Reply.toJava(result.get("features"))).as(account).isEqualTo(expected);
        }
    }

    @Test
    void batchByFeatureListExpandsGroupStarDropsRepeatsAndKeepsRequestOrder() {
        Reply r = stack.post("/v1/features", ServingStack.JSON, """
                {"features": ["card_payments.declined_count_1h", "account_payments.*", "account_payments.last_country",
                              "card_payments.declined_count_1h", "account_logins.last_login_country"],
                 "entities": [{"card_fingerprint": "card-1", "account_id": "acct-1"},
                              {"account_id": "acct-2", "card_fingerprint": "card-9"},
                              {"account_id": "nobody", "card_fingerprint": "no-card"}]}""");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        JsonNode results = r.json().get("results");
        long asOf = r.json().get("metadata").get("as_of").longValue();

        List<String> expectedNames = new ArrayList<>();
        expectedNames.add("card_payments.declined_count_1h");
        ACCOUNT_PAYMENTS.forEach(n -> expectedNames.add("account_payments." + n));
        expectedNames.add("account_logins.last_login_country");

        String[][] entities = {{"card-1", "acct-1"}, {"card-9", "acct-2"}, {"no-card", "nobody"}};
        assertThat(results).hasSize(3);
        for (int i = 0; i < entities.length; i++) {
            JsonNode result = results.get(i);
            String card = entities[i][0];
            String account = entities[i][1];
            // the entity comes back as it was sent, in its field order
            assertThat(Reply.fieldNames(result.get("entity"))).containsExactly(i == 0 ? new String[] {"card_fingerprint", "account_id"}
                    : new String[] {"account_id", "card_fingerprint"});
            assertThat(result.get("entity").get("account_id").textValue()).isEqualTo(account);
            assertThat(result.get("entity").get("card_fingerprint").textValue()).isEqualTo(card);
            assertThat(result.get("found").booleanValue()).isEqualTo(i < 2);
            JsonNode features = result.get("features");
            assertThat(Reply.fieldNames(features)).containsExactlyElementsOf(expectedNames);
            assertThat(features.get("card_payments.declined_count_1h").longValue())
                    .isEqualTo(NaiveFeatures.cardDeclined1h(payments, card, asOf));
            Map<String, Object> naive = NaiveFeatures.accountPayments(payments, account, asOf);
            for (Map.Entry<String, Object> e : naive.entrySet()) {
                assertThat(Reply.toJava(features.get("account_payments." + e.getKey()))).as("%s %s", account, e.getKey())
                        .isEqualTo(e.getValue());
            }
            assertThat(Reply.toJava(features.get("account_logins.last_login_country")))
                    .isEqualTo(NaiveFeatures.accountLogins(logins, account, asOf).get("last_login_country"));
        }
    }

    @Test
    void anEmptyEntityListAnswersNoResults() {
        Reply r = stack.post("/v1/features", ServingStack.JSON, "{\"service\": \"account_risk_v2\", \"entities\": []}");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.json().get("results")).isEmpty();
        assertThat(r.json().get("metadata").get("as_of").isIntegralNumber()).isTrue();
    }

    @Test
    void aBodyWithoutContentTypeOrWithCurlsDefaultTypeIsReadAsJson() {
        for (String type : List.of("application/json; charset=utf-8", "application/x-www-form-urlencoded")) {
            Reply r = stack.post("/v1/features", type, "{\"service\": \"account_risk_v1\", \"entities\": [{\"account_id\": \"acct-1\"}]}");
            assertThat(r.status()).as("%s: %s", type, r).isEqualTo(200);
        }
        try (RawHttp raw = new RawHttp(stack.open.port())) { // HttpClient always sends a type; this sends none
            Reply none = raw.exchange(RawHttp.request("POST", "/v1/features", List.of(), ("{\"service\": \"account_risk_v1\","
                    + " \"entities\": [{\"account_id\": \"acct-1\"}]}").getBytes(StandardCharsets.UTF_8)), false);
            assertThat(none.status()).as("%s", none).isEqualTo(200);
            assertThat(none.json().get("results").get(0).get("found").booleanValue()).isTrue();
        }
    }

    // ---------------------------------------------------------------- catalog

    @Test
    void catalogListsEveryGroupWithSourceKeysAndFeaturesAndEveryServiceResolved() {
        Reply r = stack.get("/v1/features");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.isJson()).isTrue();
        JsonNode body = r.json();
        assertThat(Reply.fieldNames(body)).containsExactly("groups", "services");
        Map<String, JsonNode> groups = new LinkedHashMap<>();
        body.get("groups").forEach(g -> groups.put(g.get("name").textValue(), g));
        assertThat(groups.keySet()).containsExactlyInAnyOrderElementsOf(stack.defs.groups().keySet());
        JsonNode ap = groups.get("account_payments");
        assertThat(Reply.fieldNames(ap)).containsExactly("name", "source", "keys", "features");
        assertThat(ap.get("source").textValue()).isEqualTo("payments");
        assertThat(Reply.toJava(ap.get("keys"))).isEqualTo(List.of("account_id"));
        assertThat(Reply.toJava(ap.get("features"))).isEqualTo(ACCOUNT_PAYMENTS);
        assertThat(Reply.toJava(groups.get("device_logins").get("keys"))).isEqualTo(List.of("device_id"));
        assertThat(groups.get("card_payments").get("source").textValue()).isEqualTo("payments");

        Map<String, Object> services = new LinkedHashMap<>();
        body.get("services").forEach(s -> services.put(s.get("name").textValue(), Reply.toJava(s.get("features"))));
        assertThat(services.keySet()).containsExactly("account_risk_v1", "account_risk_v2");
        for (FeatureService s : stack.defs.services().values()) {
            assertThat(services.get(s.name())).isEqualTo(s.features().stream().map(FeatureRef::qualifiedName).toList());
        }
        @SuppressWarnings("unchecked") List<String> v1 = (List<String>) services.get("account_risk_v1");
        assertThat(v1).doesNotContain("account_logins.*").contains("account_logins.last_login_country");
    }

    // ---------------------------------------------------------------- shared

    static void assertPaymentsMatchNaive(JsonNode features, String account, long asOf) {
        Map<String, Object> actual = new LinkedHashMap<>(castMap(Reply.toJava(features)));
        Object p95 = actual.remove("amount_p95_7d");
        assertThat(actual).as("%s at %d", account, asOf).isEqualTo(NaiveFeatures.accountPayments(payments, account, asOf));
        List<Long> amounts = NaiveFeatures.amounts7d(payments, account, asOf);
        double v = ((Number) p95).doubleValue();
        double n = amounts.size();
        assertThat(amounts.stream().filter(a -> a < v).count() / n).as("rank of p95 %s in %s", v, amounts).isLessThanOrEqualTo(0.96);
        assertThat(amounts.stream().filter(a -> a <= v).count() / n).as("rank of p95 %s in %s", v, amounts).isGreaterThanOrEqualTo(0.94);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
    }
}
