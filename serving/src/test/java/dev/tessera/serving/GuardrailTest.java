package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tessera.inference.Assignment;
import dev.tessera.inference.Experiment;
import dev.tessera.inference.ModelRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guardrails on the real stack: the examples' experiment (account_risk v1 against v2) with a fault
 * injected into v2 — every score fails, or every score takes 80 ms against a 50 ms p99 guardrail —
 * rolls v2 back once it has its minimum requests: {@code GET /v1/experiments} says why, every unit
 * (those v2 had included) then gets control, and the rollback survives a restart of the scoring.
 */
class GuardrailTest {
    @TempDir
    static Path tmp;
    static ServingStack stack;
    static ModelRegistry registry;

    @BeforeAll
    static void start() {
        stack = ServingStack.start(tmp.resolve("stack"));
        registry = ModelRegistry.load(ModelRegistry.defaultFolder(ServingStack.FEATURES), stack.defs);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    /** v2 of account_risk with a fault: {@code failing} throws, else it sleeps {@code sleepMillis} before scoring. */
    static ModelRegistry withFault(boolean failing, long sleepMillis) {
        return registry.decorated((info, model) -> info.version() != 2 ? model : new FaultyModel(model, inputs -> {
            if (failing) {
                throw new IllegalStateException("injected fault: model v2 is broken");
            }
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return model.score(inputs);
        }));
    }

    @Test
    void failingTreatmentIsRolledBackToControlAndStaysThereAfterARestart() throws Exception {
        Path state = tmp.resolve("errors/state.json");
        JsonNode variant = breachAndCheck(withFault(true, 0), state, "error rate 100.00%");
        assertThat(variant.get("errors").longValue()).isEqualTo(variant.get("requests").longValue());
        // a restart with the same state file keeps v2 rolled back
        QualityMonitor monitor = new QualityMonitor(stack.defs, SourceSignals.of(stack.runtime), null, QualityMonitor.Settings.DEFAULTS,
                java.util.List.of(), System::currentTimeMillis);
        ServingApi again = ServingApi.builder(stack.defs, stack.runtime.reader()).models(registry)
                .experimentStates(ExperimentStates.file(state)).monitor(monitor).build();
        try (ServingServer server = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, again);
             Scoring scoring = again.scoring(); QualityMonitor closing = monitor) {
            JsonNode x = get(server, "/v1/experiments").get("experiments").get(0);
            assertThat(x.get("variants").get(1).get("status").asText()).isEqualTo("rolled_back");
            assertThat(x.get("variants").get(1).get("rollback").get("reason").asText()).contains("error rate");
            // and it is an alert while it lasts: the banner, the webhooks, tessera status
            String name = x.get("name").asText();
            String variantName = x.get("variants").get(1).get("name").asText();
            assertThat(monitor.evaluate().firing()).singleElement().satisfies(a -> {
                assertThat(a.id()).isEqualTo("experiment_rollback/" + name + "." + variantName);
                assertThat(a.subject()).isEqualTo("experiment " + name + ", variant " + variantName);
                assertThat(a.message()).contains("was rolled back to control at ", "error rate",
                        "its traffic goes to control until the experiment changes");
                assertThat(a.runbook()).isEqualTo("docs/runbooks/experiment_rollback.md");
            });
        }
    }

    @Test
    void slowTreatmentIsRolledBackByTheLatencyGuardrail() throws Exception {
        breachAndCheck(withFault(false, 80), tmp.resolve("latency/state.json"), "p99 latency");
    }

    /** Scores units until v2 has its minimum requests, enforces the guardrails, and checks the rollback. */
    private JsonNode breachAndCheck(ModelRegistry faulty, Path stateFile, String reason) throws Exception {
        Experiment x = registry.experimentOf("account_risk").orElseThrow();
        ServingApi api = ServingApi.builder(stack.defs, stack.runtime.reader()).models(faulty)
                .experimentStates(ExperimentStates.file(stateFile)).build();
        try (ServingServer server = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, api);
             Scoring scoring = api.scoring()) {
            int treated = 0;
            int unit = 0;
            String v2Unit = null;
            while (treated < x.guardrails().minRequests()) {
                String id = "unit-" + unit++;
                int statusCode = post(server, id).statusCode();
                if (Assignment.variant(Assignment.bucket(x.salt(), id), new double[] {0.5}) == 0) {
                    treated++;
                    v2Unit = id;
                } else {
                    assertThat(statusCode).as("control answers").isEqualTo(200);
                }
            }
            scoring.enforceGuardrails();
            JsonNode experiment = get(server, "/v1/experiments").get("experiments").get(0);
            JsonNode v2 = experiment.get("variants").get(1);
            assertThat(v2.get("name").asText()).isEqualTo("trees_v2");
            assertThat(v2.get("status").asText()).isEqualTo("rolled_back");
            assertThat(v2.get("share").doubleValue()).isZero();
            assertThat(v2.get("rollback").get("reason").asText()).contains(reason);
            assertThat(v2.get("requests").longValue()).isGreaterThanOrEqualTo(x.guardrails().minRequests());
            assertThat(experiment.get("variants").get(0).get("share").doubleValue()).isEqualTo(1.0);
            // the unit v2 had now gets control, and an answer
            java.net.http.HttpResponse<String> after = post(server, v2Unit);
            assertThat(after.statusCode()).isEqualTo(200);
            JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(after.body());
            assertThat(body.get("variant").asText()).isEqualTo("control");
            assertThat(body.get("version").intValue()).isEqualTo(1);
            return v2;
        }
    }

    private java.net.http.HttpResponse<String> post(ServingServer server, String unit) throws Exception {
        return stack.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/score/account_risk"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                                "{\"entity\": {\"account_id\": \"g-acct\"}, \"unit_id\": \"" + unit + "\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(ServingServer server, String path) throws Exception {
        String body = stack.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
    }
}
