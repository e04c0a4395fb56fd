package dev.tessera.runtime.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.FieldLayout;
import java.io.IOException;

/**
 * Decodes a record value holding one JSON object into an {@link ArrayEvent} of just the layout's
 * fields, with Jackson's streaming parser.
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>Projection while parsing.</b> The layout's names form a {@link JsonFieldTree}. For each
 *       key of the object one hash lookup decides: keep the value (a layout field), descend (the
 *       parent of a dotted field such as {@code billing.country}), or skip past it. No tree, map
 *       or string is built for fields nobody reads; field names come from Jackson's
 *       canonicalizing symbol table, so decoding allocates only the parser, a small key stack,
 *       the value array and the kept values.
 *   <li><b>The expected key order.</b> Producers write the keys of their events in one order, so
 *       the decoder remembers the top-level keys of a recent accepted record and asks the parser
 *       for them in that order with {@link JsonParser#nextFieldName(com.fasterxml.jackson.core.SerializableString)}:
 *       a key that comes as expected is matched on its raw bytes, without the symbol table, the
 *       tree lookup or the duplicate check (keys matched in order are distinct, since the
 *       remembered ones were). The first key that differs falls back to the general walk below,
 *       which then also checks later keys against the matched ones; so the verdict, the values and
 *       every message are the same as without the shortcut, and only the cost differs. Having
 *       missed its expectation {@value #RELEARN_AFTER} times, the decoder learns the order of the
 *       record at hand (records whose key order keeps changing pay for a relearn once every
 *       {@value #RELEARN_AFTER} records). With the cheaper duplicate check below, decoding the
 *       benchmark's payment takes a fifth less time ({@code JsonDecodeBenchmark}).
 *   <li><b>Duplicate keys</b> are found by {@link JsonKeySet} while walking every object, read or
 *       skipped, instead of Jackson's {@code STRICT_DUPLICATE_DETECTION}: same rule, but without a
 *       hash set per object, which cost a fifth of the decoding time of a typical event
 *       ({@code JsonDecodeBenchmark}). Skipping therefore walks tokens itself rather than calling
 *       {@code skipChildren()}, which would not see keys.
 *   <li><b>Canonical values</b> ({@link dev.tessera.core.event.Event}): integral numbers become
 *       {@link Long} (beyond the long range: {@link Double}), other numbers {@link Double},
 *       including the literals {@code NaN} and {@code ±Infinity} (the core counts them as null and
 *       reports them), strings {@link String} (a number sent as a string stays a string), booleans
 *       {@link Boolean}, JSON null and absent fields null.
 *   <li><b>Rejections</b> (never exceptions). {@code too_large}: the record is over the size limit
 *       (checked before parsing), or a value breaks a parser limit (nesting depth 64, strings of
 *       1,000,000 characters, numbers of 1,000 characters). {@code malformed}: null or empty value,
 *       a top-level value that is not an object, bad syntax, truncation, duplicate keys (anywhere
 *       in the object), invalid UTF-8, a layout field's string with an unpaired surrogate escape
 *       (an escaped lone surrogate, D800 to DFFF: not Unicode text, so it has no UTF-8 form to
 *       store, and stored it would turn into {@code '?'}; RFC 7493 §2.1 forbids it), or anything
 *       after the object. {@code schema_mismatch}: a layout field holds an object or array, or the
 *       parent of a dotted field is neither an object nor null. Messages carry the JSON location
 *       (line, column, byte offset) but never the payload itself, since records may hold personal
 *       data.
 *   <li><b>Threads.</b> The decoder is immutable and thread-safe: one shared {@link JsonFactory}
 *       (itself thread-safe) hands each call its own parser.
 *   <li><b>Encoding.</b> UTF-8 only (a UTF-8 byte-order mark is skipped). Jackson would
 *       auto-detect UTF-16/32 from a byte-order mark or zero bytes; such records are rejected as
 *       {@code malformed} before parsing, and so are invalid UTF-8 sequences anywhere (values,
 *       keys, skipped fields), checked by {@link StrictUtf8} before parsing: Jackson's own reader
 *       accepts overlong forms and code points beyond U+10FFFF, and does not read skipped strings.
 * </ul>
 */
final class JsonEventDecoder implements EventDecoder {
    static final int MAX_NESTING_DEPTH = 64;
    static final int MAX_STRING_LENGTH = 1_000_000;
    static final int MAX_NUMBER_LENGTH = 1_000;

    private static final String LIMITS = "events are limited to nesting depth " + MAX_NESTING_DEPTH
            + ", strings of " + MAX_STRING_LENGTH + " characters and numbers of " + MAX_NUMBER_LENGTH + " characters";

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxStringLength(MAX_STRING_LENGTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .build())
            .build();

    /** Misses of the expected key order after which the order of the record at hand is learned. */
    static final int RELEARN_AFTER = 16;
    /** Objects with more top-level keys than this are not remembered (the shortcut is for typical events). */
    private static final int MAX_EXPECTED_KEYS = 64;

    private final JsonFieldTree fields;
    private final int slots;
    private final int maxRecordBytes;
    /**
     * The top-level keys of a recent accepted record, in order, and where each leads; null until one
     * is learned. Only a prediction: any value (or a stale one another thread just replaced) gives
     * the same results, so it is published without synchronization (the object is immutable).
     */
    private KeyOrder expected;
    /** Records that did not follow {@link #expected} since it was learned (racy; a heuristic only). */
    private int misses;

    /** Top-level keys in the order a producer writes them, with the tree node of each (null: skipped). */
    private static final class KeyOrder {
        final SerializedString[] names;
        final JsonFieldTree[] nodes;

        KeyOrder(String[] names, int n, JsonFieldTree root) {
            this.names = new SerializedString[n];
            this.nodes = new JsonFieldTree[n];
            for (int i = 0; i < n; i++) {
                this.names[i] = new SerializedString(names[i]);
                // computed here, before publication: SerializedString caches them lazily in plain fields
                this.names[i].asQuotedUTF8();
                this.names[i].asUnquotedUTF8();
                this.names[i].asQuotedChars();
                this.nodes[i] = root.child(names[i]);
            }
        }
    }

    /**
     * @param maxRecordBytes records longer than this are rejected as {@code too_large} unparsed
     * @throws dev.tessera.api.TesseraException when a layout name is not a valid dotted path
     */
    JsonEventDecoder(FieldLayout layout, int maxRecordBytes) {
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException("max record size must be positive, got " + maxRecordBytes + " bytes");
        }
        this.fields = JsonFieldTree.of(layout);
        this.slots = layout.size();
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public Decoded decode(byte[] value) {
        if (value == null) {
            return Decoded.rejected(RejectReason.MALFORMED,
                    "record value is null (a tombstone?); expected one JSON object per record");
        }
        if (value.length > maxRecordBytes) {
            return Decoded.rejected(RejectReason.TOO_LARGE, "record is " + value.length + " bytes, over the limit of "
                    + maxRecordBytes + " bytes per event; send smaller events (larger ones would not fit Kafka's default 1 MB message size either)");
        }
        String notUtf8 = notUtf8(value);
        if (notUtf8 != null) {
            return Decoded.rejected(RejectReason.MALFORMED, "record value is not UTF-8: " + notUtf8
                    + "; send one UTF-8 JSON object per record");
        }
        int invalid = StrictUtf8.firstInvalid(value);
        if (invalid >= 0) {
            return Decoded.rejected(RejectReason.MALFORMED, "record value is not valid UTF-8: byte offset " + invalid
                    + String.format(" (0x%02X)", value[invalid] & 0xff) + " starts an invalid, overlong or truncated"
                    + " sequence; send one UTF-8 JSON object per record");
        }
        Object[] values = new Object[slots];
        JsonParser parser;
        try {
            parser = FACTORY.createParser(value);
        } catch (IOException e) {
            return Decoded.rejected(RejectReason.MALFORMED, "cannot read the record as JSON: " + e.getMessage()
                    + "; send one UTF-8 JSON object per record");
        }
        try (parser) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return Decoded.rejected(RejectReason.MALFORMED, "record value is empty"
                        + (value.length == 0 ? "" : " (" + value.length + " bytes of whitespace)")
                        + "; expected one JSON object per record");
            }
            if (first != JsonToken.START_OBJECT) {
                return Decoded.rejected(RejectReason.MALFORMED, "record value is " + describe(first) + " at "
                        + where(parser.currentTokenLocation()) + "; expected one JSON object per record, e.g. "
                        + "{\"id\": \"e1\", ...}");
            }
            Decoded mismatch = readRoot(parser, values);
            if (mismatch != null) {
                return mismatch;
            }
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                return Decoded.rejected(RejectReason.MALFORMED, "trailing content after the JSON object: "
                        + describe(trailing) + " at " + where(parser.currentTokenLocation())
                        + "; send exactly one JSON object per record");
            }
            return Decoded.accepted(new ArrayEvent(values));
        } catch (StreamConstraintsException e) {
            return Decoded.rejected(RejectReason.TOO_LARGE, "JSON value over a parser limit at "
                    + where(e.getLocation() != null ? e.getLocation() : parser.currentLocation()) + ": "
                    + e.getOriginalMessage() + "; " + LIMITS);
        } catch (JsonProcessingException e) {
            return Decoded.rejected(RejectReason.MALFORMED, "malformed JSON at "
                    + where(e.getLocation() != null ? e.getLocation() : parser.currentLocation()) + ": "
                    + withoutSource(e.getOriginalMessage()) + "; send one complete UTF-8 JSON object per record");
        } catch (IOException e) {
            // reading a byte array does no I/O; kept so no exception can escape decode()
            return Decoded.rejected(RejectReason.MALFORMED, "cannot read the record as JSON: " + e);
        }
    }

    /**
     * Reads the top-level object whose START_OBJECT was just consumed: first its keys as
     * {@link #expected} predicts them, then the rest by the general walk (see the class comment).
     * Returns the rejection of a value ({@link #value}), or null when the object was read.
     */
    private Decoded readRoot(JsonParser p, Object[] values) throws IOException {
        KeyOrder order = expected;
        JsonKeySet keys = null;
        int matched = 0;
        if (order != null) {
            SerializedString[] names = order.names;
            JsonFieldTree[] nodes = order.nodes;
            while (matched < names.length && p.nextFieldName(names[matched])) {
                JsonFieldTree child = nodes[matched++];
                JsonToken t = p.nextToken();
                if (child == null) {
                    if (t.isStructStart()) {
                        if (keys == null) {
                            keys = new JsonKeySet();
                            keys.open();
                        }
                        skip(p, t, keys);
                    }
                    continue;
                }
                if (child.slot() >= 0 || t != JsonToken.START_OBJECT) {
                    Decoded mismatch = value(p, t, child, values);
                    if (mismatch != null) {
                        return mismatch;
                    }
                } else {
                    if (keys == null) {
                        keys = new JsonKeySet();
                        keys.open();
                    }
                    Decoded mismatch = readObject(p, child, values, keys);
                    if (mismatch != null) {
                        return mismatch;
                    }
                }
            }
            if (matched == names.length) {
                JsonToken t = p.nextToken();
                if (t == JsonToken.END_OBJECT) {
                    return null; // the usual record: every key as expected, nothing else
                }
            }
        }
        // the general walk, from the token the shortcut stopped at (if any)
        if (keys == null) {
            keys = new JsonKeySet();
            keys.open();
        }
        int base = 0; // the top-level object's keys start at the bottom of the stack
        boolean learn = order == null || ++misses >= RELEARN_AFTER;
        String[] seen = null;
        int seenCount = 0;
        if (order != null) {
            for (int i = 0; i < matched; i++) {
                keys.add(base, order.names[i].getValue()); // distinct: the remembered keys are
            }
        }
        if (learn) {
            seen = new String[MAX_EXPECTED_KEYS];
            for (int i = 0; i < matched; i++) {
                seen[seenCount++] = order.names[i].getValue();
            }
        }
        JsonToken t = order == null ? p.nextToken() : p.currentToken();
        while (t == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (!keys.add(base, name)) {
                throw duplicate(p, name);
            }
            if (seen != null) {
                if (seenCount < seen.length) {
                    seen[seenCount++] = name;
                } else {
                    seen = null; // too many keys to remember
                }
            }
            Decoded mismatch = field(p, fields.child(name), values, keys);
            if (mismatch != null) {
                return mismatch;
            }
            t = p.nextToken();
        }
        expectEnd(t, JsonToken.END_OBJECT);
        keys.close(base);
        if (seen != null) {
            expected = new KeyOrder(seen, seenCount, fields);
            misses = 0;
        }
        return null;
    }

    /**
     * Reads the object whose START_OBJECT was just consumed, keeping the fields {@code node} asks for.
     * Returns the rejection of a value ({@link #value}), or null when the object was read.
     */
    private static Decoded readObject(JsonParser p, JsonFieldTree node, Object[] values, JsonKeySet keys)
            throws IOException {
        int base = keys.open();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (!keys.add(base, name)) {
                throw duplicate(p, name);
            }
            Decoded mismatch = field(p, node.child(name), values, keys);
            if (mismatch != null) {
                return mismatch;
            }
        }
        expectEnd(t, JsonToken.END_OBJECT);
        keys.close(base);
        return null;
    }

    /**
     * Reads the value of the key just consumed, which leads to {@code child} (null: skip it).
     * Returns the rejection of a value ({@link #value}), or null.
     */
    private static Decoded field(JsonParser p, JsonFieldTree child, Object[] values, JsonKeySet keys) throws IOException {
        JsonToken t = p.nextToken();
        if (child == null) {
            if (t.isStructStart()) {
                skip(p, t, keys);
            }
            return null;
        }
        if (child.slot() < 0 && t == JsonToken.START_OBJECT) {
            return readObject(p, child, values, keys);
        }
        return value(p, t, child, values);
    }

    /**
     * Stores the value starting at token {@code t} for a layout field ({@code child} has a slot), or
     * checks that the parent of layout fields is null. Returns a schema_mismatch rejection, a
     * malformed one for a string that is not Unicode text, or null.
     */
    private static Decoded value(JsonParser p, JsonToken t, JsonFieldTree child, Object[] values) throws IOException {
        if (child.slot() >= 0) {
            if (t.isStructStart()) {
                return Decoded.rejected(RejectReason.SCHEMA_MISMATCH, "field '" + child.path() + "' is "
                        + describe(t) + " at " + where(p.currentTokenLocation()) + ", but the definitions use it"
                        + " as a single value; send a string, number, boolean or null there"
                        + (t == JsonToken.START_OBJECT ? ", or refer to a nested field such as '"
                                + child.path() + ".<name>' in the definitions" : ""));
            }
            Object v = child.identity() && t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? p.getText() // an id or key beyond 64 bits: its digits, not a double that two such ids would share
                    : scalar(p, t);
            if (v instanceof String s && StrictUtf8.hasUnpairedSurrogate(s)) {
                return Decoded.rejected(RejectReason.MALFORMED, "field '" + child.path() + "' at "
                        + where(p.currentTokenLocation()) + " holds an unpaired surrogate escape (\\uD800 to \\uDFFF"
                        + " without its pair), which is not Unicode text and has no UTF-8 form; escape a character"
                        + " beyond U+FFFF as a surrogate pair, or send it as UTF-8");
            }
            values[child.slot()] = v;
        } else if (t != JsonToken.VALUE_NULL) {
            return Decoded.rejected(RejectReason.SCHEMA_MISMATCH, "field '" + child.path() + "' is "
                    + describe(t) + " at " + where(p.currentTokenLocation()) + ", but the definitions read '"
                    + child.someDescendant() + "' from it; send an object (or null) there, or fix the field name"
                    + " in the definitions");
        }
        return null;
    }

    /**
     * Skips the object or array whose start token {@code t} was just read, checking its objects for
     * duplicate keys (which Jackson's {@code skipChildren()} would not). Depth is bounded by the
     * parser's nesting limit.
     */
    private static void skip(JsonParser p, JsonToken t, JsonKeySet keys) throws IOException {
        if (t == JsonToken.START_OBJECT) {
            int base = keys.open();
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (!keys.add(base, name)) {
                    throw duplicate(p, name);
                }
                t = p.nextToken();
                if (t.isStructStart()) {
                    skip(p, t, keys);
                }
            }
            expectEnd(t, JsonToken.END_OBJECT);
            keys.close(base);
        } else {
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t == null) {
                    expectEnd(null, JsonToken.END_ARRAY);
                }
                if (t.isStructStart()) {
                    skip(p, t, keys);
                }
            }
        }
    }

    private static void expectEnd(JsonToken t, JsonToken end) {
        if (t != end) {
            // Jackson reports truncation and bad syntax as exceptions; anything else here is a bug
            throw new IllegalStateException("unexpected token " + t + " where " + end + " belongs");
        }
    }

    private static JsonParseException duplicate(JsonParser p, String name) {
        String shown = name.length() <= 64 ? name : name.substring(0, 61) + "...";
        return new JsonParseException(p, "Duplicate field '" + shown + "'", p.currentTokenLocation());
    }

    private static Object scalar(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                switch (p.getNumberType()) {
                    case INT:
                        return (long) p.getIntValue();
                    case LONG:
                        return p.getLongValue();
                    default:
                        return p.getDoubleValue();
                }
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new IllegalStateException("not a scalar token: " + t);
        }
    }

    private static String describe(JsonToken t) {
        switch (t) {
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "an array";
            case VALUE_STRING:
                return "a string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "a number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            case VALUE_NULL:
                return "null";
            default:
                return t.toString();
        }
    }

    /**
     * Why the value cannot be UTF-8 JSON, judging by the bytes Jackson uses to detect UTF-16/32 (a
     * byte-order mark, or a zero byte among the first four), or null. UTF-8 JSON never holds a
     * zero byte (control characters in strings must be escaped) nor 0xFE/0xFF.
     */
    private static String notUtf8(byte[] value) {
        if (value.length >= 2 && ((value[0] == (byte) 0xFE && value[1] == (byte) 0xFF)
                || (value[0] == (byte) 0xFF && value[1] == (byte) 0xFE))) {
            return "it starts with a UTF-16 or UTF-32 byte-order mark";
        }
        for (int i = 0; i < Math.min(4, value.length); i++) {
            if (value[i] == 0) {
                return "byte " + i + " is 0x00 (UTF-16 or UTF-32 text, or binary data)";
            }
        }
        return null;
    }

    /** "line 1, column 17 (byte offset 16)", from whatever the location knows. */
    static String where(JsonLocation loc) {
        if (loc == null) {
            return "an unknown position";
        }
        StringBuilder sb = new StringBuilder();
        if (loc.getLineNr() > 0) {
            sb.append("line ").append(loc.getLineNr()).append(", column ").append(loc.getColumnNr());
        }
        if (loc.getByteOffset() >= 0) {
            sb.append(sb.length() == 0 ? "byte offset " : " (byte offset ").append(loc.getByteOffset());
            if (loc.getLineNr() > 0) {
                sb.append(')');
            }
        }
        return sb.length() == 0 ? "an unknown position" : sb.toString();
    }

    /** Jackson's messages may embed "[Source: ...; line: 1, column: 2]"; the location is reported separately. */
    private static String withoutSource(String message) {
        if (message == null) {
            return "invalid JSON";
        }
        return message.replaceAll("\\[Source: [^\\]]*; line: (\\d+), column: (\\d+)\\]", "line $1, column $2")
                .replaceAll("\\s*\\[Source: [^\\]]*\\]", "").replace("\n", " ").trim();
    }
}
