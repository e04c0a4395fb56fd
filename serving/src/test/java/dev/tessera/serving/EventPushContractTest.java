package dev.tessera.serving;

import static dev.tessera.serving.NaiveFeatures.DAY;
import static dev.tessera.serving.NaiveFeatures.HOUR;
import static dev.tessera.serving.NaiveFeatures.MINUTE;
import static dev.tessera.serving.NaiveFeatures.SECOND;
import static dev.tessera.serving.NaiveFeatures.login;
import static dev.tessera.serving.NaiveFeatures.payment;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tessera.serving.NaiveFeatures.Ev;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/events/{source}} against the real stack: a JSON array, one object, and NDJSON are
 * accepted; mixed good and bad events answer the accepted count and each rejected index with the
 * runtime's reason code; and what was accepted is in Kafka, so it shows up in served values. Those
 * are compared with {@link NaiveFeatures} over the good events only, polling the read API until
 * they agree (the deadline only guards against a hang; the assertion is on the values).
 *
 * <p>Event times lie in the last few minutes and no accepted event is ahead of the clock, so no
 * event is ever late: every difference from the naive values is a bug, not timing.
 */
class EventPushContractTest {
    @TempDir
    static Path tmp;
    static ServingStack stack;

    @BeforeAll
    static void start() {
        stack = ServingStack.start(tmp);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aJsonArrayIsAcceptedInFullAndItsEventsAreServed() {
        String account = "push-array";
        List<Ev> events = randomPayments(new Random(1), account, 40);
        Reply r = stack.post("/v1/events/payments", ServingStack.JSON, array(events));

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.isJson()).isTrue();
        assertThat(Reply.fieldNames(r.json())).containsExactly("accepted", "rejected");
        assertThat(r.json().get("accepted").intValue()).isEqualTo(40);
        assertThat(r.json().get("rejected")).isEmpty();
        assertServedAsNaive(account, events);
    }

    @Test
    void oneObjectIsOneEvent() {
        long t = System.currentTimeMillis() - 30 * SECOND;
        Ev e = payment("one-0", "push-one", "c-1", "m-1", 12, "DECLINED", "PT", t);
        Reply r = stack.post("/v1/events/payments", ServingStack.JSON, NaiveFeatures.json(e));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.json().get("accepted").intValue()).isEqualTo(1);
        assertThat(r.json().get("rejected")).isEmpty();
        assertServedAsNaive("push-one", List.of(e));
    }

    @Test
    void ndjsonIsOneEventPerLineSkippingBlankLinesAndAcceptingCrLf() throws InterruptedException {
        String account = "push-ndjson";
        List<Ev> events = randomPayments(new Random(2), account, 25);
        StringBuilder body = new StringBuilder("\n");
        for (int i = 0; i < events.size(); i++) {
            body.append(NaiveFeatures.json(events.get(i))).append(i % 3 == 0 ? "\r\n" : "\n").append(i % 5 == 0 ? "   \n" : "");
        }
        for (String type : List.of(ServingStack.NDJSON, "application/jsonl; charset=utf-8")) {
            Reply r = stack.post("/v1/events/payments", type, body.toString());
            assertThat(r.status()).as("%s: %s", type, r).isEqualTo(200);
            assertThat(r.json().get("accepted").intValue()).isEqualTo(25);
            assertThat(r.json().get("rejected")).isEmpty();
        }
        // the second push repeated every payment id: once the runtime has seen the repeats, each still counts once
        assertThat(stack.awaitCount("payments", "duplicate", 25)).isEqualTo(25);
        assertServedAsNaive(account, events);
    }

    @Test
    void mixedGoodAndBadEventsAnswerTheAcceptedCountAndEachRejectedIndexWithItsReason() {
        String account = "push-mixed";
        long now = System.currentTimeMillis();
        Ev good0 = payment("mixed-0", account, "c-1", "m-1", 5, "DECLINED", "US", now - 2 * MINUTE);
        Ev good7 = payment("mixed-7", account, "c-2", "m-2", 8, "DECLINED", "CA", now - MINUTE);
        String body = "[" + String.join(",\n",
                NaiveFeatures.json(good0),
                "42",
                "{\"payment_id\": \"mixed-2\", \"event_time\": " + (now - MINUTE) + ", \"amount\": 3}",
                "{\"payment_id\": \"mixed-3\", \"account_id\": \"" + account + "\", \"event_time\": \"yesterday\"}",
                "{\"payment_id\": \"mixed-4\", \"account_id\": \"" + account + "\", \"event_time\": " + (now + DAY) + "}",
                "{\"payment_id\": \"mixed-5\", \"account_id\": \"" + account + "\", \"status\": \"DECLINED\"}",
                "{\"payment_id\": \"mixed-6\", \"account_id\": \"" + account + "\", \"event_time\": " + (now - MINUTE)
                        + ", \"amount\": {\"value\": 1}}",
                NaiveFeatures.json(good7),
                "{\"payment_id\": \"mixed-8\", \"account_id\": \"\", \"card_fingerprint\": null, \"event_time\": " + (now - MINUTE) + "}")
                + "]";
        Map<String, Double> before = ServerContractTest.samples(stack.get("/metrics").body());
        Reply r = stack.post("/v1/events/payments", ServingStack.JSON, body);

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.json().get("accepted").intValue()).isEqualTo(2);
        // counted by outcome: rejected events never reach Kafka, so the source's counters cannot see them
        Map<String, Double> after = ServerContractTest.samples(stack.get("/metrics").body());
        Map<String, Double> pushed = new java.util.TreeMap<>();
        for (String outcome : List.of("accepted", "malformed", "missing_key", "bad_timestamp", "future", "schema_mismatch")) {
            String k = "tessera_push_events_total{outcome=\"" + outcome + "\",source=\"payments\"}";
            pushed.put(outcome, after.getOrDefault(k, 0.0) - before.getOrDefault(k, 0.0));
        }
        assertThat(pushed).isEqualTo(new java.util.TreeMap<>(Map.of("accepted", 2.0, "malformed", 1.0, "missing_key", 2.0,
                "bad_timestamp", 2.0, "future", 1.0, "schema_mismatch", 1.0)));
        Map<Integer, String> reasons = new java.util.TreeMap<>();
        for (JsonNode x : r.json().get("rejected")) {
            assertThat(Reply.fieldNames(x)).containsExactly("index", "reason", "message");
            assertThat(x.get("message").textValue()).isNotBlank();
            reasons.put(x.get("index").intValue(), x.get("reason").textValue());
        }
        assertThat(reasons).isEqualTo(Map.of(1, "malformed", 2, "missing_key", 3, "bad_timestamp", 4, "future",
                5, "bad_timestamp", 6, "schema_mismatch", 8, "missing_key"));
        String messages = r.json().get("rejected").findValues("message").stream().map(JsonNode::textValue).collect(Collectors.joining(" | "));
        assertThat(messages).contains("not a JSON object").contains("ahead of the clock").contains("ISO-8601");

        assertServedAsNaive(account, List.of(good0, good7));
    }

    @Test
    void mixedNdjsonCountsEventsNotBlankLines() {
        String account = "push-mixed-ndjson";
        long now = System.currentTimeMillis();
        Ev a = payment("mnd-0", account, "c-1", "m-1", 4, "DECLINED", "US", now - 3 * MINUTE);
        Ev b = payment("mnd-4", account, "c-1", "m-1", 6, "APPROVED", "US", now - 2 * MINUTE);
        String body = NaiveFeatures.json(a) + "\n"
                + "{\"payment_id\": \"mnd-1\", \n"              // cut off: the rest of the object is on the next line
                + "\n"
                + "{\"payment_id\": \"mnd-2\", \"payment_id\": \"again\", \"account_id\": \"" + account + "\"}\n"
                + "[1, 2]\n"
                + NaiveFeatures.json(b) + "\r\n";
        Reply r = stack.post("/v1/events/payments", ServingStack.NDJSON, body);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.json().get("accepted").intValue()).isEqualTo(2);
        assertThat(r.json().get("rejected").findValues("index").stream().map(JsonNode::intValue).toList()).containsExactly(1, 2, 3);
        assertThat(r.json().get("rejected").findValues("reason").stream().map(JsonNode::textValue).distinct().toList())
                .containsExactly("malformed");
        assertServedAsNaive(account, List.of(a, b));
    }

    @Test
    void anEventOverTheRecordLimitIsRejectedAloneAsTooLarge() {
        long now = System.currentTimeMillis();
        Ev ok = payment("big-0", "push-big", "c-1", "m-1", 2, "DECLINED", "US", now - MINUTE);
        String big = "{\"payment_id\": \"big-1\", \"account_id\": \"push-big\", \"event_time\": " + (now - MINUTE)
                + ", \"note\": \"" + "x".repeat(1 << 20) + "\"}";
        Reply r = stack.post("/v1/events/payments", ServingStack.NDJSON, big + "\n" + NaiveFeatures.json(ok) + "\n");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.json().get("accepted").intValue()).isEqualTo(1);
        JsonNode rejected = r.json().get("rejected").get(0);
        assertThat(rejected.get("index").intValue()).isZero();
        assertThat(rejected.get("reason").textValue()).isEqualTo("too_large");
        assertServedAsNaive("push-big", List.of(ok));
    }

    @Test
    void anEmptyNdjsonBodyAcceptsNothing() {
        Reply r = stack.post("/v1/events/payments", ServingStack.NDJSON, "\n\n");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.json().get("accepted").intValue()).isZero();
        assertThat(r.json().get("rejected")).isEmpty();
    }

    @Test
    void pushedLoginsAreServedByEveryGroupOfTheirSource() {
        long now = System.currentTimeMillis();
        List<Ev> events = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            events.add(login("pl-" + i, "push-logins", "device-" + (i % 4), "10.1.0." + (i % 3), i % 3 != 0, i < 6 ? "DE" : "AT",
                    now - 5 * MINUTE + i * 10 * SECOND));
        }
        Reply r = stack.post("/v1/events/logins", ServingStack.JSON, array(events));
        assertThat(r.json().get("accepted").intValue()).as("%s", r).isEqualTo(12);

        JsonNode served = pollUntil("/v1/features/account_logins/push-logins",
                body -> Reply.toJava(body.get("features")).equals(NaiveFeatures.accountLogins(events, "push-logins", asOf(body))));
        assertThat(Reply.toJava(served.get("features"))).isEqualTo(NaiveFeatures.accountLogins(events, "push-logins", asOf(served)));
        JsonNode device = pollUntil("/v1/features/device_logins/device-1",
                body -> body.get("features").get("login_count_1d").longValue() == 3);
        assertThat(device.get("features").get("login_count_1d").longValue()).isEqualTo(3);
        assertThat(device.get("features").get("distinct_accounts_1h").longValue()).isEqualTo(1);
    }

    @Test
    void aSourceNoGroupReadsTakesPushesWithoutEntityKeys() {
        // chargebacks are labels: no group reads them, so no entity key is required to push them
        String at = java.time.Instant.ofEpochMilli(System.currentTimeMillis() - MINUTE).toString();
        Reply r = stack.post("/v1/events/chargebacks", ServingStack.JSON, "[{\"chargeback_id\": \"cb-1\", \"payment_id\": \"p-1\","
                + " \"event_time\": \"" + at + "\"}, {\"chargeback_id\": \"cb-2\", \"account_id\": \"a-1\", \"event_time\": \"" + at + "\"},"
                + " {\"chargeback_id\": \"cb-3\"}]");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.json().get("accepted").intValue()).isEqualTo(2);
        assertThat(r.json().get("rejected").get(0).get("index").intValue()).isEqualTo(2);
        assertThat(r.json().get("rejected").get(0).get("reason").textValue()).isEqualTo("bad_timestamp");
    }

    // ---------------------------------------------------------------- shared

    /** Payments spread over the last eight minutes, about a third DECLINED, with distinct times and ids. */
    static List<Ev> randomPayments(Random rnd, String account, int n) {
        long now = System.currentTimeMillis();
        List<Ev> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(payment(account + "-" + i, account, "card-" + rnd.nextInt(4), "merchant-" + rnd.nextInt(5), 1 + rnd.nextInt(500),
                    rnd.nextInt(3) == 0 ? "DECLINED" : "APPROVED", rnd.nextBoolean() ? "FR" : "BE",
                    now - 8 * MINUTE + i * (7 * MINUTE / n) + rnd.nextInt(1000)));
        }
        return out;
    }

    static String array(List<Ev> events) {
        return events.stream().map(NaiveFeatures::json).collect(Collectors.joining(",", "[", "]"));
    }

    static long asOf(JsonNode body) {
        return body.get("metadata").get("as_of").longValue();
    }

    /**
     * Polls {@code GET /v1/features/account_payments/{account}} until declined_count_1h (the count of
     * DECLINED payments in the last hour) and every other value equal the naive calculation at the
     * answer's as_of, then asserts exactly that.
     */
    static void assertServedAsNaive(String account, List<Ev> events) {
        Function<JsonNode, Map<String, Object>> naive = body -> NaiveFeatures.accountPayments(events, account, asOf(body));
        JsonNode body = pollUntil("/v1/features/account_payments/" + account, b -> servedWithoutP95(b).equals(naive.apply(b)));
        long t = asOf(body);
        long windowStart = Math.floorDiv(t - HOUR, 5 * MINUTE) * 5 * MINUTE; // 1h window, 5m hop (SPEC §3)
        long declined = events.stream().filter(e -> e.get("status").equals("DECLINED") && e.time() >= windowStart && e.time() < t).count();
        assertThat(body.get("features").get("declined_count_1h").longValue()).as("DECLINED payments of %s in the last hour", account)
                .isEqualTo(declined);
        assertThat(body.get("found").booleanValue()).isTrue();
        assertThat(servedWithoutP95(body)).isEqualTo(naive.apply(body));
    }

    private static Map<String, Object> servedWithoutP95(JsonNode body) {
        Map<String, Object> m = new java.util.LinkedHashMap<>(FeatureReadContractTest.castMap(Reply.toJava(body.get("features"))));
        m.remove("amount_p95_7d");
        return m;
    }

    /** Reads {@code path} until {@code done} holds or 60 s pass (a guard against a hang); returns the last answer. */
    static JsonNode pollUntil(String path, java.util.function.Predicate<JsonNode> done) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            Reply r = stack.get(path);
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            JsonNode body = r.json();
            if (done.test(body) || System.nanoTime() > deadline) {
                return body;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return body;
            }
        }
    }
}
