package dev.tessera.bench.e2e;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.bench.e2e.LoadGenerator.Bytes;
import dev.tessera.bench.e2e.LoadGenerator.HttpConnection;
import dev.tessera.inference.ModelRegistry;
import dev.tessera.inference.RegisteredModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The job side of the hand-written scoring design that {@link ServingComparisonBench} measures
 * Tessera's {@code POST /v1/score/{model}} against: each account's model input, precomputed and
 * stored in Redis, for a service that reads it and scores ({@link RedisVectorService}).
 *
 * <p>Taken from Tessera itself, so both designs answer the same thing: every account is scored once
 * by the Tessera server; its answer gives the variant and version the experiment assigned, the score
 * and the features used. The features become the model's encoded input row (Tessera's own encoder:
 * counts, list sizes, a country's rate from the model's table — what the precomputing job would
 * write), stored under {@code mi:{model}:{id}} as {@code [int version][int n][n doubles]} followed by
 * the answer's JSON after its score (model, version, variant, experiment, features used, found),
 * pre-serialized as the feature vectors are. Before anything is measured the hand-written models
 * ({@link HandWrittenModels}) score every stored row, and each score must equal Tessera's.
 */
final class ScoreVectors {
    static final String MODEL = "account_risk";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One account's stored value and the score Tessera gave it. */
    record Scored(int version, String variant, double score, byte[] value) {}

    private ScoreVectors() {}

    /** The Redis key of one entity's model input: {@code mi:{model}:{id}}. */
    static byte[] key(String model, String id) {
        return ("mi:" + model + ":" + id).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The model registry of the definitions in {@code definitions}: loaded once per run, for
     * {@link #modelSpec} and {@link #copy}.
     */
    static ModelRegistry registry(Path definitions) {
        Definitions defs = DefinitionLoader.load(definitions);
        return ModelRegistry.load(ModelRegistry.defaultFolder(definitions), defs);
    }

    /**
     * The {@link HandWrittenModels} spec of every version of {@link #MODEL} in {@code registry}, the
     * registry of {@code definitions} ({@code name:version:format:artifact}, artifacts as absolute paths).
     */
    static String modelSpec(ModelRegistry registry, Path definitions) {
        StringJoiner spec = new StringJoiner(",");
        for (int version = 1; registry.get(MODEL, version).isPresent(); version++) {
            RegisteredModel m = registry.get(MODEL, version).orElseThrow();
            spec.add(MODEL + ":" + version + ":" + m.info().format().yamlName() + ":"
                    + ModelRegistry.defaultFolder(definitions).resolve(m.info().artifact()).toAbsolutePath());
        }
        return spec.toString();
    }

    /**
     * Scores accounts {@code 0..accounts-1} once each on the Tessera server at {@code port} and turns
     * the answers into stored values; checks that the hand-written models give the same scores.
     */
    static Map<String, Scored> copy(int port, int accounts, ModelRegistry registry, HandWrittenModels models) throws IOException {
        long t0 = System.nanoTime();
        Map<String, Scored> scored = new LinkedHashMap<>();
        Map<String, Integer> byVariant = new LinkedHashMap<>();
        double worst = 0;
        HttpConnection c = HttpConnection.open(new InetSocketAddress("127.0.0.1", port));
        try {
            Bytes request = new Bytes(256);
            for (int i = 0; i < accounts; i++) {
                String id = ServingStack.accountKey(i);
                request(request, id);
                c.write(request);
                c.readResponse();
                if (c.status != 200) {
                    throw new IllegalStateException("copying the scores: Tessera answered " + c.bodyExcerpt() + " for " + id);
                }
                ObjectNode answer = (ObjectNode) JSON.readTree(c.buf, c.bodyStart, c.bodyLength);
                int version = answer.path("version").asInt();
                RegisteredModel model = registry.get(MODEL, version).orElseThrow(() -> new IllegalStateException(
                        "Tessera scored " + id + " with " + MODEL + " version " + version + ", which the registry does not have"));
                HandWrittenModels.Scorer scorer = models.get(MODEL, version);
                double[] row = row(model, answer.path("features_used"), scorer.inputs(), id);
                double mine = scorer.score(row);
                double tessera = answer.path("score").asDouble();
                worst = Math.max(worst, Math.abs(mine - tessera));
                if (Math.abs(mine - tessera) > 1e-5) {
                    throw new IllegalStateException("the hand-written " + MODEL + " v" + version + " scores " + id + " " + mine
                            + ", Tessera " + tessera + ": the designs would not answer the same");
                }
                String variant = answer.path("variant").asText();
                byVariant.merge(variant + " (v" + version + ")", 1, Integer::sum);
                scored.put(id, new Scored(version, variant, tessera, value(version, row, answer)));
            }
        } finally {
            c.closeQuietly();
        }
        System.out.printf("scored %,d accounts on Tessera (%s) in %.1f s; the hand-written models agree (largest difference %.1e)%n",
                accounts, byVariant, (System.nanoTime() - t0) / 1e9, worst);
        return scored;
    }

    /** {@code out} becomes the request {@code POST /v1/score/{MODEL}} for account {@code id}. */
    static void request(Bytes out, String id) {
        byte[] body = ("{\"entity\":{\"account_id\":\"" + id + "\"}}").getBytes(StandardCharsets.UTF_8);
        out.clear();
        out.append(Bytes.ascii("POST /v1/score/" + MODEL + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n")).append(body);
    }

    /** The served values of {@code used}, in the service's order, as the encoder takes them; then the row in {@code order}. */
    private static double[] row(RegisteredModel model, JsonNode used, List<String> order, String id) {
        List<Object> values = new ArrayList<>();
        for (Iterator<JsonNode> it = used.elements(); it.hasNext(); ) {
            values.add(value(it.next()));
        }
        List<String> inputs = model.model().inputs();
        if (values.size() != inputs.size()) {
            throw new IllegalStateException("Tessera's answer for " + id + " has " + values.size() + " features; " + MODEL + " v"
                    + model.version() + " has " + inputs.size() + " inputs");
        }
        double[] encoded = new double[inputs.size()];
        model.encoder().encode(values, encoded);
        double[] row = new double[order.size()];
        for (int i = 0; i < row.length; i++) {
            int at = inputs.indexOf(order.get(i));
            if (at < 0) {
                throw new IllegalStateException("the hand-written model's input " + order.get(i) + " is not one of Tessera's " + inputs);
            }
            row[i] = encoded[at];
        }
        return row;
    }

    private static Object value(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber()) {
            return v.asLong();
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isArray()) {
            List<Object> list = new ArrayList<>();
            v.forEach(e -> list.add(value(e)));
            return list;
        }
        return v.asText();
    }

    /** {@code [int version][int n][n doubles]}, then the answer after its score: {@code ,"model":...}. */
    private static byte[] value(int version, double[] row, ObjectNode answer) throws IOException {
        ByteArrayOutputStream tail = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.getFactory().createGenerator(tail)) {
            g.writeStartObject();
            for (Iterator<Map.Entry<String, JsonNode>> it = answer.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().equals("score") && !e.getKey().equals("as_of") && !e.getKey().equals("request_id")) {
                    g.writeFieldName(e.getKey());
                    JSON.writeTree(g, e.getValue());
                }
            }
            g.writeEndObject();
        }
        byte[] object = tail.toByteArray(); // {"model":...}: the answer is {"score":S, then this without its "{"
        ByteBuffer b = ByteBuffer.allocate(8 + 8 * row.length + object.length);
        b.putInt(version).putInt(row.length);
        for (double x : row) {
            b.putDouble(x);
        }
        b.put((byte) ',').put(object, 1, object.length - 1);
        return b.array();
    }
}
