package dev.tessera.runtime.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.TesseraException;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every rule of {@link JsonEventDecoder}, good input and bad. */
class JsonEventDecoderTest {
    private static final FieldLayout LAYOUT = FieldLayout.of(
            "id", "amount", "status", "event_time", "billing.country", "billing.address.city", "approved");
    private static final int ID = 0;
    private static final int AMOUNT = 1;
    private static final int STATUS = 2;
    private static final int TIME = 3;
    private static final int COUNTRY = 4;
    private static final int CITY = 5;
    private static final int APPROVED = 6;

    private final JsonEventDecoder decoder = new JsonEventDecoder(LAYOUT, EventDecoders.DEFAULT_MAX_RECORD_BYTES);

    // ---------------------------------------------------------------- accepted input

    @Test
    void scalarsBecomeCanonicalTypes() {
        Event e = accept("{\"id\": \"p1\", \"amount\": 12.5, \"status\": 7, \"event_time\": 1764121469123,"
                + " \"approved\": true}");
        assertThat(e.get(ID)).isEqualTo("p1");
        assertThat(e.get(AMOUNT)).isEqualTo(12.5);
        assertThat(e.get(STATUS)).isEqualTo(7L);
        assertThat(e.get(TIME)).isEqualTo(1_764_121_469_123L);
        assertThat(e.get(APPROVED)).isEqualTo(Boolean.TRUE);
        assertThat(e.get(COUNTRY)).isNull();
        assertThat(e.get(CITY)).isNull();
    }

    @Test
    void nullAndAbsentFieldsAreNull() {
        Event e = accept("{\"id\": null, \"approved\": false}");
        assertThat(e.get(ID)).isNull();
        assertThat(e.get(AMOUNT)).isNull();
        assertThat(e.get(APPROVED)).isEqualTo(Boolean.FALSE);
    }

    @Test
    void integersKeepLongRangeAndBeyondItBecomeDoubles() {
        Event e = accept("{\"amount\": -9223372036854775808, \"status\": 9223372036854775807,"
                + " \"event_time\": 12345678901234567890, \"id\": -1e400}");
        assertThat(e.get(AMOUNT)).isEqualTo(Long.MIN_VALUE);
        assertThat(e.get(STATUS)).isEqualTo(Long.MAX_VALUE);
        assertThat(e.get(TIME)).isEqualTo(1.2345678901234567e19);
        assertThat(e.get(ID)).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    /**
     * An id or key (an identity of the layout) beyond 64 bits keeps its digits: two such ids that one
     * double would hold alike stay two (they were merged as duplicates). Within 64 bits, and for other
     * fields, numbers decode as before.
     */
    @Test
    void anIdentityBeyond64BitsKeepsItsDigits() {
        FieldLayout layout = LAYOUT.withIdentities(java.util.List.of("id", "status"));
        JsonEventDecoder identities = new JsonEventDecoder(layout, EventDecoders.DEFAULT_MAX_RECORD_BYTES);
        Event a = identities.decode(utf8("{\"id\": 9223372036854775808, \"status\": -12345678901234567890123,"
                + " \"amount\": 9223372036854775808}")).event();
        Event b = identities.decode(utf8("{\"id\": 9223372036854775809, \"status\": 42, \"amount\": 9223372036854775809}")).event();
        assertThat(a.get(ID)).isEqualTo("9223372036854775808");
        assertThat(b.get(ID)).isEqualTo("9223372036854775809");
        assertThat(a.get(STATUS)).isEqualTo("-12345678901234567890123");
        assertThat(b.get(STATUS)).isEqualTo(42L);
        assertThat(a.get(AMOUNT)).isEqualTo(9.223372036854775807E18).isEqualTo(b.get(AMOUNT)); // a value to aggregate: a double
        assertThat(dev.tessera.runtime.EntityKeys.text(a.get(ID))).isNotEqualTo(dev.tessera.runtime.EntityKeys.text(b.get(ID)));
        assertThat(layout.isIdentity(ID)).isTrue();
        assertThat(layout.isIdentity(AMOUNT)).isFalse();
        assertThat(layout.with(java.util.List.of("extra")).isIdentity(ID)).as("kept by with()").isTrue();
    }

    @Test
    void floatingNumbersBecomeDoubles() {
        Event e = accept("{\"amount\": 1.0, \"status\": -0.0, \"event_time\": 2.5E-3}");
        assertThat(e.get(AMOUNT)).isEqualTo(1.0);
        assertThat(e.get(STATUS)).isEqualTo(-0.0);
        assertThat(e.get(TIME)).isEqualTo(0.0025);
    }

    @Test
    void nanAndInfinityLiteralsAreAcceptedAsDoubles() {
        Event e = accept("{\"amount\": NaN, \"status\": Infinity, \"event_time\": -Infinity}");
        assertThat((Double) e.get(AMOUNT)).isNaN();
        assertThat(e.get(STATUS)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(e.get(TIME)).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void numbersSentAsStringsStayStrings() {
        Event e = accept("{\"amount\": \"12.50\", \"event_time\": \"1764121469123\", \"approved\": \"true\"}");
        assertThat(e.get(AMOUNT)).isEqualTo("12.50");
        assertThat(e.get(TIME)).isEqualTo("1764121469123");
        assertThat(e.get(APPROVED)).isEqualTo("true");
    }

    @Test
    void dottedNamesNavigateNestedObjects() {
        Event e = accept("{\"billing\": {\"zip\": \"75001\", \"country\": \"FR\","
                + " \"address\": {\"line\": [1, 2], \"city\": \"Paris\"}}, \"id\": \"p1\"}");
        assertThat(e.get(COUNTRY)).isEqualTo("FR");
        assertThat(e.get(CITY)).isEqualTo("Paris");
        assertThat(e.get(ID)).isEqualTo("p1");
    }

    @Test
    void aNullOrEmptyParentReadsAsNullChildren() {
        assertThat(accept("{\"billing\": null}").get(COUNTRY)).isNull();
        assertThat(accept("{\"billing\": {}}").get(CITY)).isNull();
        assertThat(accept("{\"billing\": {\"address\": null, \"country\": \"DE\"}}").get(COUNTRY)).isEqualTo("DE");
    }

    @Test
    void aKeyWithADotIsNotANestedPath() {
        assertThat(accept("{\"billing.country\": \"FR\"}").get(COUNTRY)).isNull();
    }

    @Test
    void unknownFieldsOfAnyShapeAreSkipped() {
        Event e = accept("{\"meta\": {\"a\": [1, {\"b\": [true, null, \"x\"]}, [[]]], \"c\": {}}, \"id\": \"p1\","
                + " \"list\": [1, 2, 3], \"n\": NaN, \"s\": \"\\\"}\", \"amount\": 3}");
        assertThat(e.get(ID)).isEqualTo("p1");
        assertThat(e.get(AMOUNT)).isEqualTo(3L);
    }

    @Test
    void unicodeAndEmptyKeysAndEscapedValues() {
        FieldLayout layout = FieldLayout.of("montant_€", "名前", "emoji");
        JsonEventDecoder d = new JsonEventDecoder(layout, 1 << 20);
        Decoded r = d.decode(utf8("{\"\": 1, \"montant_€\": 9, \"名前\": \"山田\", \"emoji\": \"\\ud83d\\ude00 é\\u00e9\\n\"}"));
        assertThat(r.isAccepted()).as(String.valueOf(r)).isTrue();
        assertThat(r.event().get(0)).isEqualTo(9L);
        assertThat(r.event().get(1)).isEqualTo("山田");
        assertThat(r.event().get(2)).isEqualTo("\uD83D\uDE00 éé\n");
    }

    @Test
    void extremeTimestampsArePassedThroughAsValues() {
        Event e = accept("{\"event_time\": 0, \"id\": \"1970-01-01T00:00:00Z\"}");
        assertThat(e.get(TIME)).isEqualTo(0L);
        assertThat(e.get(ID)).isEqualTo("1970-01-01T00:00:00Z");
        e = accept("{\"event_time\": 253402300799999, \"id\": \"9999-12-31T23:59:59.999Z\", \"amount\": -62135596800000}");
        assertThat(e.get(TIME)).isEqualTo(253_402_300_799_999L);
        assertThat(e.get(ID)).isEqualTo("9999-12-31T23:59:59.999Z");
        assertThat(e.get(AMOUNT)).isEqualTo(-62_135_596_800_000L);
    }

    @Test
    void sqlAndHtmlStringsAreKeptVerbatim() {
        String sql = "'; DROP TABLE payments; --";
        String html = "<script>alert('x')</script>&amp;";
        Event e = accept("{\"id\": \"" + sql + "\", \"status\": \"" + html + "\"}");
        assertThat(e.get(ID)).isEqualTo(sql);
        assertThat(e.get(STATUS)).isEqualTo(html);
    }

    @Test
    void whitespaceAroundTheObjectIsFine() {
        assertThat(accept(" \n\t{\"id\": \"p1\"}\r\n ").get(ID)).isEqualTo("p1");
    }

    @Test
    void aRecordExactlyAtTheSizeLimitIsAccepted() {
        byte[] value = utf8("{\"id\": \"p1\"}");
        assertThat(new JsonEventDecoder(LAYOUT, value.length).decode(value).isAccepted()).isTrue();
        Decoded over = new JsonEventDecoder(LAYOUT, value.length - 1).decode(value);
        assertThat(over.reason()).isEqualTo(RejectReason.TOO_LARGE);
        assertThat(over.message()).isEqualTo("record is 12 bytes, over the limit of 11 bytes per event; send smaller"
                + " events (larger ones would not fit Kafka's default 1 MB message size either)");
    }

    @Test
    void aLayoutUsingANameAsValueAndAsParentIsRejectedAtConstruction() {
        assertThatThrownBy(() -> new JsonEventDecoder(FieldLayout.of("billing.country", "id", "billing"), 100))
                .isInstanceOf(TesseraException.class)
                .hasMessage("layout uses 'billing' both as a value and as the parent of 'billing.country'; a field is"
                        + " either a single value or an object (record) of fields: refer to one or the other in the"
                        + " definitions");
    }

    @Test
    void decodesConcurrentlyFromManyThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 5_000; i++) {
                        String id = "p" + thread + "-" + i;
                        Event e = decoder.decode(utf8("{\"id\": \"" + id + "\", \"billing\": {\"country\": \"C" + i
                                + "\"}, \"amount\": " + i + "}")).event();
                        if (!id.equals(e.get(ID)) || !("C" + i).equals(e.get(COUNTRY)) || !Long.valueOf(i).equals(e.get(AMOUNT))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void layoutNamesWithEmptySegmentsAreRejectedAtConstruction() {
        assertThatThrownBy(() -> new JsonEventDecoder(FieldLayout.of("billing..country"), 100))
                .isInstanceOf(TesseraException.class)
                .hasMessageContaining("layout field 'billing..country' has an empty path segment");
    }

    // ---------------------------------------------------------------- rejected input

    @Test
    void nullValueIsMalformed() {
        Decoded r = decoder.decode(null);
        assertThat(r.reason()).isEqualTo(RejectReason.MALFORMED);
        assertThat(r.message()).isEqualTo("record value is null (a tombstone?); expected one JSON object per record");
        assertThatThrownBy(r::event).isInstanceOf(IllegalStateException.class).hasMessageContaining("malformed");
    }

    @Test
    void emptyAndBlankValuesAreMalformed() {
        assertThat(reject("", RejectReason.MALFORMED))
                .isEqualTo("record value is empty; expected one JSON object per record");
        assertThat(reject("  \n ", RejectReason.MALFORMED))
                .isEqualTo("record value is empty (4 bytes of whitespace); expected one JSON object per record");
    }

    @Test
    void truncatedJsonIsMalformedWithItsLocation() {
        assertThat(reject("{\"id\": \"p1\", \"amount\": 12", RejectReason.MALFORMED))
                .startsWith("malformed JSON at line 1, column ")
                .contains("end-of-input")
                .endsWith("; send one complete UTF-8 JSON object per record");
        assertThat(reject("{\"id\": \"p1", RejectReason.MALFORMED)).contains("end-of-input");
        assertThat(reject("{\"id\"", RejectReason.MALFORMED)).contains("end-of-input");
        assertThat(reject("{", RejectReason.MALFORMED)).contains("end-of-input");
        assertThat(reject("{\"billing\": {\"country\": \"FR\"", RejectReason.MALFORMED)).contains("end-of-input");
    }

    @Test
    void trailingGarbageIsMalformed() {
        assertThat(reject("{\"id\": \"p1\"} x", RejectReason.MALFORMED)).contains("line 1, column");
        assertThat(reject("{\"id\": \"p1\"}{\"id\": \"p2\"}", RejectReason.MALFORMED))
                .isEqualTo("trailing content after the JSON object: an object at line 1, column 13 (byte offset 12);"
                        + " send exactly one JSON object per record");
        assertThat(reject("{\"id\": \"p1\"}\n42", RejectReason.MALFORMED))
                .startsWith("trailing content after the JSON object: a number at line 2, column 1");
        assertThat(reject("{\"id\": \"p1\"}}", RejectReason.MALFORMED)).startsWith("malformed JSON at");
    }

    @Test
    void aTopLevelValueOtherThanAnObjectIsMalformed() {
        assertThat(reject("[{\"id\": \"p1\"}]", RejectReason.MALFORMED))
                .isEqualTo("record value is an array at line 1, column 1 (byte offset 0); expected one JSON object per"
                        + " record, e.g. {\"id\": \"e1\", ...}");
        assertThat(reject("\"p1\"", RejectReason.MALFORMED)).startsWith("record value is a string at");
        assertThat(reject("42", RejectReason.MALFORMED)).startsWith("record value is a number at");
        assertThat(reject("null", RejectReason.MALFORMED)).startsWith("record value is null at");
        assertThat(reject("true", RejectReason.MALFORMED)).startsWith("record value is a boolean at");
    }

    @Test
    void arrayNestedTenThousandDeepAtTopLevelIsMalformed() {
        assertThat(reject("[".repeat(10_000) + "]".repeat(10_000), RejectReason.MALFORMED))
                .startsWith("record value is an array");
    }

    @Test
    void nestingTenThousandDeepInsideTheObjectIsTooLarge() {
        String arrays = "{\"x\": " + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        assertThat(reject(arrays, RejectReason.TOO_LARGE))
                .startsWith("JSON value over a parser limit at line 1, column ")
                .contains("nesting depth")
                .endsWith("events are limited to nesting depth 64, strings of 1000000 characters and numbers of"
                        + " 1000 characters");
        String objects = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
        assertThat(reject(objects, RejectReason.TOO_LARGE)).contains("nesting depth");
    }

    @Test
    void nestingUpToTheLimitIsFine() {
        String deep = "{\"x\": " + "[".repeat(63) + "]".repeat(63) + ", \"id\": \"p1\"}";
        assertThat(accept(deep).get(ID)).isEqualTo("p1");
    }

    @Test
    void aRecordOverTheSizeLimitIsTooLargeBeforeParsing() {
        String huge = "{\"id\": \"" + "x".repeat(2_000_000) + "\"}";
        assertThat(reject(huge, RejectReason.TOO_LARGE))
                .isEqualTo("record is 2000010 bytes, over the limit of 1048576 bytes per event; send smaller events"
                        + " (larger ones would not fit Kafka's default 1 MB message size either)");
        // garbage over the limit is too_large too: the size check comes first
        assertThat(reject("[" + " ".repeat(1 << 20), RejectReason.TOO_LARGE)).startsWith("record is 1048577 bytes");
    }

    @Test
    void aStringOverTheParserLimitIsTooLarge() {
        JsonEventDecoder roomy = new JsonEventDecoder(LAYOUT, 4 << 20);
        Decoded r = roomy.decode(utf8("{\"id\": \"" + "x".repeat(1_500_000) + "\"}"));
        assertThat(r.reason()).isEqualTo(RejectReason.TOO_LARGE);
        assertThat(r.message()).startsWith("JSON value over a parser limit at").contains("String value length");
    }

    @Test
    void aNumberOverTheParserLimitIsTooLarge() {
        assertThat(reject("{\"amount\": " + "9".repeat(2_000) + "}", RejectReason.TOO_LARGE))
                .contains("Number value length");
        assertThat(reject("{\"amount\": 0." + "1".repeat(2_000) + "}", RejectReason.TOO_LARGE))
                .contains("Number value length");
    }

    @Test
    void duplicateKeysAreMalformed() {
        assertThat(reject("{\"id\": \"a\", \"amount\": 1, \"id\": \"b\"}", RejectReason.MALFORMED))
                .startsWith("malformed JSON at line 1, column ")
                .contains("Duplicate field 'id'");
        // also in objects nobody reads: a producer sending duplicates is broken, and which copy wins is undefined
        assertThat(reject("{\"meta\": {\"k\": 1, \"k\": 2}, \"id\": \"a\"}", RejectReason.MALFORMED))
                .contains("Duplicate field 'k'");
        assertThat(reject("{\"billing\": {\"country\": \"FR\", \"country\": \"DE\"}}", RejectReason.MALFORMED))
                .contains("Duplicate");
    }

    @Test
    void duplicateKeysAreFoundInArraysAndDeepInSkippedValues() {
        assertThat(reject("{\"x\": [1, {\"a\": 1, \"b\": [{\"c\": 1, \"c\": 1}]}]}", RejectReason.MALFORMED))
                .isEqualTo("malformed JSON at line 1, column 35 (byte offset 34): Duplicate field 'c'; send one"
                        + " complete UTF-8 JSON object per record");
        assertThat(reject("{\"x\": [{\"a\": 1, \"a\": 2}], \"id\": \"p1\"}", RejectReason.MALFORMED))
                .contains("Duplicate field 'a'");
    }

    @Test
    void theSameKeyInDifferentObjectsIsNoDuplicate() {
        Event e = accept("{\"k\": {\"k\": {\"k\": 1}}, \"a\": {\"k\": 2}, \"x\": [{\"k\": 1}, {\"k\": 1}],"
                + " \"billing\": {\"country\": \"FR\", \"address\": {\"country\": \"DE\", \"city\": \"Lyon\"}},"
                + " \"id\": \"p1\", \"y\": {\"id\": \"p2\"}}");
        assertThat(e.get(ID)).isEqualTo("p1");
        assertThat(e.get(COUNTRY)).isEqualTo("FR");
        assertThat(e.get(CITY)).isEqualTo("Lyon");
    }

    @Test
    void duplicatesAreFoundInObjectsWithThousandsOfKeys() {
        StringBuilder many = new StringBuilder("{\"id\": \"p1\"");
        for (int i = 0; i < 5_000; i++) {
            many.append(", \"k").append(i).append("\": ").append(i);
        }
        assertThat(accept(many + "}").get(ID)).isEqualTo("p1");
        assertThat(reject(many + ", \"k17\": 0}", RejectReason.MALFORMED)).contains("Duplicate field 'k17'");
        assertThat(reject(many + ", \"id\": 0}", RejectReason.MALFORMED)).contains("Duplicate field 'id'");
        // the keys of a closed object no longer count: k3 and id appear again one level up
        String nested = "{\"outer\": " + many + "}, \"k3\": 1, \"id\": 1}";
        assertThat(accept(nested).get(ID)).isEqualTo(1L);
    }

    @Test
    void aLongDuplicateKeyIsAbbreviatedInTheMessage() {
        String key = "k".repeat(500);
        assertThat(reject("{\"" + key + "\": 1, \"" + key + "\": 2}", RejectReason.MALFORMED))
                .contains("Duplicate field '" + "k".repeat(61) + "...'")
                .hasSizeLessThan(250);
    }

    @Test
    void invalidUtf8IsMalformedWhereverItIs() {
        byte[] inValue = concat(utf8("{\"id\": \""), new byte[] {(byte) 0xC3, 0x28}, utf8("\"}"));
        assertThat(rejectBytes(inValue, RejectReason.MALFORMED)).contains("UTF-8").contains("byte offset");
        byte[] inSkippedValue = concat(utf8("{\"other\": \""), new byte[] {(byte) 0xE2, (byte) 0x82}, utf8("\"}"));
        assertThat(rejectBytes(inSkippedValue, RejectReason.MALFORMED)).contains("UTF-8");
        byte[] inKey = concat(utf8("{\""), new byte[] {(byte) 0xFF}, utf8("\": 1}"));
        assertThat(rejectBytes(inKey, RejectReason.MALFORMED)).isEqualTo("record value is not valid UTF-8: byte offset 2"
                + " (0xFF) starts an invalid, overlong or truncated sequence; send one UTF-8 JSON object per record");
        byte[] strayContinuation = concat(utf8("{\"id\": \"a"), new byte[] {(byte) 0x80}, utf8("\"}"));
        assertThat(rejectBytes(strayContinuation, RejectReason.MALFORMED)).contains("UTF-8");
    }

    /** Sequences Jackson's own reader takes: overlong forms (one key, two spellings), beyond U+10FFFF, in skipped strings. */
    @Test
    void utf8ThatJacksonWouldReadIsMalformedToo() {
        int[][] sequences = {
            {0xC0, 0xAF}, {0xC1, 0xBF}, {0xE0, 0x80, 0xAF}, {0xF0, 0x80, 0x80, 0xAF}, // overlong
            {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80},                        // beyond U+10FFFF
            {0xED, 0xA0, 0x80}, {0xE2, 0x82},                                           // a surrogate, truncated
        };
        for (int[] seq : sequences) {
            byte[] bytes = new byte[seq.length];
            for (int i = 0; i < seq.length; i++) {
                bytes[i] = (byte) seq[i];
            }
            byte[] inValue = concat(utf8("{\"id\": \"a"), bytes, utf8("b\"}"));
            assertThat(rejectBytes(inValue, RejectReason.MALFORMED)).as("%02X in a value", seq[0])
                    .startsWith("record value is not valid UTF-8: byte offset 9 ");
            byte[] inSkipped = concat(utf8("{\"other\": \""), bytes, utf8("\", \"id\": \"p1\"}"));
            assertThat(rejectBytes(inSkipped, RejectReason.MALFORMED)).as("%02X skipped", seq[0])
                    .startsWith("record value is not valid UTF-8: byte offset 11 ");
        }
        // every length of valid sequence, up to U+10FFFF
        String valid = "\u00e9 \u0800 \uFFFF \uD83D\uDE00 \uDBFF\uDFFF";
        assertThat(accept("{\"id\": \"" + valid + "\"}").get(ID)).isEqualTo(valid);
    }

    @Test
    void anUnpairedSurrogateEscapeInALayoutFieldIsMalformed() {
        assertThat(reject("{\"id\": \"a\\ud800\"}", RejectReason.MALFORMED)).isEqualTo("field 'id' at line 1,"
                + " column 8 (byte offset 7) holds an unpaired surrogate escape (\\uD800 to \\uDFFF without its pair),"
                + " which is not Unicode text and has no UTF-8 form; escape a character beyond U+FFFF as a surrogate"
                + " pair, or send it as UTF-8");
        reject("{\"billing\": {\"country\": \"\\udc00F\"}}", RejectReason.MALFORMED);
        reject("{\"id\": \"\\ude00\\ud83d\"}", RejectReason.MALFORMED); // the pair's halves swapped
        reject("{\"id\": \"\\ud83d\"}", RejectReason.MALFORMED);
        assertThat(accept("{\"id\": \"\\ud83d\\ude00\"}").get(ID)).isEqualTo("\uD83D\uDE00");
        // fields nobody reads are never turned into strings, nor stored
        assertThat(accept("{\"other\": \"\\ud800\", \"id\": \"p1\"}").get(ID)).isEqualTo("p1");
    }

    @Test
    void otherEncodingsThanUtf8AreMalformedBeforeParsing() {
        String json = "{\"id\": \"p1\"}";
        assertThat(rejectBytes(json.getBytes(StandardCharsets.UTF_16BE), RejectReason.MALFORMED))
                .isEqualTo("record value is not UTF-8: byte 0 is 0x00 (UTF-16 or UTF-32 text, or binary data); send one"
                        + " UTF-8 JSON object per record");
        assertThat(rejectBytes(json.getBytes(StandardCharsets.UTF_16LE), RejectReason.MALFORMED))
                .startsWith("record value is not UTF-8: byte 1 is 0x00");
        assertThat(rejectBytes(json.getBytes(StandardCharsets.UTF_16), RejectReason.MALFORMED))
                .startsWith("record value is not UTF-8: it starts with a UTF-16 or UTF-32 byte-order mark");
        assertThat(rejectBytes(new byte[] {'{', '}', 0}, RejectReason.MALFORMED)).contains("byte 2 is 0x00");
        // a UTF-8 byte-order mark is harmless
        byte[] withBom = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8(json));
        assertThat(decoder.decode(withBom).event().get(ID)).isEqualTo("p1");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{'id': 'p1'}",                // single quotes
        "{id: \"p1\"}",                // unquoted key
        "{\"id\": \"p1\",}",           // trailing comma
        "{\"id\": \"p1\" /* c */}",    // comment
        "{\"amount\": 007}",           // leading zeros
        "{\"amount\": +1}",            // leading plus
        "{\"amount\": .5}",            // no leading digit
        "{\"amount\": 0x1F}",          // hex
        "{\"id\": \"a\nb\"}",          // raw control character in a string
        "{\"id\": \"\\x41\"}",         // invalid escape
        "{\"id\" \"p1\"}",             // missing colon
        "{\"id\": \"p1\" \"amount\": 1}", // missing comma
        "{\"id\": undefined}",         // not a JSON literal
        "{\"id\": tru}",               // truncated literal
        "{,}",
        "}",
    })
    void syntaxErrorsAreMalformed(String json) {
        assertThat(reject(json, RejectReason.MALFORMED)).startsWith("malformed JSON at ");
    }

    @Test
    void aLayoutFieldHoldingAnObjectOrArrayIsASchemaMismatch() {
        assertThat(reject("{\"id\": \"p1\", \"amount\": {\"value\": 12, \"currency\": \"EUR\"}}",
                RejectReason.SCHEMA_MISMATCH))
                .isEqualTo("field 'amount' is an object at line 1, column 24 (byte offset 23), but the definitions"
                        + " use it as a single value; send a string, number, boolean or null there, or refer to a"
                        + " nested field such as 'amount.<name>' in the definitions");
        assertThat(reject("{\"status\": [\"A\", \"B\"]}", RejectReason.SCHEMA_MISMATCH))
                .isEqualTo("field 'status' is an array at line 1, column 12 (byte offset 11), but the definitions use"
                        + " it as a single value; send a string, number, boolean or null there");
        assertThat(reject("{\"billing\": {\"country\": [\"FR\"]}}", RejectReason.SCHEMA_MISMATCH))
                .startsWith("field 'billing.country' is an array at");
    }

    @Test
    void aParentOfADottedFieldThatIsNotAnObjectIsASchemaMismatch() {
        assertThat(reject("{\"billing\": \"FR\"}", RejectReason.SCHEMA_MISMATCH))
                .matches("field 'billing' is a string at line 1, column 13 \\(byte offset 12\\), but the definitions"
                        + " read 'billing\\.(country|address\\.city)' from it; send an object \\(or null\\) there, or"
                        + " fix the field name in the definitions");
        assertThat(reject("{\"billing\": [{\"country\": \"FR\"}]}", RejectReason.SCHEMA_MISMATCH))
                .startsWith("field 'billing' is an array at");
        assertThat(reject("{\"billing\": {\"address\": 5}}", RejectReason.SCHEMA_MISMATCH))
                .startsWith("field 'billing.address' is a number at")
                .contains("'billing.address.city'");
    }

    @Test
    void messagesNeverEchoThePayload() {
        String secret = "4111111111111111";
        for (String json : List.of("{\"pan\": \"" + secret + "\", \"id\": ", "{\"pan\": \"" + secret + "\"} x",
                "{\"pan\": \"" + secret + "\", \"pan\": 1}", "{\"amount\": {\"pan\": \"" + secret + "\"}}")) {
            Decoded r = decoder.decode(utf8(json));
            assertThat(r.isAccepted()).isFalse();
            assertThat(r.message()).as(json).doesNotContain(secret);
        }
    }

    // ---------------------------------------------------------------- helpers

    private Event accept(String json) {
        Decoded r = decoder.decode(utf8(json));
        assertThat(r.isAccepted()).as("%s -> %s", json, r).isTrue();
        assertThat(r.reason()).isNull();
        assertThat(r.message()).isNull();
        return r.event();
    }

    private String reject(String json, RejectReason expected) {
        return rejectBytes(utf8(json), expected);
    }

    private String rejectBytes(byte[] value, RejectReason expected) {
        Decoded r = decoder.decode(value);
        assertThat(r.isAccepted()).as("%s", r).isFalse();
        assertThat(r.reason()).as("%s", r).isEqualTo(expected);
        return r.message();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
