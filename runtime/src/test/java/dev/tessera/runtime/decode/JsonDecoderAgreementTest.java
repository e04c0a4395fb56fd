package dev.tessera.runtime.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The streaming JSON decoder against a naive oracle: Jackson databind reads the same bytes into a
 * tree, dotted names are followed node by node, and leaves are converted to canonical values.
 * Random objects (nested, with extra fields of every shape, unicode and escapes, numbers of every
 * size, NaN and infinities, wrong shapes at layout fields) over random layouts, 1,000 seeds. A
 * quarter of the cases are also written with one key repeated in a random object (read, skipped,
 * or inside an array), which Jackson's own {@code STRICT_DUPLICATE_DETECTION} must confirm.
 * {@code -Dtessera.seed=N} runs one seed.
 */
class JsonDecoderAgreementTest {
    private static final List<String> POOL = List.of("id", "amount", "status", "n", "flag", "billing.country",
            "billing.address.city", "billing.address.zip", "device.ip", "a.b.c.d");
    private static final Object MISMATCH = new Object() {
        @Override
        public String toString() {
            return "<schema_mismatch>";
        }
    };
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final JsonMapper NAN_LITERALS = JsonMapper.builder()
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS).build();
    private static final JsonMapper NAN_STRINGS = JsonMapper.builder().build();
    private static final JsonMapper READER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    private static final JsonMapper STRICT_READER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final String CHARS = "abcXYZ019 _-.\"\\/\n\t\r\u0001\u001féü€山田<>'&{}[]:,";

    @Test
    void streamingDecoderAgreesWithTheDatabindTree() throws Exception {
        Long only = Long.getLong("tessera.seed");
        long from = only == null ? 0 : only;
        long to = only == null ? 1_000 : only + 1;
        int accepted = 0;
        int mismatched = 0;
        int duplicates = 0;
        for (long seed = from; seed < to; seed++) {
            Random random = new Random(seed);
            List<String> names = new ArrayList<>(POOL);
            Collections.shuffle(names, random);
            FieldLayout layout = FieldLayout.of(names.subList(0, 1 + random.nextInt(names.size())));
            ObjectNode object = randomObject(random, tree(POOL), 0);
            JsonMapper writer = random.nextBoolean() ? NAN_LITERALS : NAN_STRINGS;
            byte[] json = random.nextInt(3) == 0
                    ? writer.writerWithDefaultPrettyPrinter().writeValueAsBytes(object)
                    : writer.writeValueAsBytes(object);

            Object[] expected = naive(READER.readTree(json), layout);
            JsonEventDecoder decoder = new JsonEventDecoder(layout, 1 << 20);
            Decoded decoded = decoder.decode(json);
            String context = "seed " + seed + ", layout " + layout + ", json " + new String(json, "UTF-8");
            if (random.nextInt(4) == 0) {
                byte[] withDuplicate = writeWithDuplicate(writer, object, random);
                String dupContext = "seed " + seed + ", json " + new String(withDuplicate, "UTF-8");
                assertThat(strictReaderRejects(withDuplicate)).as(dupContext).isTrue();
                Decoded rejected = decoder.decode(withDuplicate);
                // a wrong shape earlier in the document may be found before the duplicate
                assertThat(rejected.reason()).as("%s -> %s", dupContext, rejected)
                        .isIn(RejectReason.MALFORMED, RejectReason.SCHEMA_MISMATCH);
                duplicates += rejected.reason() == RejectReason.MALFORMED ? 1 : 0;
            }
            if (expected == null) {
                mismatched++;
                assertThat(decoded.reason()).as(context).isEqualTo(RejectReason.SCHEMA_MISMATCH);
                continue;
            }
            accepted++;
            assertThat(decoded.isAccepted()).as("%s -> %s", context, decoded).isTrue();
            Event event = decoded.event();
            for (int slot = 0; slot < layout.size(); slot++) {
                Object actual = event.get(slot);
                assertThat(Objects.equals(actual, expected[slot]))
                        .as("%s: field %s decoded %s (%s), naive %s (%s)", context, layout.names().get(slot), actual,
                                type(actual), expected[slot], type(expected[slot]))
                        .isTrue();
            }
        }
        if (only == null) {
            assertThat(accepted).as("cases decoded").isGreaterThan(300);
            assertThat(mismatched).as("cases with a wrong shape at a layout field").isGreaterThan(50);
            assertThat(duplicates).as("cases rejected for a duplicate key").isGreaterThan(150);
        }
    }

    /**
     * One decoder for a stream of records, as a consumer uses it: it learns the key order and then
     * matches keys in that order (see {@code JsonEventDecoder}). Records mostly repeat one shape,
     * and sometimes reorder, drop or add top-level keys, repeat a key, or change a value's shape.
     * Each verdict (accepted values, or the reason and the whole message) must equal that of a
     * fresh decoder, which has learned nothing, and accepted values must equal the naive oracle's.
     */
    @Test
    void aDecoderThatLearnedAKeyOrderDecodesEveryRecordAsAFreshOne() throws Exception {
        int shortcuts = 0;
        for (long seed = 0; seed < 300; seed++) {
            Random random = new Random(seed);
            List<String> names = new ArrayList<>(POOL);
            Collections.shuffle(names, random);
            FieldLayout layout = FieldLayout.of(names.subList(0, 1 + random.nextInt(names.size())));
            JsonEventDecoder reused = new JsonEventDecoder(layout, 1 << 20);
            ObjectNode usual = randomObject(random, tree(POOL), 0);
            for (int r = 0; r < 60; r++) {
                ObjectNode object = usual;
                int change = random.nextInt(12);
                if (change == 0) {
                    object = randomObject(random, tree(POOL), 0); // another shape altogether
                } else if (change == 1 && usual.size() > 1) {
                    object = reordered(usual, random);
                } else if (change == 2 && usual.size() > 0) {
                    object = usual.deepCopy();
                    List<String> keys = new ArrayList<>();
                    usual.fieldNames().forEachRemaining(keys::add);
                    object.remove(keys.get(random.nextInt(keys.size())));
                } else if (change == 3) {
                    object = usual.deepCopy();
                    object.put("extra" + random.nextInt(3), random.nextInt(100));
                } else if (change == 4) {
                    usual = random.nextBoolean() ? reordered(usual, random) : randomObject(random, tree(POOL), 0);
                    object = usual;
                }
                byte[] json = change == 5 && countNonEmptyObjects(object) > 0
                        ? writeWithDuplicate(NAN_LITERALS, object, random)
                        : NAN_LITERALS.writeValueAsBytes(object);
                String context = "seed " + seed + " record " + r + ", layout " + layout + ", json " + new String(json, "UTF-8");
                Decoded fresh = new JsonEventDecoder(layout, 1 << 20).decode(json);
                Decoded decoded = reused.decode(json);
                assertThat(decoded.isAccepted()).as("%s -> %s / %s", context, decoded, fresh).isEqualTo(fresh.isAccepted());
                if (!fresh.isAccepted()) {
                    assertThat(decoded.reason()).as(context).isEqualTo(fresh.reason());
                    assertThat(decoded.message()).as(context).isEqualTo(fresh.message());
                    continue;
                }
                Object[] expected = naive(READER.readTree(json), layout);
                assertThat(expected).as(context).isNotNull();
                for (int slot = 0; slot < layout.size(); slot++) {
                    assertThat(Objects.equals(decoded.event().get(slot), expected[slot]))
                            .as("%s: field %s decoded %s, naive %s", context, layout.names().get(slot),
                                    decoded.event().get(slot), expected[slot])
                            .isTrue();
                    assertThat(decoded.event().get(slot)).as(context).isEqualTo(fresh.event().get(slot));
                }
                shortcuts += change > 5 ? 1 : 0;
            }
        }
        assertThat(shortcuts).as("accepted records of the usual shape").isGreaterThan(3_000);
    }

    private static ObjectNode reordered(ObjectNode object, Random random) {
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(object.properties());
        Collections.shuffle(fields, random);
        ObjectNode out = NODES.objectNode();
        for (Map.Entry<String, JsonNode> f : fields) {
            out.set(f.getKey(), f.getValue());
        }
        return out;
    }

    // ---------------------------------------------------------------- the naive oracle

    /** Canonical values per slot, or null when some layout field has the wrong shape. */
    private static Object[] naive(JsonNode root, FieldLayout layout) {
        Object[] values = new Object[layout.size()];
        for (int slot = 0; slot < values.length; slot++) {
            Object v = naiveField(root, layout.names().get(slot).split("\\."));
            if (v == MISMATCH) {
                return null;
            }
            values[slot] = v;
        }
        return values;
    }

    private static Object naiveField(JsonNode root, String[] path) {
        JsonNode node = root;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (child == null || child.isNull()) {
                return null;
            }
            if (!child.isObject()) {
                return MISMATCH;
            }
            node = child;
        }
        JsonNode leaf = node.get(path[path.length - 1]);
        if (leaf == null || leaf.isNull()) {
            return null;
        }
        if (leaf.isContainerNode()) {
            return MISMATCH;
        }
        if (leaf.isTextual()) {
            return leaf.textValue();
        }
        if (leaf.isBoolean()) {
            return leaf.booleanValue();
        }
        if (leaf.isInt() || leaf.isLong()) {
            return leaf.longValue();
        }
        if (leaf.isBigInteger()) {
            return leaf.bigIntegerValue().doubleValue();
        }
        return leaf.doubleValue();
    }

    // ---------------------------------------------------------------- duplicate keys

    private static boolean strictReaderRejects(byte[] json) throws IOException {
        try {
            STRICT_READER.readTree(json);
            return false;
        } catch (JsonProcessingException e) {
            return e.getOriginalMessage().startsWith("Duplicate field");
        }
    }

    /** {@code root} written with one existing key of one random non-empty object written twice. */
    private static byte[] writeWithDuplicate(JsonMapper mapper, ObjectNode root, Random random) throws IOException {
        int[] target = {random.nextInt(countNonEmptyObjects(root))};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            write(g, root, target, random);
        }
        return out.toByteArray();
    }

    private static int countNonEmptyObjects(JsonNode node) {
        int n = node.isObject() && node.size() > 0 ? 1 : 0;
        for (JsonNode child : node) {
            n += countNonEmptyObjects(child);
        }
        return n;
    }

    private static void write(JsonGenerator g, JsonNode node, int[] target, Random random) throws IOException {
        if (node.isObject()) {
            boolean duplicateHere = node.size() > 0 && target[0]-- == 0;
            g.writeStartObject();
            List<String> names = new ArrayList<>();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                names.add(field.getKey());
                g.writeFieldName(field.getKey());
                write(g, field.getValue(), target, random);
            }
            if (duplicateHere) {
                g.writeFieldName(names.get(random.nextInt(names.size())));
                g.writeNumber(1);
            }
            g.writeEndObject();
        } else if (node.isArray()) {
            g.writeStartArray();
            for (JsonNode item : node) {
                write(g, item, target, random);
            }
            g.writeEndArray();
        } else {
            g.writeTree(node);
        }
    }

    // ---------------------------------------------------------------- random objects

    /** The pool's names as nested maps: a leaf maps to null. */
    private static Map<String, Object> tree(List<String> names) {
        Map<String, Object> root = new LinkedHashMap<>();
        for (String name : names) {
            Map<String, Object> level = root;
            String[] parts = name.split("\\.");
            for (int i = 0; i < parts.length - 1; i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> next = (Map<String, Object>) level.computeIfAbsent(parts[i],
                        k -> new LinkedHashMap<String, Object>());
                level = next;
            }
            level.put(parts[parts.length - 1], null);
        }
        return root;
    }

    private static ObjectNode randomObject(Random random, Map<String, Object> level, int depth) {
        ObjectNode object = NODES.objectNode();
        List<String> keys = new ArrayList<>(level.keySet());
        Collections.shuffle(keys, random);
        for (String key : keys) {
            while (random.nextInt(10) < 3) {
                String extra = randomString(random, 6);
                if (!level.containsKey(extra) && !object.has(extra)) {
                    object.set(extra, randomAnything(random, depth + 1));
                }
            }
            Object children = level.get(key);
            int roll = random.nextInt(100);
            if (children == null) {
                if (roll < 12) {
                    continue;
                }
                object.set(key, roll < 17 ? randomArray(random, depth + 1)
                        : roll < 21 ? randomExtraObject(random, depth + 1) : randomScalar(random));
            } else {
                if (roll < 10) {
                    continue;
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> next = (Map<String, Object>) children;
                object.set(key, roll < 18 ? NODES.nullNode()
                        : roll < 22 ? randomScalar(random)
                        : roll < 25 ? randomArray(random, depth + 1) : randomObject(random, next, depth + 1));
            }
        }
        return object;
    }

    private static JsonNode randomAnything(Random random, int depth) {
        int roll = random.nextInt(10);
        if (depth < 6 && roll < 2) {
            return randomArray(random, depth + 1);
        }
        if (depth < 6 && roll < 4) {
            return randomExtraObject(random, depth + 1);
        }
        return randomScalar(random);
    }

    private static ArrayNode randomArray(Random random, int depth) {
        ArrayNode array = NODES.arrayNode();
        for (int i = random.nextInt(4); i > 0; i--) {
            array.add(randomAnything(random, depth));
        }
        return array;
    }

    private static ObjectNode randomExtraObject(Random random, int depth) {
        ObjectNode object = NODES.objectNode();
        for (int i = random.nextInt(4); i > 0; i--) {
            object.set(randomString(random, 5), randomAnything(random, depth));
        }
        return object;
    }

    private static JsonNode randomScalar(Random random) {
        switch (random.nextInt(13)) {
            case 0:
                return NODES.nullNode();
            case 1:
                return NODES.booleanNode(random.nextBoolean());
            case 2:
                return NODES.numberNode(random.nextInt(2001) - 1000);
            case 3:
                return NODES.numberNode(random.nextLong());
            case 4:
                return NODES.numberNode(new BigInteger(64 + random.nextInt(200), random)
                        .add(BigInteger.valueOf(Long.MAX_VALUE)).multiply(BigInteger.valueOf(random.nextBoolean() ? 1 : -1)));
            case 5:
                return NODES.numberNode(random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20));
            case 6: {
                double d = Double.longBitsToDouble(random.nextLong());
                return NODES.numberNode(Double.isNaN(d) ? 0.5 : d);
            }
            case 7:
                return NODES.numberNode(new double[] {Double.NaN, Double.POSITIVE_INFINITY,
                    Double.NEGATIVE_INFINITY, -0.0, Double.MIN_VALUE, Double.MAX_VALUE}[random.nextInt(6)]);
            case 8:
                return NODES.textNode(Long.toString(random.nextLong()));
            case 9:
                return NODES.textNode("");
            default:
                return NODES.textNode(randomString(random, 20));
        }
    }

    private static String randomString(Random random, int maxLength) {
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(maxLength + 1); i > 0; i--) {
            if (random.nextInt(20) == 0) {
                sb.append("\uD83D\uDE00");
            } else {
                sb.append(CHARS.charAt(random.nextInt(CHARS.length())));
            }
        }
        return sb.toString();
    }

    private static String type(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName();
    }
}
