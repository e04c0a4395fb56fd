package dev.tessera.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.runtime.decode.RejectReason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.Utf8;

/**
 * The catalog of {@link BadInputSuiteTest}: every class of bad input, and for each source kind the
 * records it injects and what must become of each one (a dead-letter reason, accepted, or dropped
 * as a duplicate). The expectations are written here from SPEC §3 and §9, not read back from the
 * product; the suite's javadoc has them as a table.
 */
final class BadInputCases {
    static final String ACCEPTED = "accepted";
    static final String DUPLICATE = "duplicate";
    static final String MALFORMED = RejectReason.MALFORMED.code();
    static final String MISSING_KEY = RejectReason.MISSING_KEY.code();
    static final String BAD_TIMESTAMP = RejectReason.BAD_TIMESTAMP.code();
    static final String LATE = RejectReason.LATE.code();
    static final String FUTURE = RejectReason.FUTURE.code();
    static final String TOO_LARGE = RejectReason.TOO_LARGE.code();
    static final String SCHEMA_MISMATCH = RejectReason.SCHEMA_MISMATCH.code();

    /** The per-record size limit the suite runs the runtime with. */
    static final int MAX_RECORD_BYTES = 64 * 1024;

    static final ObjectMapper JSON = new ObjectMapper();

    static final String AVRO_SCHEMA = """
            {"type": "record", "name": "Payment", "fields": [
              {"name": "payment_id", "type": ["null", "string"], "default": null},
              {"name": "event_time", "type": ["null", "long"], "default": null},
              {"name": "account_id", "type": ["null", "string"], "default": null},
              {"name": "amount", "type": ["null", "double"], "default": null},
              {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["APPROVED", "DECLINED"]}},
              {"name": "card", "type": ["null", "string"], "default": null},
              {"name": "merchant", "type": ["null", "string"], "default": null},
              {"name": "country", "type": ["null", "string"], "default": null},
              {"name": "note", "type": ["null", "string"], "default": null}
            ]}""";
    static final Schema SCHEMA = new Schema.Parser().parse(AVRO_SCHEMA);
    /** The same record, but {@code amount} is a string: what a producer with a stale or foreign schema writes. */
    static final Schema OTHER_SCHEMA = new Schema.Parser().parse(AVRO_SCHEMA
            .replace("{\"name\": \"amount\", \"type\": [\"null\", \"double\"], \"default\": null}",
                    "{\"name\": \"amount\", \"type\": \"string\"}"));

    /** The three sources of the suite: JSON as most producers send it, JSON that declares its fields, and plain Avro. */
    enum Kind {
        JSON("json", "bad.json"), TYPED("typed", "bad.typed"), AVRO("avro", "bad.avro");

        final String source;
        final String topic;

        Kind(String source, String topic) {
            this.source = source;
            this.topic = topic;
        }

        String group() {
            return source + "_payments";
        }

        boolean json() {
            return this != AVRO;
        }
    }

    /**
     * One record produced to a source's topic: its Kafka key and value, the outcome the suite expects
     * (a dead-letter reason code, {@link #ACCEPTED} or {@link #DUPLICATE}), and for an accepted one the
     * entity it must be keyed to and the event as the oracle sees it (canonical values).
     */
    record Injected(String cls, byte[] key, byte[] value, String outcome, String entity, NaiveOracle.Ev event) {
        boolean rejected() {
            return !outcome.equals(ACCEPTED) && !outcome.equals(DUPLICATE);
        }
    }

    /**
     * Where a class's records go in phase 2: right after {@code previous}, the newest good record so
     * far, whose event time {@code newest} is the greatest in the stream up to here. Anything at or
     * after {@code newest - lateness} is never late there; {@link #safeTime} is comfortably inside.
     * {@code base} is the suite's "now"; {@code seq} makes ids and keys unique per class.
     */
    record Slot(Injected previous, long newest, long base, int seq) {
        long safeTime() {
            return newest - 30_000;
        }

        String id(String what) {
            return "c" + seq + "-" + what;
        }
    }

    @FunctionalInterface
    interface Maker {
        void make(Kind kind, Slot slot, Out out);
    }

    /** A class of bad input: its name, the source kinds it applies to, and its records. */
    record BadClass(String name, Set<Kind> kinds, boolean atEnd, Maker maker) {
        List<Injected> records(Kind kind, Slot slot) {
            Out out = new Out(kind, name);
            maker.make(kind, slot, out);
            return out.records;
        }
    }

    /** Collects one class's records for one source kind. */
    static final class Out {
        final Kind kind;
        final String cls;
        final List<Injected> records = new ArrayList<>();

        Out(Kind kind, String cls) {
            this.kind = kind;
            this.cls = cls;
        }

        /** A record that must be rejected with {@code reason}. */
        void rejected(byte[] value, String reason) {
            records.add(new Injected(cls, utf8("k"), value, reason, null, null));
        }

        /** A record of these fields (encoded for the kind) that must be rejected with {@code reason}. */
        void rejected(Map<String, Object> fields, String reason) {
            rejected(encode(kind, fields), reason);
        }

        /** Fields that must be accepted as they are (the oracle sees them canonicalized for the kind). */
        void accepted(Map<String, Object> fields) {
            accepted(encode(kind, fields), fields);
        }

        /** {@code value}, which must decode to {@code fields}, accepted. */
        void accepted(byte[] value, Map<String, Object> fields) {
            String entity = EntityKeys.text(fields.get("account_id"));
            records.add(new Injected(cls, utf8(entity), value, ACCEPTED, entity, event(kind, fields)));
        }

        /** {@code value} accepted, with the Kafka record key {@code key} (null: none). */
        void acceptedWithKey(byte[] key, Map<String, Object> fields) {
            String entity = EntityKeys.text(fields.get("account_id"));
            records.add(new Injected(cls, key, encode(kind, fields), ACCEPTED, entity, event(kind, fields)));
        }

        /** An exact re-send, or a record reusing an applied id: counted as duplicate, never applied. */
        void duplicate(byte[] key, byte[] value) {
            records.add(new Injected(cls, key, value, DUPLICATE, null, null));
        }

        /** The fields accepted, or rejected with reason {@code outcome}. */
        void outcome(Map<String, Object> fields, String outcome) {
            if (outcome.equals(ACCEPTED)) {
                accepted(fields);
            } else {
                rejected(fields, outcome);
            }
        }
    }

    /** JSON text with a value written verbatim (a token such as {@code NaN}, or anything else). */
    record Raw(String text) {}

    // ------------------------------------------------------------------------------------------
    // Encoding

    /** A good payment's fields, in the order producers write them. */
    static Map<String, Object> payment(String id, Object account, long time, Object amount) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("payment_id", id);
        f.put("account_id", account);
        f.put("event_time", time);
        f.put("amount", amount);
        f.put("status", "APPROVED");
        f.put("card", "card-1");
        f.put("merchant", "m-1");
        f.put("country", "US");
        return f;
    }

    static Map<String, Object> with(Map<String, Object> fields, String name, Object value) {
        Map<String, Object> f = new LinkedHashMap<>(fields);
        f.put(name, value);
        return f;
    }

    static Map<String, Object> without(Map<String, Object> fields, String name) {
        Map<String, Object> f = new LinkedHashMap<>(fields);
        f.remove(name);
        return f;
    }

    static byte[] encode(Kind kind, Map<String, Object> fields) {
        return kind.json() ? utf8(jsonText(fields)) : avro(SCHEMA, fields);
    }

    /** JSON text of {@code fields}; {@link Raw} values are written as they are. */
    static String jsonText(Map<String, Object> fields) {
        StringBuilder sb = new StringBuilder("{");
        for (var e : fields.entrySet()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(quote(e.getKey())).append(": ");
            Object v = e.getValue();
            sb.append(v instanceof Raw r ? r.text() : quote(v));
        }
        return sb.append('}').toString();
    }

    static String quote(Object v) {
        try {
            return JSON.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Avro binary of {@code fields} with {@code schema}; a byte[] string value is written as raw (maybe invalid) UTF-8. */
    static byte[] avro(Schema schema, Map<String, Object> fields) {
        GenericRecord r = new GenericData.Record(schema);
        for (var e : fields.entrySet()) {
            Schema.Field field = schema.getField(e.getKey());
            if (field == null) {
                throw new IllegalArgumentException("no field " + e.getKey() + " in the Avro schema");
            }
            Object v = e.getValue();
            if (e.getKey().equals("status")) {
                v = new GenericData.EnumSymbol(field.schema(), (String) v);
            } else if (v instanceof byte[] raw) {
                v = new Utf8(raw);
            } else if (v instanceof Long l && e.getKey().equals("amount")) {
                v = l.doubleValue(); // the schema's amount is a double
            }
            r.put(e.getKey(), v);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new GenericDatumWriter<GenericRecord>(schema).write(r, enc);
            enc.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /**
     * The event as the runtime must see it: JSON values as written (a whole number a Long); a declared
     * double and an Avro double are Doubles; raw Avro bytes are read as UTF-8, invalid sequences as U+FFFD.
     */
    static NaiveOracle.Ev event(Kind kind, Map<String, Object> fields) {
        Map<String, Object> f = new LinkedHashMap<>();
        for (var e : fields.entrySet()) {
            Object v = e.getValue();
            if (v instanceof byte[] raw) {
                v = new String(raw, StandardCharsets.UTF_8);
            }
            if (v instanceof Raw r) {
                v = rawValue(r.text());
            }
            if (e.getKey().equals("amount") && kind != Kind.JSON && v instanceof Long l) {
                v = l.doubleValue();
            }
            f.put(e.getKey(), v);
        }
        Object time = f.get("event_time");
        long t = time instanceof Long l ? l : dev.tessera.core.event.EventTimes.toEpochMillis(time);
        return new NaiveOracle.Ev(t, EntityKeys.text(f.get("payment_id")), f);
    }

    private static Object rawValue(String token) {
        switch (token) {
            case "NaN":
                return Double.NaN;
            case "Infinity":
            case "+Infinity":
                return Double.POSITIVE_INFINITY;
            case "-Infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                try {
                    return Double.parseDouble(token); // 1e400, 1e-400, big integers: JSON numbers beyond long are doubles
                } catch (NumberFormatException e) {
                    return token; // an object or array in a field nobody reads: the oracle never looks at it
                }
        }
    }

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // The classes

    private static final Set<Kind> ALL = EnumSet.allOf(Kind.class);
    private static final Set<Kind> JSONS = EnumSet.of(Kind.JSON, Kind.TYPED);
    private static final Set<Kind> AVRO = EnumSet.of(Kind.AVRO);

    private static BadClass cls(String name, Set<Kind> kinds, Maker maker) {
        return new BadClass(name, kinds, false, maker);
    }

    /** For kinds JSON, TYPED: the outcome in a JSON source without, and with, declared fields. */
    private static String json(Kind k, String undeclared, String declared) {
        return k == Kind.TYPED ? declared : undeclared;
    }

    static List<BadClass> all() {
        List<BadClass> c = new ArrayList<>();
        // ---- JSON text ----
        c.add(cls("malformed JSON syntax", JSONS, (k, s, o) -> {
            for (String body : new String[] {"{\"payment_id\": \"x\" \"account_id\": \"acct-1\"}", "not json",
                    "{'payment_id': 'x'}", "{\"amount\": 1,}", "{\"amount\": 1 /* comment */}", "{\"amount\": 0x1F}",
                    "{\"amount\": 00012}", "{\"amount\": tru}", "{\"amount\": \"unterminated}", "{payment_id: 1}"}) {
                o.rejected(utf8(body), MALFORMED);
            }
        }));
        c.add(cls("truncated JSON", JSONS, (k, s, o) -> {
            String full = jsonText(payment(s.id("t"), "acct-1", s.safeTime(), 5L));
            o.rejected(utf8(full.substring(0, full.length() / 2)), MALFORMED);
            o.rejected(utf8(full.substring(0, full.length() - 1)), MALFORMED);
            o.rejected(utf8("{"), MALFORMED);
        }));
        c.add(cls("trailing content after the object", JSONS, (k, s, o) -> {
            String full = jsonText(payment(s.id("t"), "acct-1", s.safeTime(), 5L));
            o.rejected(utf8(full + " x"), MALFORMED);
            o.rejected(utf8(full + full), MALFORMED);
            o.rejected(utf8(full + ","), MALFORMED);
        }));
        c.add(cls("empty body", ALL, (k, s, o) -> o.rejected(new byte[0], MALFORMED)));
        c.add(cls("whitespace-only body", JSONS, (k, s, o) -> {
            o.rejected(utf8(" "), MALFORMED);
            o.rejected(utf8(" \n\t\r\n  "), MALFORMED);
        }));
        c.add(cls("tombstone (no value)", ALL, (k, s, o) -> o.rejected((byte[]) null, MALFORMED)));
        c.add(cls("JSON array instead of an object", JSONS, (k, s, o) -> {
            o.rejected(utf8("[" + jsonText(payment(s.id("a"), "acct-1", s.safeTime(), 5L)) + "]"), MALFORMED);
            o.rejected(utf8("[]"), MALFORMED);
            o.rejected(utf8("[".repeat(10_000) + "]".repeat(10_000)), MALFORMED);
        }));
        c.add(cls("JSON scalar instead of an object", JSONS, (k, s, o) -> {
            for (String body : new String[] {"42", "\"text\"", "true", "null", "-1.5e3"}) {
                o.rejected(utf8(body), MALFORMED);
            }
        }));
        c.add(cls("duplicate JSON keys", JSONS, (k, s, o) -> {
            o.rejected(utf8(jsonText(payment(s.id("d"), "acct-1", s.safeTime(), 5L)).replace("}", ", \"amount\": 6}")),
                    MALFORMED);
            o.rejected(utf8(jsonText(with(payment(s.id("d2"), "acct-1", s.safeTime(), 5L), "extra",
                    new Raw("{\"k\": 1, \"k\": 2}")))), MALFORMED);
        }));
        c.add(cls("invalid UTF-8", JSONS, (k, s, o) -> {
            byte[] tail = utf8("\", \"event_time\": " + s.safeTime() + ", \"amount\": 1}");
            int[][] sequences = {
                {0xC3, 0x28},             // a lead byte without its continuation
                {0x80},                   // a lone continuation byte
                {0xFF},                   // never valid in UTF-8
                {0xED, 0xA0, 0x80},       // an encoded surrogate (CESU-8)
                {0xC0, 0xAF},             // overlong '/'
                {0xE0, 0x80, 0xAF},       // overlong '/', three bytes
                {0xF0, 0x80, 0x80, 0xAF}, // overlong '/', four bytes
                {0xF4, 0x90, 0x80, 0x80}, // beyond U+10FFFF
            };
            for (int i = 0; i < sequences.length; i++) {
                byte[] head = utf8("{\"payment_id\": \"" + s.id("u" + i) + "\", \"account_id\": \"acct-");
                o.rejected(concat(head, bytes(sequences[i]), tail), MALFORMED);
            }
            // in a field nobody reads
            o.rejected(concat(utf8("{\"unused\": \""), bytes(0xC0, 0xAF), utf8("\", \"account_id\": \"acct-1\", "
                    + "\"event_time\": " + s.safeTime() + "}")), MALFORMED);
        }));
        c.add(cls("UTF-16 and UTF-32 text", JSONS, (k, s, o) -> {
            String text = jsonText(payment(s.id("w"), "acct-1", s.safeTime(), 5L));
            o.rejected(concat(bytes(0xFE, 0xFF), text.getBytes(StandardCharsets.UTF_16BE)), MALFORMED);
            o.rejected(text.getBytes(StandardCharsets.UTF_16LE), MALFORMED);
            o.rejected(text.getBytes(java.nio.charset.Charset.forName("UTF-32BE")), MALFORMED);
        }));
        c.add(cls("NUL bytes", JSONS, (k, s, o) -> {
            String text = jsonText(payment(s.id("n"), "acct-1", s.safeTime(), 5L));
            o.rejected(concat(bytes(0), utf8(text)), MALFORMED);
            o.rejected(utf8(text.replace("acct-1", "acct-" + (char) 0 + "1")), MALFORMED); // unescaped inside a string
            o.rejected(concat(utf8(text), bytes(0)), MALFORMED);
        }));
        c.add(cls("UTF-8 byte-order mark", JSONS, (k, s, o) -> {
            Map<String, Object> f = payment(s.id("bom"), "acct-bom", s.safeTime(), 7L);
            o.accepted(concat(bytes(0xEF, 0xBB, 0xBF), utf8(jsonText(f))), f);
        }));
        c.add(cls("record over the size limit", ALL, (k, s, o) -> {
            Map<String, Object> f = payment(s.id("big"), "acct-1", s.safeTime(), 5L);
            f.put(k.json() ? "padding" : "note", "x".repeat(3 * MAX_RECORD_BYTES));
            o.rejected(f, TOO_LARGE);
        }));
        c.add(cls("deep nesting", JSONS, (k, s, o) -> {
            Map<String, Object> f = payment(s.id("deep"), "acct-1", s.safeTime(), 5L);
            o.rejected(with(f, "extra", new Raw("[".repeat(10_000) + "]".repeat(10_000))), TOO_LARGE);
            o.rejected(with(f, "extra", new Raw("{\"a\": ".repeat(10_000) + "1" + "}".repeat(10_000))), TOO_LARGE);
            // a field the definitions read: refused on sight as not a single value, without descending
            o.rejected(with(f, "amount", new Raw("[".repeat(10_000) + "]".repeat(10_000))), SCHEMA_MISMATCH);
        }));
        // ---- wrong types ----
        c.add(cls("numeric field holds an object", JSONS, (k, s, o) ->
                o.rejected(payment(s.id("o"), "acct-1", s.safeTime(), new Raw("{\"value\": 3}")), SCHEMA_MISMATCH)));
        c.add(cls("numeric field holds an array", JSONS, (k, s, o) -> {
            o.rejected(payment(s.id("a"), "acct-1", s.safeTime(), new Raw("[3]")), SCHEMA_MISMATCH);
            o.rejected(payment(s.id("a2"), "acct-1", s.safeTime(), new Raw("[]")), SCHEMA_MISMATCH);
        }));
        c.add(cls("numeric field holds a numeric string", JSONS, (k, s, o) ->
                o.outcome(payment(s.id("s"), "acct-text-amount", s.safeTime(), "12.50"), json(k, ACCEPTED, SCHEMA_MISMATCH))));
        c.add(cls("numeric field holds a boolean", JSONS, (k, s, o) ->
                o.outcome(payment(s.id("b"), "acct-bool-amount", s.safeTime(), true), json(k, ACCEPTED, SCHEMA_MISMATCH))));
        c.add(cls("NaN and Infinity", ALL, (k, s, o) -> {
            // JSON tokens NaN, Infinity, -Infinity; the same doubles in Avro
            String[] tokens = {"NaN", "Infinity", "-Infinity"};
            for (int i = 0; i < tokens.length; i++) {
                Object amount = k.json() ? new Raw(tokens[i]) : rawValue(tokens[i]);
                o.accepted(payment(s.id("nan" + i), "acct-" + i, s.safeTime(), amount)); // good accounts: nothing else changes
            }
        }));
        c.add(cls("NaN and Infinity as strings", JSONS, (k, s, o) -> {
            o.outcome(payment(s.id("ns"), "acct-text-nan", s.safeTime(), "NaN"), json(k, ACCEPTED, SCHEMA_MISMATCH));
            o.outcome(payment(s.id("is"), "acct-text-inf", s.safeTime(), "Infinity"), json(k, ACCEPTED, SCHEMA_MISMATCH));
        }));
        c.add(cls("number overflow", JSONS, (k, s, o) -> {
            o.accepted(payment(s.id("o1"), "acct-4", s.safeTime(), new Raw("1e400")));   // +Infinity: counts as null
            o.accepted(payment(s.id("o2"), "acct-5", s.safeTime(), new Raw("-1e400")));  // -Infinity
            o.accepted(payment(s.id("o3"), "acct-huge-amount", s.safeTime(),
                    new Raw("123456789012345678901234567890")));                            // beyond long: a double
            o.accepted(payment(s.id("o4"), "acct-6", s.safeTime(), new Raw("1e-400")));  // underflow: 0.0
        }));
        // ---- timestamps ----
        c.add(cls("timestamp overflow", JSONS, (k, s, o) -> {
            o.rejected(with(payment(s.id("to1"), "acct-1", 0, 1L), "event_time", new Raw("1e400")),
                    json(k, BAD_TIMESTAMP, SCHEMA_MISMATCH));
            o.rejected(with(payment(s.id("to2"), "acct-1", 0, 1L), "event_time", new Raw("99999999999999999999")),
                    json(k, BAD_TIMESTAMP, SCHEMA_MISMATCH));
            // ISO-8601 beyond what epoch millis can hold
            o.rejected(with(payment(s.id("to3"), "acct-1", 0, 1L), "event_time", "+999999999-12-31T23:59:59Z"),
                    json(k, BAD_TIMESTAMP, SCHEMA_MISMATCH));
            o.rejected(with(payment(s.id("to4"), "acct-1", 0, 1L), "event_time", "-999999999-01-01T00:00:00Z"),
                    json(k, BAD_TIMESTAMP, SCHEMA_MISMATCH));
        }));
        c.add(cls("timestamp in seconds", ALL, (k, s, o) ->
                o.rejected(payment(s.id("sec"), "acct-1", s.base() / 1000, 1L), LATE)));
        c.add(cls("timestamp in 1970", ALL, (k, s, o) -> {
            o.rejected(payment(s.id("e0"), "acct-1", 0L, 1L), LATE);
            o.rejected(payment(s.id("e1"), "acct-1", 86_400_000L, 1L), LATE);
            if (k.json()) {
                o.rejected(with(payment(s.id("e2"), "acct-1", 0, 1L), "event_time", "1970-01-01T00:00:00Z"),
                        json(k, LATE, SCHEMA_MISMATCH));
            }
        }));
        c.add(cls("negative timestamp", ALL, (k, s, o) -> {
            o.rejected(payment(s.id("n1"), "acct-1", -1L, 1L), LATE);
            o.rejected(payment(s.id("n2"), "acct-1", -62_135_596_800_000L, 1L), LATE); // year 1
            o.rejected(payment(s.id("n3"), "acct-1", Long.MIN_VALUE, 1L), LATE);
        }));
        c.add(cls("timestamp in year 9999", ALL, (k, s, o) -> {
            o.rejected(payment(s.id("y1"), "acct-1", 253_402_300_799_999L, 1L), FUTURE);
            o.rejected(payment(s.id("y2"), "acct-1", Long.MAX_VALUE, 1L), FUTURE);
            if (k.json()) {
                o.rejected(with(payment(s.id("y3"), "acct-1", 0, 1L), "event_time", "9999-12-31T23:59:59.999Z"),
                        json(k, FUTURE, SCHEMA_MISMATCH));
            }
        }));
        c.add(cls("future timestamp", ALL, (k, s, o) -> {
            o.rejected(payment(s.id("f1"), "acct-1", s.base() + 86_400_000L, 1L), FUTURE);
            o.rejected(payment(s.id("f2"), "acct-1", s.base() + 365 * 86_400_000L, 1L), FUTURE);
        }));
        c.add(new BadClass("near-future timestamp within max_clock_skew", ALL, true, (k, s, o) ->
                o.accepted(payment(s.id("nf"), "acct-near-future", s.base() + 120_000L, 3L))));
        c.add(cls("late event", ALL, (k, s, o) -> {
            o.rejected(payment(s.id("l1"), "acct-1", s.base() - 5 * 3_600_000L, 1L), LATE);
            o.rejected(payment(s.id("l2"), "acct-2", s.base() - 30 * 86_400_000L, 1L), LATE);
        }));
        c.add(cls("out-of-order event within lateness", ALL, (k, s, o) ->
                o.accepted(payment(s.id("ooo"), "acct-3", s.newest() - 5 * 60_000L, 11L))));
        c.add(cls("missing timestamp", JSONS, (k, s, o) ->
                o.rejected(without(payment(s.id("mt"), "acct-1", 0, 1L), "event_time"), BAD_TIMESTAMP)));
        c.add(cls("null timestamp", ALL, (k, s, o) ->
                o.rejected(with(payment(s.id("nt"), "acct-1", 0, 1L), "event_time", null), BAD_TIMESTAMP)));
        c.add(cls("unparseable timestamp", JSONS, (k, s, o) -> {
            Object[] values = {"yesterday", "2026-13-45T99:00:00Z", "", true, new Raw("1700000000000.5"), new Raw("NaN"),
                new Raw("[1700000000000]")};
            for (int i = 0; i < values.length; i++) {
                boolean array = values[i] instanceof Raw r && r.text().startsWith("[");
                o.rejected(with(payment(s.id("ut" + i), "acct-1", 0, 1L), "event_time", values[i]),
                        array ? SCHEMA_MISMATCH : json(k, BAD_TIMESTAMP, SCHEMA_MISMATCH));
            }
        }));
        c.add(cls("timestamp as ISO-8601, digits in a string, or a whole double", JSONS, (k, s, o) -> {
            long t = s.safeTime();
            o.outcome(with(payment(s.id("iso0"), "acct-7", t, 2L), "event_time", new Raw(t + ".0")),
                    json(k, ACCEPTED, SCHEMA_MISMATCH));
            o.outcome(with(payment(s.id("iso1"), "acct-7", t, 2L), "event_time",
                    java.time.Instant.ofEpochMilli(t).toString()), json(k, ACCEPTED, SCHEMA_MISMATCH));
            o.outcome(with(payment(s.id("iso2"), "acct-7", t, 2L), "event_time",
                    java.time.Instant.ofEpochMilli(t).atOffset(java.time.ZoneOffset.ofHoursMinutes(5, 30)).toString()),
                    json(k, ACCEPTED, SCHEMA_MISMATCH));
            o.outcome(with(payment(s.id("iso3"), "acct-7", t, 2L), "event_time", " " + t + " "),
                    json(k, ACCEPTED, SCHEMA_MISMATCH));
        }));
        // ---- keys ----
        c.add(cls("empty key", ALL, (k, s, o) -> o.rejected(payment(s.id("ek"), "", s.safeTime(), 1L), MISSING_KEY)));
        c.add(cls("null key", ALL, (k, s, o) -> o.rejected(payment(s.id("nk"), null, s.safeTime(), 1L), MISSING_KEY)));
        c.add(cls("missing key", JSONS, (k, s, o) ->
                o.rejected(without(payment(s.id("mk"), "x", s.safeTime(), 1L), "account_id"), MISSING_KEY)));
        c.add(cls("NaN or Infinity as the key", JSONS, (k, s, o) -> {
            // SPEC §3: NaN and ±Infinity count as null, so the event has no key
            for (String token : new String[] {"NaN", "Infinity", "-Infinity", "1e400"}) {
                o.rejected(payment(s.id("nank-" + token), new Raw(token), s.safeTime(), 1L),
                        json(k, MISSING_KEY, SCHEMA_MISMATCH));
            }
        }));
        c.add(cls("key holds an object or array", JSONS, (k, s, o) -> {
            o.rejected(payment(s.id("ok"), new Raw("{\"id\": \"acct-1\"}"), s.safeTime(), 1L), SCHEMA_MISMATCH);
            o.rejected(payment(s.id("ak"), new Raw("[\"acct-1\"]"), s.safeTime(), 1L), SCHEMA_MISMATCH);
        }));
        c.add(cls("numeric key", JSONS, (k, s, o) -> {
            // 42 and "42" name the same account (keys compare as text); a declared string key refuses the number
            o.outcome(payment(s.id("num1"), 42L, s.safeTime(), 1L), json(k, ACCEPTED, SCHEMA_MISMATCH));
            o.accepted(payment(s.id("num2"), "42", s.safeTime(), 2L));
        }));
        c.add(cls("unicode keys", ALL, (k, s, o) -> {
            String[] keys = {"café", "cafe\u0301", "账户-七", "🙂-emoji", "שלום", "ＡＣＣＴ", "Ω≈ç√∫", "\u202Eevil"};
            for (int i = 0; i < keys.length; i++) {
                o.accepted(payment(s.id("uk" + i), keys[i], s.safeTime(), (long) i));
                o.accepted(payment(s.id("uk" + i + "b"), keys[i], s.safeTime() - 1000, 100L + i));
            }
        }));
        c.add(cls("control characters in keys", ALL, (k, s, o) -> {
            String[] keys = {"nul\u0000inside", "tab\there", "line\nbreak", "unit\u001fseparator"};
            for (int i = 0; i < keys.length; i++) {
                o.accepted(payment(s.id("ck" + i), keys[i], s.safeTime(), (long) i));
            }
        }));
        c.add(cls("unpaired surrogate escapes", JSONS, (k, s, o) -> {
            // valid JSON syntax, but no Unicode text: it has no UTF-8 form to store (RFC 7493 §2.1)
            o.rejected(payment(s.id("sg1"), new Raw("\"acct-\\ud800\""), s.safeTime(), 1L), MALFORMED);
            o.rejected(with(payment(s.id("sg2"), "acct-1", s.safeTime(), 1L), "country", new Raw("\"\\udc00x\"")),
                    MALFORMED);
            // a proper pair is fine
            o.accepted(payment(s.id("sg3"), "acct-\ud83d\ude00", s.safeTime(), 1L));
        }));
        c.add(cls("invalid UTF-8 in an Avro string", AVRO, (k, s, o) -> {
            // Avro strings are not validated: invalid sequences read as U+FFFD, as everywhere in Avro
            Map<String, Object> f = payment(s.id("iu"), "acct-8", s.safeTime(), 1.0);
            f.put("country", bytes('F', 0xC0, 0xAF, 'R'));
            o.accepted(f);
        }));
        // ---- values ----
        c.add(cls("unknown fields", ALL, (k, s, o) -> {
            Map<String, Object> f = payment(s.id("unk"), "acct-9", s.safeTime(), 4L);
            if (k.json()) {
                f.put("channel", "web");
                f.put("nested", new Raw("{\"a\": {\"b\": [1, 2, {\"c\": null}]}, \"amount\": \"not this one\"}"));
                f.put("list", new Raw("[1, \"two\", 3.0, false, null]"));
                for (int i = 0; i < 2_000; i++) {
                    f.put("extra_" + i, i);
                }
            } else {
                f.put("note", "a field of the schema the definitions do not read");
            }
            o.accepted(f);
        }));
        c.add(cls("SQL, HTML and format strings", ALL, (k, s, o) -> {
            String[] strings = {"'; DROP TABLE accounts; --", "\" OR \"1\"=\"1", "<script>alert(1)</script>",
                "<img src=x onerror=alert(1)>", "%s%n%x%d", "${jndi:ldap://example.invalid/a}", "../../etc/passwd",
                "{{7*7}}", "\\u0000 not an escape"};
            for (int i = 0; i < strings.length; i++) {
                Map<String, Object> f = payment(s.id("sql" + i), strings[i], s.safeTime(), (long) i);
                f.put("country", strings[(i + 1) % strings.length]);
                f.put("card", strings[(i + 2) % strings.length]);
                f.put("merchant", strings[(i + 3) % strings.length]);
                o.accepted(f);
            }
            // a filter-looking status is data, not a filter
            o.accepted(with(payment(s.id("sqlst"), "acct-10", s.safeTime(), 1L), "status",
                    k.json() ? "DECLINED' or '1'=='1" : "DECLINED"));
        }));
        c.add(cls("very long string values", ALL, (k, s, o) -> {
            Map<String, Object> f = payment(s.id("long"), "acct-long", s.safeTime(), 1L);
            f.put("country", "C".repeat(20_000) + "é");
            f.put("card", "card-" + "9".repeat(20_000));
            o.accepted(f);
            o.accepted(payment(s.id("longkey"), "k".repeat(10_000), s.safeTime(), 2L));
        }));
        // ---- Avro binary ----
        c.add(cls("truncated Avro", AVRO, (k, s, o) -> {
            byte[] full = avro(SCHEMA, payment(s.id("tr"), "acct-1", s.safeTime(), 1.0));
            for (int n : new int[] {1, full.length / 2, full.length - 1}) {
                o.rejected(Arrays.copyOf(full, n), MALFORMED);
            }
        }));
        c.add(cls("trailing bytes after the Avro record", AVRO, (k, s, o) -> {
            byte[] full = avro(SCHEMA, payment(s.id("tb"), "acct-1", s.safeTime(), 1.0));
            o.rejected(concat(full, bytes(0)), MALFORMED);
            o.rejected(concat(full, utf8("garbage")), MALFORMED);
            o.rejected(concat(full, full), MALFORMED);
        }));
        c.add(cls("JSON sent to an Avro source", AVRO, (k, s, o) ->
                o.rejected(utf8(jsonText(payment(s.id("js"), "acct-1", s.safeTime(), 1L))), MALFORMED)));
        c.add(cls("record of another Avro schema", AVRO, (k, s, o) ->
                o.rejected(avro(OTHER_SCHEMA, payment(s.id("os"), "acct-1", s.safeTime(), "12.50")), MALFORMED)));
        c.add(cls("Confluent wire format sent to a plain Avro source", AVRO, (k, s, o) -> {
            byte[] full = avro(SCHEMA, payment(s.id("cf"), "acct-1", s.safeTime(), 1.0));
            o.rejected(concat(bytes(0, 0, 0, 0, 1), full), MALFORMED);
        }));
        c.add(cls("Avro lengths beyond the record", AVRO, (k, s, o) -> {
            // payment_id: union branch 1 (string), then a length of 2^30, or -1
            o.rejected(bytes(2, 0x80, 0x80, 0x80, 0x80, 0x08, 'a'), MALFORMED);
            o.rejected(bytes(2, 0x01, 'a'), MALFORMED);
            o.rejected(bytes(2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01), MALFORMED); // varint over 10 bytes
        }));
        c.add(cls("Avro union or enum index out of range", AVRO, (k, s, o) -> {
            o.rejected(bytes(0x10), MALFORMED); // payment_id: branch 8 of a 2-branch union
            // four null branches (payment_id, event_time, account_id, amount), then status: symbol 5 of 2
            o.rejected(bytes(0, 0, 0, 0, 0x0A, 0, 0, 0, 0), MALFORMED);
        }));
        // ---- ids ----
        c.add(cls("duplicate id (exact re-send)", ALL, (k, s, o) -> o.duplicate(s.previous().key(), s.previous().value())));
        c.add(cls("duplicate id with other content", ALL, (k, s, o) -> {
            Map<String, Object> f = new LinkedHashMap<>(s.previous().event().fields());
            f.put("amount", k == Kind.JSON ? (Object) 999_999L : (Object) 999_999.0);
            f.put("country", "ZZ");
            o.duplicate(s.previous().key(), encode(k, f));
        }));
        c.add(cls("Kafka record without a key, or with a binary key", ALL, (k, s, o) -> {
            o.acceptedWithKey(null, payment(s.id("nok"), "acct-11", s.safeTime(), 3L));
            o.acceptedWithKey(bytes(0xFF, 0, 0xC0), payment(s.id("binkey"), "acct-11", s.safeTime(), 4L));
        }));
        return c;
    }

    private BadInputCases() {
    }
}
