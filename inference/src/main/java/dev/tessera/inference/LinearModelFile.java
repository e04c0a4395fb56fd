package dev.tessera.inference;

import dev.tessera.api.Problems;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.tessera.api.ClosestNames;
import dev.tessera.api.Location;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tessera's linear model file, the artifact of {@code format: logistic} and {@code format: linear}
 * (this class owns the layout; module README):
 *
 * <pre>{@code
 * {
 *   "intercept": -4.1,
 *   "weights": {"account_payments.declined_count_1h": 0.42, "account_logins.distinct_devices_1d": 0.9},
 *   "missing": {"account_logins.distinct_devices_1d": 1.2}
 * }
 * }</pre>
 *
 * One weight per input of the model, keyed by qualified feature name (0 to ignore one); the score is
 * {@code link(intercept + Σ weight · value)}, a missing value (NaN) taking its {@code missing} entry,
 * 0 when it has none. {@code missing} is optional.
 *
 * @param weights by qualified feature name, in the model's input order
 * @param missing the value a missing input takes, by name; absent means 0
 */
public record LinearModelFile(double intercept, Map<String, Double> weights, Map<String, Double> missing) {
    private static final List<String> FIELDS = List.of("intercept", "weights", "missing");
    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    public LinearModelFile {
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        missing = Collections.unmodifiableMap(new LinkedHashMap<>(missing));
    }

    /** Writes the file (pretty-printed, weights in input order), replacing it. */
    public void write(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); JsonGenerator g = JSON.createGenerator(out)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            g.writeStartObject();
            g.writeNumberField("intercept", intercept);
            writeMap(g, "weights", weights);
            if (!missing.isEmpty()) {
                writeMap(g, "missing", missing);
            }
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    private static void writeMap(JsonGenerator g, String field, Map<String, Double> values) throws IOException {
        g.writeObjectFieldStart(field);
        for (Map.Entry<String, Double> e : values.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    /** A file as read, with where each weight and missing value was written. */
    record Read(LinearModelFile file, Location weightsAt, Map<String, Location> weightAt, Map<String, Location> missingAt) {
    }

    /**
     * Reads {@code file}, reporting every problem at its line (as {@code shownAs}); null when there is any.
     */
    static Read read(Path file, String shownAs, Problems problems) {
        int mark = problems.count();
        Double intercept = null;
        Map<String, Double> weights = new LinkedHashMap<>();
        Map<String, Double> missing = new LinkedHashMap<>();
        Map<String, Location> weightAt = new LinkedHashMap<>();
        Map<String, Location> missingAt = new LinkedHashMap<>();
        Location weightsAt = null;
        Location top = new Location(shownAs, 1, 1);
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                problems.add(at(shownAs, p.currentTokenLocation()), "a linear model file must be a JSON object",
                        "write {\"intercept\": ..., \"weights\": {\"<group>.<feature>\": ...}} (inference/README.md)");
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                Location fieldAt = at(shownAs, p.currentTokenLocation());
                JsonToken value = p.nextToken();
                switch (field) {
                    case "intercept" -> intercept = number(p, value, shownAs, "intercept", problems);
                    case "weights" -> {
                        weightsAt = fieldAt;
                        readNumbers(p, value, shownAs, "weights", weights, weightAt, problems);
                    }
                    case "missing" -> readNumbers(p, value, shownAs, "missing", missing, missingAt, problems);
                    default -> {
                        problems.add(fieldAt, "unknown field '" + field + "' in linear model file " + shownAs,
                                ClosestNames.hint(field, FIELDS, "fields"));
                        p.skipChildren();
                    }
                }
            }
            if (p.nextToken() != null) {
                problems.add(at(shownAs, p.currentTokenLocation()), "text after the end of the JSON object",
                        "a model file holds one JSON object");
            }
        } catch (JsonProcessingException e) {
            problems.add(at(shownAs, e.getLocation()), "not valid JSON: " + e.getOriginalMessage(),
                    "fix the JSON syntax (a linear model file is one object; inference/README.md)");
            return null;
        } catch (IOException e) {
            problems.add(top, "cannot read model file " + shownAs + ": " + e.getMessage(), "check the file is readable");
            return null;
        }
        if (intercept == null && !problems.addedSince(mark)) {
            problems.add(top, "linear model file " + shownAs + " has no intercept", "add \"intercept\": <number> (0 for none)");
        }
        if (weightsAt == null && !problems.addedSince(mark)) {
            problems.add(top, "linear model file " + shownAs + " has no weights",
                    "add \"weights\": {\"<group>.<feature>\": <number>, ...}, one per feature of the model's service");
        }
        for (Map.Entry<String, Location> e : missingAt.entrySet()) {
            if (!weights.containsKey(e.getKey()) && weightsAt != null) {
                problems.add(e.getValue(), "missing value for '" + e.getKey() + "', which has no weight",
                        ClosestNames.hint(e.getKey(), weights.keySet(), "weighted features"));
            }
        }
        if (problems.addedSince(mark)) {
            return null;
        }
        return new Read(new LinearModelFile(intercept, weights, missing), weightsAt, weightAt, missingAt);
    }

    private static Double number(JsonParser p, JsonToken value, String shownAs, String what, Problems problems)
            throws IOException {
        if (value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT) {
            double d = p.getDoubleValue();
            if (Double.isFinite(d)) {
                return d;
            }
        }
        problems.add(at(shownAs, p.currentTokenLocation()), what + " must be a finite number, got " + describe(p, value),
                "write a number, e.g. 0.25");
        p.skipChildren();
        return null;
    }

    private static void readNumbers(JsonParser p, JsonToken value, String shownAs, String what, Map<String, Double> into,
                                    Map<String, Location> at, Problems problems) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            problems.add(at(shownAs, p.currentTokenLocation()), "'" + what + "' must be an object of feature → number, got "
                    + describe(p, value), "write \"" + what + "\": {\"<group>.<feature>\": <number>, ...}");
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            Location where = at(shownAs, p.currentTokenLocation());
            Double v = number(p, p.nextToken(), shownAs, what + " of '" + name + "'", problems);
            if (v != null) {
                into.put(name, v);
                at.put(name, where);
            }
        }
    }

    private static String describe(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "the string \"" + p.getText() + "\"";
            case VALUE_NULL -> "null";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            default -> p.getText();
        };
    }

    static Location at(String file, JsonLocation l) {
        return l == null || l.getLineNr() < 1 ? new Location(file, 0, 0) : new Location(file, l.getLineNr(), l.getColumnNr());
    }
}
