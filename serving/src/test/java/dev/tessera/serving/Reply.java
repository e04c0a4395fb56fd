package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** One HTTP answer as a test sees it: status, headers (names case-insensitive) and the body as text. */
record Reply(int status, Map<String, List<String>> headers, String body) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);

    Reply {
        Map<String, List<String>> ci = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        ci.putAll(headers);
        headers = ci;
    }

    /** The first value of a header, or null. */
    String header(String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    boolean isJson() {
        String type = header("Content-Type");
        return type != null && type.toLowerCase(Locale.ROOT).startsWith("application/json");
    }

    /** The body parsed as JSON; fails the test (naming the body) when it is not. */
    JsonNode json() {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || n.isMissingNode()) {
                throw new AssertionError("empty body where JSON was expected; status " + status);
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON (status " + status + "): " + abbreviated(), e);
        }
    }

    /** A JSON value as plain Java (integers as Long, objects as ordered maps), to compare with computed values. */
    static Object toJava(JsonNode n) {
        try {
            return JSON.treeToValue(n, Object.class);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    /** The field names of a JSON object, in order. */
    static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    String abbreviated() {
        return body.length() <= 600 ? body : body.substring(0, 600) + "...";
    }

    @Override
    public String toString() {
        return status + " " + abbreviated();
    }
}
