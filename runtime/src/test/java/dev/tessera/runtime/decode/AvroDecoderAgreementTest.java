package dev.tessera.runtime.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/**
 * The Avro decoder against a naive oracle: random schemas (nested records, unions with null,
 * enums, bytes, fixed, arrays, maps), random records written with {@code GenericDatumWriter}, random
 * layouts over their fields; each layout field is compared with the value read from the original
 * record by field name and converted to its canonical type. Every tenth case also checks that each
 * truncation, and the record with a byte appended, is malformed. 1,000 seeds;
 * {@code -Dtessera.seed=N} runs one.
 */
class AvroDecoderAgreementTest {
    private static final Object MISMATCH = new Object() {
        @Override
        public String toString() {
            return "<schema_mismatch>";
        }
    };

    @Test
    void decoderAgreesWithTheRecordThatWasWritten() {
        Long only = Long.getLong("tessera.seed");
        long from = only == null ? 0 : only;
        long to = only == null ? 1_000 : only + 1;
        int accepted = 0;
        int mismatched = 0;
        for (long seed = from; seed < to; seed++) {
            Random random = new Random(seed);
            Schema schema = new SchemaMaker(random).record(0);
            GenericRecord record = (GenericRecord) randomValue(random, schema);
            FieldLayout layout = randomLayout(random, schema);
            byte[] value = AvroEventDecoderTest.encode(record);
            String context = "seed " + seed + ", layout " + layout + ", record " + record;

            Decoded decoded = new AvroEventDecoder(schema, "random.avsc", layout, 1 << 20).decode(value);
            Object[] expected = naive(record, layout);
            if (expected == null) {
                mismatched++;
                assertThat(decoded.reason()).as(context).isEqualTo(RejectReason.SCHEMA_MISMATCH);
            } else {
                accepted++;
                assertThat(decoded.isAccepted()).as("%s -> %s", context, decoded).isTrue();
                Event event = decoded.event();
                for (int slot = 0; slot < layout.size(); slot++) {
                    Object actual = event.get(slot);
                    assertThat(Objects.equals(actual, expected[slot]))
                            .as("%s: field %s decoded %s, expected %s", context, layout.names().get(slot), actual,
                                    expected[slot])
                            .isTrue();
                }
            }
            if (seed % 10 == 0) {
                AvroEventDecoder decoder = new AvroEventDecoder(schema, "random.avsc", layout, 1 << 20);
                for (int len = 0; len < value.length; len++) {
                    assertThat(decoder.decode(Arrays.copyOf(value, len)).reason())
                            .as("%s, prefix of %d bytes", context, len).isEqualTo(RejectReason.MALFORMED);
                }
                assertThat(decoder.decode(Arrays.copyOf(value, value.length + 1)).reason())
                        .as("%s, one byte appended", context).isEqualTo(RejectReason.MALFORMED);
            }
        }
        if (only == null) {
            assertThat(accepted).as("cases decoded").isGreaterThan(300);
            assertThat(mismatched).as("cases with bytes, fixed, arrays, maps or records in the layout").isGreaterThan(50);
        }
    }

    /**
     * The Confluent decoder over the same random records, read with a reader schema that keeps only
     * the top-level fields the layout uses (in shuffled order): Avro's resolution must skip every
     * dropped field, whatever its type (strings, bytes, fixed, arrays, maps, records, unions), and
     * the values must still equal the oracle's.
     */
    @Test
    void confluentDecoderSkipsWhatTheReaderSchemaDropped() {
        Long only = Long.getLong("tessera.seed");
        long from = only == null ? 0 : only;
        long to = only == null ? 500 : only + 1;
        int skipped = 0;
        for (long seed = from; seed < to; seed++) {
            Random random = new Random(seed);
            Schema writer = new SchemaMaker(random).record(0);
            GenericRecord record = (GenericRecord) randomValue(random, writer);
            FieldLayout layout = randomLayout(random, writer);
            List<String> used = layout.names().stream().map(n -> n.split("\\.")[0]).distinct().toList();
            List<Schema.Field> kept = new ArrayList<>();
            for (Schema.Field f : writer.getFields()) {
                if (used.contains(f.name())) {
                    kept.add(new Schema.Field(f, f.schema()));
                }
            }
            Collections.shuffle(kept, random);
            skipped += writer.getFields().size() - kept.size();
            Schema reader = Schema.createRecord(writer.getName(), null, writer.getNamespace(), false, kept);
            dev.tessera.schemas.LocalSchemaRegistry registry = dev.tessera.schemas.LocalSchemaRegistry.inMemory();
            int id = registry.register("random-value", writer).id();
            byte[] value = dev.tessera.schemas.ConfluentWireFormat.frame(id, AvroEventDecoderTest.encode(record));
            String context = "seed " + seed + ", layout " + layout + ", record " + record;

            Decoded decoded = new ConfluentAvroDecoder(reader, "random.avsc", registry, layout, 1 << 20).decode(value);
            Object[] expected = naive(record, layout);
            if (expected == null) {
                assertThat(decoded.reason()).as(context).isEqualTo(RejectReason.SCHEMA_MISMATCH);
                continue;
            }
            assertThat(decoded.isAccepted()).as("%s -> %s", context, decoded).isTrue();
            for (int slot = 0; slot < layout.size(); slot++) {
                Object actual = decoded.event().get(slot);
                assertThat(Objects.equals(actual, expected[slot]))
                        .as("%s: field %s decoded %s, expected %s", context, layout.names().get(slot), actual,
                                expected[slot])
                        .isTrue();
            }
        }
        if (only == null) {
            assertThat(skipped).as("fields the readers dropped").isGreaterThan(300);
        }
    }

    // ---------------------------------------------------------------- the naive oracle

    private static Object[] naive(GenericRecord record, FieldLayout layout) {
        Object[] values = new Object[layout.size()];
        for (int slot = 0; slot < values.length; slot++) {
            Object v = record;
            for (String name : layout.names().get(slot).split("\\.")) {
                v = v == null ? null : ((GenericRecord) v).get(name);
            }
            Object canonical = canonical(v);
            if (canonical == MISMATCH) {
                return null;
            }
            values[slot] = canonical;
        }
        return values;
    }

    private static Object canonical(Object v) {
        if (v == null || v instanceof Long || v instanceof Double || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Integer i) {
            return i.longValue();
        }
        if (v instanceof Float f) {
            return f.doubleValue();
        }
        if (v instanceof CharSequence || v instanceof GenericEnumSymbol) {
            return v.toString();
        }
        return MISMATCH;
    }

    // ---------------------------------------------------------------- random schemas, records, layouts

    /** Random record schemas; every named type gets a fresh name. */
    private static final class SchemaMaker {
        private final Random random;
        private int names;

        SchemaMaker(Random random) {
            this.random = random;
        }

        Schema record(int depth) {
            List<Schema.Field> fields = new ArrayList<>();
            for (int i = 1 + random.nextInt(6); i > 0; i--) {
                fields.add(new Schema.Field("f" + fields.size() + (char) ('a' + random.nextInt(26)), type(depth)));
            }
            return Schema.createRecord("R" + names++, null, "test", false, fields);
        }

        private Schema type(int depth) {
            int roll = random.nextInt(depth < 2 ? 19 : 16);
            switch (roll) {
                case 0:
                case 1:
                    return Schema.create(Schema.Type.INT);
                case 2:
                case 3:
                    return Schema.create(Schema.Type.LONG);
                case 4:
                    return Schema.create(Schema.Type.FLOAT);
                case 5:
                    return Schema.create(Schema.Type.DOUBLE);
                case 6:
                    return Schema.create(Schema.Type.BOOLEAN);
                case 7:
                case 8:
                    return Schema.create(Schema.Type.STRING);
                case 9:
                    return Schema.createEnum("E" + names++, null, "test", List.of("A", "B", "C"));
                case 10:
                    return Schema.createUnion(Schema.create(Schema.Type.NULL), scalar());
                case 11:
                    return Schema.createUnion(scalar(), Schema.create(Schema.Type.NULL));
                case 12:
                    return Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING),
                            Schema.create(Schema.Type.BYTES));
                case 13:
                    return Schema.create(random.nextBoolean() ? Schema.Type.BYTES : Schema.Type.NULL);
                case 14:
                    return random.nextBoolean()
                            ? Schema.createFixed("X" + names++, null, "test", random.nextInt(6))
                            : Schema.createArray(scalar());
                case 15:
                    return Schema.createMap(scalar());
                case 16:
                case 17:
                    return record(depth + 1);
                default:
                    return Schema.createUnion(Schema.create(Schema.Type.NULL), record(depth + 1));
            }
        }

        private Schema scalar() {
            Schema.Type[] types = {Schema.Type.INT, Schema.Type.LONG, Schema.Type.FLOAT, Schema.Type.DOUBLE,
                Schema.Type.BOOLEAN, Schema.Type.STRING};
            return Schema.create(types[random.nextInt(types.length)]);
        }
    }

    private static Object randomValue(Random random, Schema s) {
        switch (s.getType()) {
            case RECORD: {
                GenericData.Record r = new GenericData.Record(s);
                for (Schema.Field f : s.getFields()) {
                    r.put(f.pos(), randomValue(random, f.schema()));
                }
                return r;
            }
            case INT:
                return random.nextInt(4) == 0 ? random.nextInt() : random.nextInt(100) - 50;
            case LONG:
                return random.nextInt(4) == 0 ? random.nextLong() : (long) random.nextInt(1_000_000);
            case FLOAT: {
                float[] special = {Float.NaN, Float.POSITIVE_INFINITY, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE};
                return random.nextInt(5) == 0 ? special[random.nextInt(special.length)] : (float) random.nextGaussian();
            }
            case DOUBLE:
                return random.nextInt(5) == 0 ? Double.longBitsToDouble(random.nextLong()) : random.nextGaussian() * 1e3;
            case BOOLEAN:
                return random.nextBoolean();
            case STRING: {
                String text = randomText(random);
                return random.nextBoolean() ? text : new Utf8(text);
            }
            case NULL:
                return null;
            case ENUM:
                return new GenericData.EnumSymbol(s, s.getEnumSymbols().get(random.nextInt(s.getEnumSymbols().size())));
            case BYTES: {
                byte[] b = new byte[random.nextInt(5)];
                random.nextBytes(b);
                return ByteBuffer.wrap(b);
            }
            case FIXED: {
                byte[] b = new byte[s.getFixedSize()];
                random.nextBytes(b);
                return new GenericData.Fixed(s, b);
            }
            case ARRAY: {
                List<Object> items = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    items.add(randomValue(random, s.getElementType()));
                }
                return items;
            }
            case MAP: {
                Map<String, Object> map = new HashMap<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    map.put("k" + i, randomValue(random, s.getValueType()));
                }
                return map;
            }
            case UNION: {
                List<Schema> branches = s.getTypes();
                return randomValue(random, branches.get(random.nextInt(branches.size())));
            }
            default:
                throw new IllegalStateException("no generator for " + s);
        }
    }

    private static String randomText(Random random) {
        String chars = "abcXYZ019 _-.\"\\/\n\té€山\u0000";
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            sb.append(random.nextInt(25) == 0 ? "\uD83D\uDE00" : String.valueOf(chars.charAt(random.nextInt(chars.length()))));
        }
        return sb.toString();
    }

    /** A random non-conflicting subset of the schema's field paths (values and records alike). */
    private static FieldLayout randomLayout(Random random, Schema schema) {
        List<String> candidates = new ArrayList<>();
        collectPaths(schema, "", candidates);
        Collections.shuffle(candidates, random);
        List<String> chosen = new ArrayList<>();
        for (String path : candidates) {
            boolean conflicts = chosen.stream().anyMatch(c -> c.startsWith(path + ".") || path.startsWith(c + "."));
            if (!conflicts && (chosen.isEmpty() || random.nextInt(3) > 0)) {
                chosen.add(path);
            }
        }
        return FieldLayout.of(chosen);
    }

    private static void collectPaths(Schema record, String prefix, List<String> out) {
        for (Schema.Field f : record.getFields()) {
            String path = prefix + f.name();
            out.add(path);
            Schema nested = f.schema().getType() == Schema.Type.RECORD ? f.schema()
                    : f.schema().getType() == Schema.Type.UNION
                            ? f.schema().getTypes().stream().filter(t -> t.getType() == Schema.Type.RECORD).findFirst()
                                    .orElse(null)
                            : null;
            if (nested != null) {
                collectPaths(nested, path + ".", out);
            }
        }
    }
}
