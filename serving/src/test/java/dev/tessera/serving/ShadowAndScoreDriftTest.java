package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.inference.ModelRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry beside the examples' (a copy with a version 3 of account_risk and an experiment that
 * shadows it and guards score drift): the shadow is scored and logged for every request and never
 * answered; a treatment whose scores leave control's distribution is rolled back by the PSI guardrail.
 */
class ShadowAndScoreDriftTest {
    @TempDir
    static Path tmp;
    static ServingStack stack;
    static Path models;

    @BeforeAll
    static void start() throws Exception {
        stack = ServingStack.start(tmp.resolve("stack"));
        models = tmp.resolve("models");
        Files.createDirectories(models);
        Path examples = ModelRegistry.defaultFolder(ServingStack.FEATURES);
        try (Stream<Path> files = Files.list(examples)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().startsWith("account_risk_experiment")) {
                    Files.copy(f, models.resolve(f.getFileName()));
                }
            }
        }
        Files.writeString(models.resolve("account_risk_v3.yaml"), Files.readString(models.resolve("account_risk_v2.yaml"))
                .replace("version: 2", "version: 3"));
        Files.writeString(models.resolve("experiment.yaml"), """
                kind: Experiment
                name: drift_guard
                model: account_risk
                control: 1
                variants:
                  - { name: trees_v2, version: 2, share: 0.5 }
                shadow: [3]
                guardrails: { max_error_rate: 0.5, max_score_psi: 0.25, min_requests: 100, window: 5m }
                """);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    /** Collects what the scoring logs. */
    static final class Collected implements PredictionLog {
        final List<Prediction> all = new ArrayList<>();

        @Override
        public synchronized void log(Prediction p) {
            all.add(p);
        }
    }

    @Test
    void shadowsAreLoggedNeverAnsweredAndScoreDriftRollsBack() throws Exception {
        ModelRegistry registry = ModelRegistry.load(models, stack.defs);
        // v2 made to score 0.99 whatever the inputs: far from control's distribution
        ModelRegistry faulty = registry.decorated((info, model) -> info.version() != 2 ? model
                : new FaultyModel(model, inputs -> 0.99));
        Collected log = new Collected();
        ServingApi api = ServingApi.builder(stack.defs, stack.runtime.reader()).models(faulty).predictionLog(log).build();
        ObjectMapper json = new ObjectMapper();
        try (ServingServer server = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, api);
             Scoring scoring = api.scoring()) {
            int n = 500;
            for (int u = 0; u < n; u++) {
                HttpResponse<String> r = stack.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                                + "/v1/score/account_risk")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"entity\": {\"account_id\": \"acct-" + (u % 40) + "\"}, \"unit_id\": \"u"
                                + u + "\", \"request_id\": \"q" + u + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                JsonNode body = json.readTree(r.body());
                assertThat(body.get("version").intValue()).as("a shadow is never the answer").isIn(1, 2);
            }
            synchronized (log) {
                long shadows = log.all.stream().filter(PredictionLog.Prediction::shadow).count();
                assertThat(shadows).as("one shadow record per request").isEqualTo(n);
                assertThat(log.all).hasSize(2 * n);
                assertThat(log.all.stream().filter(PredictionLog.Prediction::shadow).allMatch(p -> p.version() == 3
                        && p.variant().equals("shadow_v3") && p.requestId().startsWith("q"))).isTrue();
            }
            scoring.enforceGuardrails();
            String experiments = stack.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/v1/experiments")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            JsonNode v2 = json.readTree(experiments).get("experiments").get(0).get("variants").get(1);
            assertThat(v2.get("status").asText()).isEqualTo("rolled_back");
            assertThat(v2.get("rollback").get("reason").asText()).contains("score distribution moved from control's: PSI");
            assertThat(v2.get("score_psi_vs_control").doubleValue()).isGreaterThan(0.25);
            assertThat(json.readTree(experiments).get("experiments").get(0).get("shadows").get(0).intValue()).isEqualTo(3);
        }
    }
}
