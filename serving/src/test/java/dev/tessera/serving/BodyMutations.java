package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Broken bodies made from valid ones, for {@link HttpFuzzTest}. A structural mutation parses the
 * valid JSON, picks one value anywhere in it and deletes it, gives it another type, or replaces it
 * with raw text Jackson would never write (a huge or non-finite number, a duplicated key, nesting
 * past the limit, an unpaired surrogate escape), then writes the tree back: the rest of the body
 * stays valid, so the server's validation meets one fault at a time, deep in a real request. A
 * byte mutation works on the encoded text (truncation, a stray byte, invalid UTF-8, UTF-16, random
 * bytes). NDJSON bodies are mutated line by line or as text. Each result names its mutation, for the
 * failure message and the summary.
 */
final class BodyMutations {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Stands for bytes that are not UTF-8, replaced after the text is encoded. */
    private static final String INVALID_UTF8 = "\u0001not-utf8\u0001";
    private static final byte[][] INVALID_SEQUENCES = {
        {(byte) 0xC3, 0x28}, // a lead byte without its continuation
        {(byte) 0xC0, (byte) 0x80}, // an overlong NUL
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // an encoded surrogate
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
        {(byte) 0xFF}, {(byte) 0x80}, {(byte) 0xE2, (byte) 0x82}}; // a cut sequence

    /** Numbers that overflow every type, underflow to 0, or sit at the edge of the 100-digit limit. */
    private static final String[] HUGE_NUMBERS = {"1e400", "-1e400", "1e-400", "123456789012345678901234567890",
        "9223372036854775808", "-9223372036854775809", "1E+2147483648", "-0", "0.0000000000000000000000001",
        "1" + "0".repeat(99), "1" + "0".repeat(100), "4.9e-324", "1.7976931348623157e308", "2147483648", "-2147483649"};
    /** Not JSON at all, unless a parser allows them. */
    private static final String[] NON_FINITE = {"NaN", "Infinity", "-Infinity", "+1", "01", ".5", "1.", "0x10", "1_000",
        "\"NaN\"", "\"Infinity\"", "\"-Infinity\""};
    /** Strings with what text handling gets wrong: escapes of NUL and lone surrogates, RTL, BOM, combining marks, astral. */
    private static final String[] UNICODE = {"\"\\u0000\"", "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"a\\ud83d\"",
        "\"\uD83D\uDE00\uD83D\uDC4D\uD83C\uDFFD\"", "\"\u202Eevil\u202C\"", "\"\uFEFFbom\"", "\"e\u0301\u0301\u0301\"",
        "\"\uFFFF\uFFFE\"", "\"\u0000raw-nul\"", "\"line\nbreak\"", "\"tab\there\"", "\"\\u00e9\\u4e2d\\ud83d\\ude00\"",
        "\"\u4E2D\u6587\u0627\u0644\u0639\u0631\u0628\u064A\u0629\"", "\"" + INVALID_UTF8 + "\"", "\"\\uZZZZ\"", "\"\\x41\""};

    /** A mutated body and the name of its mutation. */
    record Mutated(byte[] body, String mutation) {}

    private BodyMutations() {
    }

    /** {@code valid} (one JSON document) with one mutation. */
    static Mutated json(Random rnd, String valid) {
        return rnd.nextInt(3) > 0 ? structural(rnd, valid) : bytes(rnd, valid);
    }

    /** {@code valid} (newline-delimited JSON) with one mutation: of one line, of the lines, or of the bytes. */
    static Mutated ndjson(Random rnd, String valid) {
        List<String> lines = new ArrayList<>(Arrays.asList(valid.split("\n", -1)));
        lines.removeIf(String::isEmpty);
        switch (rnd.nextInt(6)) {
            case 0, 1: {
                if (lines.isEmpty()) {
                    break;
                }
                int i = rnd.nextInt(lines.size());
                Mutated m = structural(rnd, lines.get(i));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (int j = 0; j < lines.size(); j++) {
                    out.writeBytes(j == i ? m.body : encode(lines.get(j)));
                    out.write('\n');
                }
                return new Mutated(out.toByteArray(), "line " + i + ": " + m.mutation);
            }
            case 2:
                return new Mutated(encode(String.join("\r", lines)), "lines split by CR alone");
            case 3:
                return new Mutated(encode("\n\n  \t\n" + String.join("\r\n\r\n", lines) + "\n \n"), "blank lines and CRLF");
            case 4:
                return new Mutated(encode("[" + String.join(",", lines) + "]\n" + String.join("\n", lines)), "an array as a line");
            default:
                break;
        }
        return bytes(rnd, valid);
    }

    /** One value of the parsed body deleted, retyped or replaced by raw text. */
    static Mutated structural(Random rnd, String valid) {
        JsonNode root;
        try {
            root = JSON.readTree(valid);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a valid body to mutate: " + valid, e);
        }
        List<Slot> slots = new ArrayList<>();
        collect(root, slots);
        int op = rnd.nextInt(10);
        if (slots.isEmpty() || rnd.nextInt(12) == 0) { // the body itself
            String raw = replacement(rnd, op, root);
            return new Mutated(encode(raw), "body: " + NAMES[op]);
        }
        Slot s = slots.get(rnd.nextInt(slots.size()));
        JsonNode target = s.get();
        if (op == 0) {
            s.delete();
            return new Mutated(write(root), "deleted " + s);
        }
        s.set(new RawValue(replacement(rnd, op, target)));
        return new Mutated(write(root), NAMES[op] + " at " + s);
    }

    private static final String[] NAMES = {"deleted", "another type", "huge number", "non-finite number", "deep nesting",
        "unicode", "duplicated key", "long string", "many elements", "empty container"};

    /** The raw JSON text that replaces {@code target} under mutation {@code op} (op 0, deletion, is the caller's). */
    private static String replacement(Random rnd, int op, JsonNode target) {
        return switch (op) {
            case 0, 1 -> otherType(rnd, target);
            case 2 -> pick(rnd, HUGE_NUMBERS);
            case 3 -> pick(rnd, NON_FINITE);
            case 4 -> nested(rnd, text(target));
            case 5 -> pick(rnd, UNICODE);
            case 6 -> duplicated(rnd, target);
            case 7 -> "\"" + "x".repeat(pick(rnd, new int[] {10_000, (1 << 20) - 10, (1 << 20) + 1})) + "\"";
            case 8 -> many(rnd, target);
            default -> rnd.nextBoolean() ? "{}" : "[]";
        };
    }

    private static String otherType(Random rnd, JsonNode n) {
        List<String> options = new ArrayList<>(List.of("null", "true", "0", "-1", "3.5", "\"\"", "\"text\"", "[]", "{}",
                "[1,\"a\",null]", "{\"account_id\":\"fz-acct-1\"}", "\"1\"", "\"true\""));
        options.remove(text(n)); // another value, mostly another type
        return options.get(rnd.nextInt(options.size()));
    }

    private static String nested(Random rnd, String inner) {
        int depth = pick(rnd, new int[] {10, 63, 64, 65, 200, 5_000});
        boolean arrays = rnd.nextBoolean();
        return arrays ? "[".repeat(depth) + inner + "]".repeat(depth) : "{\"a\":".repeat(depth) + inner + "}".repeat(depth);
    }

    /** An object with one of its keys written twice (the same or another value); anything else becomes such an object. */
    private static String duplicated(Random rnd, JsonNode n) {
        if (!(n instanceof ObjectNode o) || o.isEmpty()) {
            return "{\"k\":1,\"k\":2}";
        }
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        String dup = names.get(rnd.nextInt(names.size()));
        String body = text(o);
        String again = "\"" + dup + "\":" + (rnd.nextBoolean() ? text(o.get(dup)) : "\"other\"");
        return body.substring(0, body.length() - 1) + "," + again + "}";
    }

    /** An array of the value many times: around the limits on events (10,000) and entities. */
    private static String many(Random rnd, JsonNode n) {
        JsonNode element = n.isArray() && !n.isEmpty() ? n.get(0) : n;
        String one = text(element);
        // at most about 6 MB in all: past the 4 MiB body limit, not past the test's memory
        int count = Math.min(pick(rnd, new int[] {100, 1_000, 1_001, 10_001}), Math.max(2, 6_000_000 / (one.length() + 1)));
        StringBuilder sb = new StringBuilder(count * (one.length() + 1) + 2).append('[');
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : ",").append(one);
        }
        return sb.append(']').toString();
    }

    /** The valid text, encoded, then broken as bytes. */
    static Mutated bytes(Random rnd, String valid) {
        byte[] b = encode(valid);
        return switch (rnd.nextInt(11)) {
            case 0 -> new Mutated(Arrays.copyOf(b, b.length == 0 ? 0 : rnd.nextInt(b.length)), "truncated");
            case 1 -> {
                int at = rnd.nextInt(b.length + 1);
                byte[] stray = encode(pick(rnd, new String[] {"{", "}", "[", "]", "\"", ",", ":", "\\", "\u0000", "\u00e9", "\n", "'"}));
                yield new Mutated(insert(b, at, stray), "stray '" + new String(stray, StandardCharsets.UTF_8) + "' at " + at);
            }
            case 2 -> {
                byte[] seq = INVALID_SEQUENCES[rnd.nextInt(INVALID_SEQUENCES.length)];
                int at = rnd.nextInt(b.length + 1);
                yield new Mutated(insert(b, at, seq), "invalid UTF-8 at " + at);
            }
            case 3 -> new Mutated(random(rnd, rnd.nextInt(400)), "random bytes");
            case 4 -> new Mutated(new byte[0], "empty");
            case 5 -> new Mutated(encode(pick(rnd, new String[] {" ", "\n", "\r\n\t ", "null", "0", "\"\"", "[]", "{}", "true"})),
                    "blank or scalar");
            case 6 -> new Mutated(insert(b, 0, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}), "UTF-8 byte order mark");
            case 7 -> new Mutated(valid.getBytes(rnd.nextBoolean() ? StandardCharsets.UTF_16BE : StandardCharsets.UTF_16LE), "UTF-16");
            case 8 -> new Mutated(concat(b, b), "the body twice");
            case 9 -> new Mutated(concat(b, encode(pick(rnd, new String[] {" x", "\u0000", "}", "//comment", "/*", "\n{}"}))),
                    "trailing garbage");
            default -> {
                byte[] c = b.clone();
                for (int i = 0, n = 1 + rnd.nextInt(4); i < n && c.length > 0; i++) {
                    c[rnd.nextInt(c.length)] = (byte) rnd.nextInt(256);
                }
                yield new Mutated(c, "flipped bytes");
            }
        };
    }

    // ---------------------------------------------------------------- the tree

    /** Where a value sits: a field of an object or an element of an array. */
    private record Slot(JsonNode parent, String field, int index) {
        JsonNode get() {
            return field != null ? parent.get(field) : parent.get(index);
        }

        void set(RawValue raw) {
            if (field != null) {
                ((ObjectNode) parent).putRawValue(field, raw);
            } else {
                ((ArrayNode) parent).set(index, JSON.getNodeFactory().rawValueNode(raw));
            }
        }

        void delete() {
            if (field != null) {
                ((ObjectNode) parent).remove(field);
            } else {
                ((ArrayNode) parent).remove(index);
            }
        }

        @Override
        public String toString() {
            return field != null ? "field '" + field + "'" : "element " + index;
        }
    }

    private static void collect(JsonNode n, List<Slot> out) {
        if (n instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String f : names) {
                out.add(new Slot(o, f, -1));
                collect(o.get(f), out);
            }
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                out.add(new Slot(a, null, i));
                collect(a.get(i), out);
            }
        }
    }

    private static String text(JsonNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The tree as UTF-8, with each {@link #INVALID_UTF8} marker replaced by an invalid sequence. */
    private static byte[] write(JsonNode root) {
        return encode(text(root));
    }

    private static byte[] encode(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        byte[] marker = INVALID_UTF8.getBytes(StandardCharsets.UTF_8);
        int at = indexOf(b, marker, 0);
        if (at < 0) {
            return b;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        int from = 0;
        int n = 0;
        for (; at >= 0; at = indexOf(b, marker, from)) {
            out.write(b, from, at - from);
            out.writeBytes(INVALID_SEQUENCES[n++ % INVALID_SEQUENCES.length]);
            from = at + marker.length;
        }
        out.write(b, from, b.length - from);
        return out.toByteArray();
    }

    private static int indexOf(byte[] b, byte[] what, int from) {
        outer:
        for (int i = from; i <= b.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (b[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static byte[] insert(byte[] b, int at, byte[] what) {
        return concat(concat(Arrays.copyOf(b, at), what), Arrays.copyOfRange(b, at, b.length));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    static String pick(Random rnd, String[] options) {
        return options[rnd.nextInt(options.length)];
    }

    static int pick(Random rnd, int[] options) {
        return options[rnd.nextInt(options.length)];
    }
}
