package dev.tessera.serving;

import static dev.tessera.serving.NaiveFeatures.MINUTE;
import static dev.tessera.serving.NaiveFeatures.SECOND;
import static dev.tessera.serving.NaiveFeatures.payment;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tessera.api.Expectation;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.serving.NaiveFeatures.Ev;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/quality} and {@code GET /v1/alerts} on the real stack, over the examples'
 * definitions: every {@code expect:} rule is listed; payments pushed with negative amounts and an
 * unknown status are counted exactly (against a count made here) and raise alerts naming the field;
 * a served feature that breaks its rule does too, once it is read; drift lists every served
 * feature; the endpoints need the read scope.
 */
class QualityApiTest {
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
    void rulesAreCountedAndBreakingThemRaisesAlerts() throws Exception {
        Set<String> expected = new TreeSet<>();
        for (Source s : stack.defs.sources().values()) {
            s.expectations().forEach((field, x) -> x.rules().forEach(r -> expected.add("source " + s.name() + ", field " + field + "|" + r.yamlName())));
        }
        for (FeatureGroup g : stack.defs.groups().values()) {
            for (Feature f : g.features()) {
                if (f.expect() != null) {
                    for (String served : f.servedNames()) {
                        f.expect().rules().stream().filter(r -> r != Expectation.Rule.MAX_PSI)
                                .forEach(r -> expected.add("feature " + g.name() + "." + served + "|" + r.yamlName()));
                    }
                }
            }
        }
        assertThat(expected).as("the examples have rules").hasSizeGreaterThan(4);
        JsonNode before = stack.get("/v1/quality").json();
        Set<String> listed = new TreeSet<>();
        for (JsonNode r : before.get("rules")) {
            listed.add(r.get("target").asText() + "|" + r.get("rule").asText());
        }
        assertThat(listed).isEqualTo(expected);

        long now = System.currentTimeMillis();
        List<Ev> events = new ArrayList<>();
        int negative = 0;
        int unknownStatus = 0;
        for (int i = 0; i < 40; i++) {
            long amount = i % 10 == 3 ? -7 : 12;
            String status = i % 20 == 5 ? "PENDING" : "APPROVED";
            negative += amount < 0 ? 1 : 0;
            unknownStatus += status.equals("PENDING") ? 1 : 0;
            events.add(payment("q-" + i, "q-account", "c-1", "m-1", amount, status, "DE", now - 2 * MINUTE + i * SECOND));
        }
        events.add(payment("q-refund", "q-refunds", "c-2", "m-1", -50, "APPROVED", "DE", now - MINUTE));
        negative++;
        Reply pushed = stack.post("/v1/events/payments", ServingStack.JSON, EventPushContractTest.array(events));
        assertThat(pushed.json().get("accepted").intValue()).as("%s", pushed).isEqualTo(events.size());
        stack.awaitCount("payments", "accepted", events.size());

        // /v1/quality shows the monitor's latest periodic evaluation, which may predate the last records:
        // a rule can already be violated there with only part of them checked
        JsonNode amountMin = awaitRule("source payments, field amount", "min", "violated", events.size());
        assertThat(amountMin.get("violations").longValue()).isEqualTo(negative);
        assertThat(amountMin.get("checked").longValue()).isEqualTo(events.size());
        assertThat(amountMin.get("expected").asText()).isEqualTo(">= 0");
        assertThat(amountMin.get("source").asText()).isEqualTo("payments");
        assertThat(amountMin.get("field").asText()).isEqualTo("amount");
        assertThat(amountMin.get("feature").isNull()).isTrue();
        assertThat(amountMin.get("last_violation").get("value").asText()).isIn("-7", "-50");
        JsonNode status = awaitRule("source payments, field status", "allowed", "violated", events.size());
        assertThat(status.get("violations").longValue()).isEqualTo(unknownStatus);
        assertThat(status.get("message").asText()).contains("broke allowed (in [APPROVED, DECLINED])");
        JsonNode accountNulls = awaitRule("source payments, field account_id", "max_null_rate", "ok", events.size());
        assertThat(accountNulls.get("null_rate").doubleValue()).isZero();

        // the feature rule: amount_sum_1h of an account with only a refund is -50, once it is served
        JsonNode read = stack.get("/v1/features/account_payments/q-refunds").json();
        assertThat(read.get("features").get("amount_sum_1h").doubleValue()).isEqualTo(-50.0);
        stack.get("/v1/features/account_payments/q-account");
        JsonNode feature = awaitRule("feature account_payments.amount_sum_1h", "min", "violated");
        assertThat(feature.get("violations").longValue()).isEqualTo(1);
        assertThat(feature.get("checked").longValue()).isEqualTo(2);
        assertThat(feature.get("feature").asText()).isEqualTo("account_payments.amount_sum_1h");

        JsonNode alerts = awaitAlert("quality_rule/account_payments.amount_sum_1h/min");
        List<String> firing = ids(alerts.get("firing"));
        assertThat(firing).contains("quality_rule/payments.amount/min", "quality_rule/payments.status/allowed");
        JsonNode a = StreamSupport.stream(alerts.get("firing").spliterator(), false)
                .filter(x -> x.get("id").asText().equals("quality_rule/payments.amount/min")).findFirst().orElseThrow();
        assertThat(a.get("alert").asText()).isEqualTo("quality_rule");
        assertThat(a.get("subject").asText()).isEqualTo("source payments.amount");
        assertThat(a.get("runbook").asText()).isEqualTo("docs/runbooks/quality_rule.md");
        assertThat(a.get("since").longValue()).isBetween(now, System.currentTimeMillis());

        // drift: every served feature, no verdict yet (no earlier window)
        JsonNode drift = stack.get("/v1/quality").json().get("drift");
        List<String> features = new ArrayList<>();
        drift.forEach(d -> features.add(d.get("feature").asText()));
        List<String> servedAll = new ArrayList<>();
        for (String g : stack.runtime.reader().groups()) {
            stack.runtime.reader().servedNames(g).forEach(n -> servedAll.add(g + "." + n));
        }
        assertThat(features).containsExactlyElementsOf(servedAll);
        drift.forEach(d -> assertThat(d.get("status").asText()).isEqualTo("insufficient_data"));
    }

    @Test
    void theEndpointsNeedTheReadScopeAndOnlyAnswerGet() {
        for (String path : List.of("/v1/quality", "/v1/alerts")) {
            Reply none = stack.send(HttpRequest.newBuilder(stack.uri(stack.secured, path)).GET().build());
            assertThat(none.status()).isEqualTo(401);
            Reply ok = stack.send(HttpRequest.newBuilder(stack.uri(stack.secured, path))
                    .header("Authorization", "Bearer " + ServingStack.READ_TOKEN).GET().build());
            assertThat(ok.status()).as("%s", ok).isEqualTo(200);
            Reply post = stack.post(path, ServingStack.JSON, "{}");
            assertThat(post.status()).isEqualTo(405);
            assertThat(post.json().get("error").get("code").asText()).isEqualTo("method_not_allowed");
        }
        JsonNode alerts = stack.get("/v1/alerts").json();
        assertThat(alerts.has("firing")).isTrue();
        assertThat(alerts.has("resolved")).isTrue();
    }

    private static JsonNode awaitRule(String target, String rule, String status) throws InterruptedException {
        return awaitRule(target, rule, status, 0);
    }

    /** Waits until the rule has {@code status} and has checked at least {@code checked} values. */
    private static JsonNode awaitRule(String target, String rule, String status, long checked) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            for (JsonNode r : stack.get("/v1/quality").json().get("rules")) {
                if (r.get("target").asText().equals(target) && r.get("rule").asText().equals(rule)) {
                    last = r;
                }
            }
            if (last != null && last.get("status").asText().equals(status) && last.path("checked").longValue() >= checked) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("rule " + rule + " of " + target + " is not " + status + " after " + checked + " checked values: " + last);
    }

    private static JsonNode awaitAlert(String id) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = stack.get("/v1/alerts").json();
            if (ids(last.get("firing")).contains(id)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("alert " + id + " is not firing: " + last);
    }

    private static List<String> ids(JsonNode alerts) {
        List<String> ids = new ArrayList<>();
        alerts.forEach(a -> ids.add(a.get("id").asText()));
        return ids;
    }

}
