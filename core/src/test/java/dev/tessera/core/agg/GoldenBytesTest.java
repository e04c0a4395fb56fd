package dev.tessera.core.agg;

import static dev.tessera.api.Aggregation.APPROX_DISTINCT;
import static dev.tessera.api.Aggregation.APPROX_PERCENTILE;
import static dev.tessera.api.Aggregation.AVG;
import static dev.tessera.api.Aggregation.COUNT;
import static dev.tessera.api.Aggregation.FIRST;
import static dev.tessera.api.Aggregation.LAST;
import static dev.tessera.api.Aggregation.LAST_K;
import static dev.tessera.api.Aggregation.MAX;
import static dev.tessera.api.Aggregation.MIN;
import static dev.tessera.api.Aggregation.SUM;
import static dev.tessera.api.Aggregation.TOP_K;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.core.codec.ByteReader;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Frozen encodings: a small IR of every aggregator must encode to exactly these bytes, and these
 * bytes must decode to the expected result, so data written by this version stays readable. If a
 * layout has to change, bump its version byte, keep reading the old version, and add a case here —
 * never edit a hex string. Each hex was generated once and checked by hand against the layout drawn
 * in the IR class (the comments spell the fields out).
 */
class GoldenBytesTest {
    /** One event: value, event time, event id. */
    private record E(Object value, long time, String id) {}

    private static final List<E> EVENTS = List.of(new E("x", 1000, "e1"), new E("y", 1000, null), new E("z", 2000, "e2"));

    private static List<E> values(Object... values) {
        return Stream.of(values).map(v -> new E(v, 0, null)).toList();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // version 01, count 3
                golden("count", Aggregators.create(COUNT), values(true, true, true), "0103", 3L),
                // version 01, flags 00, n 3, total zig-zag(10) = 0x14
                golden("sum of longs", Aggregators.create(SUM), values(5L, -2L, 7L), "01000314", 10L),
                // flags 02 WIDE, n 2, hi 0, lo 0xff..fe: 2^64 - 2 as the nearest double
                golden("sum past the long range", Aggregators.create(SUM), values(Long.MAX_VALUE, Long.MAX_VALUE),
                        "010202" + "0000000000000000" + "fffffffffffffffe", 1.8446744073709552E19),
                // flags 01 DOUBLES, n 3, long total zig-zag(2) = 04, s = 1.5, c = 0; "s" ignored
                golden("sum with a double", Aggregators.create(SUM), values(1.5, 2L, "s"),
                        "01010204" + "3ff8000000000000" + "0000000000000000", 3.5),
                // same layout as sum: n 3, total 7 -> 0x0e
                golden("avg", Aggregators.create(AVG), values(1L, 2L, 4L), "0100030e", 7 / 3.0),
                // flags 03 PRESENT|SAW_DOUBLE, value tag 03 (Long) zig-zag(3) = 06: a Long min reads as 3.0
                golden("min", Aggregators.create(MIN), values(3L, 7.5, "b"), "01030306", 3.0),
                // value tag 05 (String), length 1, "b"
                golden("max", Aggregators.create(MAX), values(3L, 7.5, "b"), "0103050162", "b"),
                // flags 01, time zig-zag(1000) = d00f, no id 00, "y"
                golden("first", Aggregators.create(FIRST), EVENTS, "0101d00f00050179", "y"),
                // time zig-zag(2000) = a01f, id 01 "e2", "z"
                golden("last", Aggregators.create(LAST), EVENTS, "0101a01f0102653205017a", "z"),
                // n 2; z at 2000 (a01f, id e2); then delta 1000 (e807), id e1, "x"
                golden("last_k", Aggregators.create(LAST_K, 2, 0), EVENTS,
                        "0102" + "a01f0102653205017a" + "e80701026531050178", List.of("z", "x")),
                // mode 00 EXACT, n 3, three 8-byte hashes ascending (1L, "a", true)
                golden("approx_distinct exact", Aggregators.create(APPROX_DISTINCT), values(1L, "a", true),
                        "010003" + "a4fc60b275bf4324" + "f6020f0aa43b822f" + "7805aebd58ffcf42", 3L),
                // mode 01 HLL, image length 532 (9404); DataSketches HLL compact image: preInts 3, serVer 1,
                // family 7, lgK 0f = 15, lgArr 8, flags 08 (compact), mode byte 01 (SET, HLL_4),
                // coupon count 0x82 = 130, then 130 four-byte coupons
                golden("approx_distinct hll", Aggregators.create(APPROX_DISTINCT),
                        LongStream.range(0, 130).mapToObj(i -> new E(i, 0, null)).toList(), "0101" + "9404"
                        + "0301070f0808000182000000013aef0c02818213034da7070401eb0405438f12080c3308091a92060ab5f7040b8f6004"
                        + "0c4d28040fa7840510acfb06174c4b0d18f05c061a4499061fbab007206d570921e7ba072223130b25259e072f90830a"
                        + "33b1cc08356232073632b0053851d50d392b57043a66c8053d62a70a25185d0640220f08412f24140b37cc07439f7208"
                        + "4447ac0584c0a10647e163076fed870b4bf3340472ecf7074e95e50651d7cf06549b700b5578ca0458144a0459c2340f"
                        + "5c2fac0d5d3cd3055e5f8d073e210204600cb206610ed10662a23305fa68ca0b5106841767c44c066a7a750a6bcca008"
                        + "6dcf24046f33190a71f1ad06710164057467ef0b754c320876fe7b067739e1067af7d3057d64ac0ba3da730b81dd890b"
                        + "82dac60983a4d0068450030886c8bb0689be1e088b87370595f71a058dba8f0a8ec58b0992b3a21293b3af05474c0e0b"
                        + "959f500d38af400597fe0d049d351c059edba605a1fbca08a22a0a04a3ff57071f42b904dfc7a106aacda004ab474106"
                        + "aef8420caf970f04bbf55106b1e6c807479aac04b7029209ba2ef709bb78f806bce00d06095cb105c4275b06b3086004"
                        + "c6665610cbe62908ccc8a00fcd2bde05d0b24809d4012f04d67ec211d71c770bd9345008df5e0e04e0d6dc0fe2ed6205"
                        + "e431980ae6b38805e74f1609e6acef09ef14b40583372d04f3f77207f6fffb0ef779421533c4a206fa0f4c045c9fe107"
                        + "ffd9be06", 130L),
                // version 02 (exact buffer), n 3, the values ascending: 1.5 3.0 10.0 (IEEE 754, big-endian)
                golden("approx_percentile", Aggregators.create(APPROX_PERCENTILE, 0, 0.5), values(3L, 1.5, 10L),
                        "02" + "03" + "3ff8000000000000" + "4008000000000000" + "4024000000000000", 3.0),
                // version 02, n 0: nothing numeric added
                golden("approx_percentile empty", Aggregators.create(APPROX_PERCENTILE, 0, 0.5), values("s", true), "0200", null),
                // version 02 (exact form), n 4, in first-seen order: "a" x2, "b" x1, "7" x2 (Long 7 and "7"
                // are one value), "true" x1
                golden("top_k", Aggregators.create(TOP_K, 2, 0), values("a", "b", "a", 7L, "7", true),
                        "02" + "04" + "016102" + "016201" + "013702" + "047472756501",
                        List.of(new ValueCount("7", 2), new ValueCount("a", 2))),
                // version 02, n 0: nothing added
                golden("top_k empty", Aggregators.create(TOP_K, 2, 0), values(), "0200", List.of()));
    }

    /**
     * Layouts this build no longer writes for these events but must still read: the bytes older
     * versions wrote, with the result they must decode to. Moved here, hex unchanged, when a newer
     * layout took over their events.
     */
    static Stream<Arguments> retiredLayouts() {
        return Stream.of(
                // written for every approx_percentile IR until the exact buffer (version 02) took over:
                // length 0x40, then the KLL compact image (little-endian): preInts 5, serVer 1, family 0f,
                // flags 00, k 300 (2c01), m 8; n 3; min k 300, 1 level; level offset 0x129 = 297;
                // min 1.5, max 10.0; the 3 retained items 10.0 1.5 3.0 (level 0 is unsorted)
                golden("approx_percentile version 1", Aggregators.create(APPROX_PERCENTILE, 0, 0.5), values(3L, 1.5, 10L),
                        "01" + "40" + "05010f002c010800" + "0300000000000000" + "2c01010029010000"
                        + "000000000000f83f" + "0000000000002440"
                        + "0000000000002440" + "000000000000f83f" + "0000000000000840", 3.0),
                // written for every top_k IR until the exact form (version 02) took over its small IRs:
                // length 0x57, then the frequent-items image (little-endian): preLongs 4, serVer 1, family 0a,
                // lgMaxMapSize 8 (256), lgCurMapSize 3; 4 active items; stream length 6; offset (max
                // error) 0; counters 1 2 1 2; items "true" "7" "b" "a" as 4-byte length + UTF-8
                golden("top_k version 1", Aggregators.create(TOP_K, 2, 0), values("a", "b", "a", 7L, "7", true),
                        "01" + "57" + "04010a0803000000" + "0400000000000000" + "0600000000000000" + "0000000000000000"
                        + "0100000000000000" + "0200000000000000" + "0100000000000000" + "0200000000000000"
                        + "0400000074727565" + "0100000037" + "0100000062" + "0100000061",
                        List.of(new ValueCount("7", 2), new ValueCount("a", 2))));
    }

    private static Arguments golden(String name, Aggregator agg, List<E> events, String hex, Object result) {
        return Arguments.of(name, agg, events, hex, result);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void encodingIsFrozen(String name, Aggregator agg, List<E> events, String hex, Object result) {
        Ir ir = agg.newIr();
        events.forEach(e -> ir.add(e.value(), e.time(), e.id()));
        assertThat(HexFormat.of().formatHex(IrPipeline.encode(ir))).isEqualTo(hex);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void frozenBytesDecodeToTheExpectedResult(String name, Aggregator agg, List<E> events, String hex, Object result) {
        ByteReader in = new ByteReader(HexFormat.of().parseHex(hex));
        assertThat(agg.decode(in).result()).isEqualTo(result);
        assertThat(in.remaining()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("retiredLayouts")
    void retiredLayoutsDecodeToTheExpectedResult(String name, Aggregator agg, List<E> events, String hex, Object result) {
        frozenBytesDecodeToTheExpectedResult(name, agg, events, hex, result);
        // and to an IR equivalent to the one the events build today: same result, and it goes on the
        // same way (a top_k version 1 image cannot tell first-seen order, so bytes may differ)
        Ir built = agg.newIr();
        events.forEach(e -> built.add(e.value(), e.time(), e.id()));
        Ir decoded = agg.decode(new ByteReader(HexFormat.of().parseHex(hex)));
        assertThat(decoded.result()).isEqualTo(built.result());
        Ir more = agg.newIr();
        events.forEach(e -> more.add(e.value(), e.time(), e.id()));
        decoded.merge(more);
        built.merge(more);
        assertThat(decoded.result()).isEqualTo(built.result());
        Ir again = agg.decode(new ByteReader(IrPipeline.encode(decoded)));
        assertThat(again.result()).isEqualTo(built.result());
    }
}
