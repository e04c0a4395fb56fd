package dev.tessera.serving;

import static dev.tessera.serving.NaiveFeatures.MINUTE;
import static dev.tessera.serving.NaiveFeatures.SECOND;
import static dev.tessera.serving.NaiveFeatures.payment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.FeatureRef;
import dev.tessera.inference.Assignment;
import dev.tessera.inference.Experiment;
import dev.tessera.inference.ModelRegistry;
import dev.tessera.inference.RegisteredModel;
import dev.tessera.serving.NaiveFeatures.Ev;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/score/{model}} over the examples' registry (account_risk v1 logistic, v2 trees,
 * and the experiment between them) on the real stack: each answer's score equals the registered
 * model scoring the features {@code POST /v1/features} serves for that version's service; the
 * variant is the one {@link Assignment} gives the unit, stable across requests, and the split is
 * the configured one; every score is logged to Kafka; mistakes are 4xx with hints.
 */
class ScoringApiTest {
    @TempDir
    static Path tmp;
    static ServingStack stack;
    static ModelRegistry registry;
    static final List<Ev> payments = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        stack = ServingStack.start(tmp);
        registry = ModelRegistry.load(ModelRegistry.defaultFolder(ServingStack.FEATURES), stack.defs);
        long now = System.currentTimeMillis();
        for (int a = 0; a < 20; a++) {
            for (int i = 0; i <= a % 4; i++) {
                payments.add(payment("sc-" + a + "-" + i, "score-acct-" + a, "card-" + (a % 3), "m-" + i, 10 + a * i,
                        i % 2 == 0 ? "APPROVED" : "DECLINED", "DE", now - 5 * MINUTE + i * SECOND));
            }
        }
        Reply r = stack.post("/v1/events/payments", ServingStack.JSON, EventPushContractTest.array(payments));
        assertThat(r.json().get("accepted").intValue()).as("%s", r).isEqualTo(payments.size());
        stack.awaitCount("payments", "accepted", payments.size());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static JsonNode score(String body) {
        Reply r = stack.post("/v1/score/account_risk", ServingStack.JSON, body);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.json();
    }

    @Test
    void theScoreIsTheRegisteredModelOnTheServedFeaturesOfTheAssignedVariant() {
        Experiment x = registry.experimentOf("account_risk").orElseThrow();
        double[] shares = x.variants().stream().mapToDouble(Experiment.Variant::share).toArray();
        for (int a = 0; a < 20; a++) {
            String account = "score-acct-" + a;
            JsonNode answer = score("{\"entity\": {\"account_id\": \"" + account + "\"}}");
            int expected = Assignment.variant(Assignment.bucket(x.salt(), account), shares);
            String variant = expected < 0 ? Experiment.CONTROL : x.variants().get(expected).name();
            int version = expected < 0 ? x.control() : x.variants().get(expected).version();
            assertThat(answer.get("variant").asText()).isEqualTo(variant);
            assertThat(answer.get("version").intValue()).isEqualTo(version);
            assertThat(answer.get("model").asText()).isEqualTo("account_risk");
            assertThat(answer.get("experiment").asText()).isEqualTo(x.name());
            assertThat(answer.get("found").booleanValue()).isTrue();
            RegisteredModel m = registry.get("account_risk", version).orElseThrow();
            // the features, as POST /v1/features serves them for that version's service
            JsonNode served = stack.post("/v1/features", ServingStack.JSON, "{\"service\": \"" + m.service().name()
                    + "\", \"entities\": [{\"account_id\": \"" + account + "\"}]}").json().get("results").get(0).get("features");
            List<Object> values = new ArrayList<>();
            for (FeatureRef f : m.service().features()) {
                JsonNode used = answer.get("features_used").get(f.qualifiedName());
                assertThat(used).as(f.qualifiedName()).isEqualTo(served.get(f.qualifiedName()));
                values.add(Reply.toJava(served.get(f.qualifiedName())));
            }
            assertThat(answer.get("features_used").size()).isEqualTo(m.service().features().size());
            assertThat(answer.get("score").doubleValue()).as(account).isCloseTo(m.score(values), within(1e-12));
            // the same unit, the same variant
            assertThat(score("{\"entity\": {\"account_id\": \"" + account + "\"}}").get("variant").asText()).isEqualTo(variant);
        }
    }

    @Test
    void unitsSplitAsConfiguredAndUnitIdOverridesTheEntity() {
        Experiment x = registry.experimentOf("account_risk").orElseThrow();
        Map<String, Integer> counts = new HashMap<>();
        int n = 400;
        for (int u = 0; u < n; u++) {
            JsonNode a = score("{\"entity\": {\"account_id\": \"score-acct-1\"}, \"unit_id\": \"user-" + u + "\"}");
            counts.merge(a.get("variant").asText(), 1, Integer::sum);
            int expected = Assignment.variant(Assignment.bucket(x.salt(), "user-" + u), new double[] {0.5});
            assertThat(a.get("variant").asText()).isEqualTo(expected < 0 ? "control" : "trees_v2");
        }
        double p = x.variants().get(0).share();
        double sigma = Math.sqrt(n * p * (1 - p));
        assertThat((double) counts.getOrDefault("trees_v2", 0)).isBetween(n * p - 4 * sigma, n * p + 4 * sigma);
    }

    @Test
    void everyScoreIsLoggedToKafka() throws Exception {
        JsonNode answer = score("{\"entity\": {\"account_id\": \"score-acct-3\"}, \"request_id\": \"req-log-1\"}");
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrap);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "scoring-test");
        JsonNode logged = null;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(PredictionLog.TOPIC));
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (logged == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    JsonNode j = new ObjectMapper().readTree(r.value());
                    if (j.get("request_id").asText().equals("req-log-1")) {
                        logged = j;
                        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("score-acct-3");
                    }
                }
            }
        }
        assertThat(logged).as("the prediction reached the topic").isNotNull();
        assertThat(logged.get("score").doubleValue()).isEqualTo(answer.get("score").doubleValue());
        assertThat(logged.get("variant").asText()).isEqualTo(answer.get("variant").asText());
        assertThat(logged.get("version").intValue()).isEqualTo(answer.get("version").intValue());
        assertThat(logged.get("unit_id").asText()).isEqualTo("score-acct-3");
        assertThat(logged.get("entity").get("account_id").asText()).isEqualTo("score-acct-3");
        assertThat(logged.get("shadow").booleanValue()).isFalse();
        assertThat(logged.get("as_of").longValue()).as("the read time the features are exact for").isEqualTo(answer.get("as_of").longValue());
        assertThat(logged.has("as_of_groups")).as("one read time for every group").isFalse();
        ObjectMapper plain = new ObjectMapper();
        assertThat(plain.readTree(logged.get("features").toString())).isEqualTo(plain.readTree(answer.get("features_used").toString()));
    }

    @Test
    void modelsAndExperimentsAreListed() {
        JsonNode models = stack.get("/v1/models").json().get("models");
        assertThat(models).hasSize(registry.models().size());
        assertThat(models.get(0).get("name").asText()).isEqualTo("account_risk");
        assertThat(models.get(0).get("experiment").asText()).isEqualTo("account_risk_v2_rollout");
        JsonNode x = stack.get("/v1/experiments").json().get("experiments").get(0);
        assertThat(x.get("name").asText()).isEqualTo("account_risk_v2_rollout");
        assertThat(x.get("variants").get(0).get("name").asText()).isEqualTo("control");
        assertThat(x.get("variants").get(1).get("name").asText()).isEqualTo("trees_v2");
        assertThat(x.get("variants").get(1).get("status").asText()).isEqualTo("active");
        assertThat(x.get("variants").get(1).get("share").doubleValue()).isEqualTo(0.5);
        score("{\"entity\": {\"account_id\": \"score-acct-2\"}}");
        String metrics = stack.get("/metrics").body();
        assertThat(metrics).containsPattern("tessera_score_requests_total\\{.*model=\"account_risk\".*outcome=\"ok\".*\\} [1-9]")
                .contains("tessera_score_latency_seconds_count{model=\"account_risk\"")
                .contains("tessera_experiment_share{experiment=\"account_risk_v2_rollout\",variant=\"trees_v2\"} 0.5");
    }

    @Test
    void mistakesAreClearRefusals() {
        Reply unknown = stack.post("/v1/score/acount_risk", ServingStack.JSON, "{\"entity\": {\"account_id\": \"a\"}}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("error").get("code").asText()).isEqualTo("unknown_model");
        assertThat(unknown.json().get("error").get("hint").asText()).contains("account_risk");
        Reply noEntity = stack.post("/v1/score/account_risk", ServingStack.JSON, "{\"entiti\": {}}");
        assertThat(noEntity.status()).isEqualTo(400);
        assertThat(noEntity.json().get("error").get("hint").asText()).contains("entity");
        Reply badKey = stack.post("/v1/score/account_risk", ServingStack.JSON, "{\"entity\": {\"acount_id\": \"a\"}}");
        assertThat(badKey.status()).isEqualTo(400);
        assertThat(badKey.json().get("error").get("code").asText()).isEqualTo("bad_key");
        Reply get = stack.get("/v1/score/account_risk");
        assertThat(get.status()).isEqualTo(405);
        Reply secured = stack.send(java.net.http.HttpRequest.newBuilder(stack.uri(stack.secured, "/v1/score/account_risk"))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"entity\": {\"account_id\": \"a\"}}")).build());
        assertThat(secured.status()).isEqualTo(401);
    }
}
