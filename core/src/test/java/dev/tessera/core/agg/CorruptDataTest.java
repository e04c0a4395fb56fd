package dev.tessera.core.agg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.Aggregation;
import dev.tessera.core.agg.Distributions.Integers;
import dev.tessera.core.agg.NaiveAggregator.Ev;
import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.CorruptDataException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Decoding bytes that are not a valid encoding — truncated, of an unknown version, random, or a
 * valid encoding with bytes changed — either yields a usable IR or throws
 * {@link CorruptDataException}: never another exception type. (Decoding cannot hang: every loop is
 * bounded by a length checked against the bytes left.) Seeded tries: see {@link Tries}.
 */
class CorruptDataTest {
    private static final Integers VERSIONS = Integers.between(2, 255);
    private static final Integers BYTES = Integers.between(Byte.MIN_VALUE, Byte.MAX_VALUE);
    /** Edge cases of byte arrays: the empty array and one-byte arrays of a byte edge case. */
    private static final int GARBAGE_EDGE_CASES = 1 + BYTES.edgeCases.size();

    private static Aggregator aggregators(Random rnd, int tries, boolean edgeCaseTry) {
        return edgeCaseTry ? AggregatorGenerators.aggregatorsEdgeCase(rnd) : AggregatorGenerators.aggregators(rnd, tries);
    }

    private static List<Ev> events(Random rnd, int tries, boolean edgeCaseTry) {
        return edgeCaseTry ? EventGenerators.eventsEdgeCase(rnd, tries) : EventGenerators.shortOrWideEvents(rnd, tries, 40);
    }

    /** Any byte array: up to 255 bytes, sizes as in {@link Distributions#size}, bytes biased towards 0. */
    private static byte[] garbage(Random rnd, int tries, boolean edgeCaseTry) {
        if (edgeCaseTry || Distributions.edgeCase(rnd, Distributions.edgeCaseRatio(tries, GARBAGE_EDGE_CASES))) {
            int i = rnd.nextInt(GARBAGE_EDGE_CASES);
            return i == 0 ? new byte[0] : new byte[] {BYTES.edgeCases.get(i - 1).byteValue()};
        }
        int size = Distributions.size(rnd, 0, 255, tries);
        List<Byte> bytes = Distributions.list(rnd, size, () -> (byte) BYTES.next(rnd));
        byte[] out = new byte[size];
        for (int i = 0; i < size; i++) {
            out[i] = bytes.get(i);
        }
        return out;
    }

    @Test
    void everyTruncationIsCorruptData() {
        int tries = 1000;
        Tries.run(31_000_000, tries, (rnd, edgeCaseTry) -> {
            Aggregator agg = aggregators(rnd, tries, edgeCaseTry);
            List<Ev> events = events(rnd, tries, edgeCaseTry);
            byte[] bytes = IrPipeline.encode(IrPipeline.add(agg.newIr(), events));
            for (int len = 0; len < bytes.length; len++) {
                ByteReader in = new ByteReader(Arrays.copyOf(bytes, len));
                assertThatThrownBy(() -> agg.decode(in)).as("%s cut to %d of %d bytes", agg, len, bytes.length)
                        .isInstanceOf(CorruptDataException.class)
                        .hasMessageContaining("cannot decode " + agg);
            }
        });
    }

    @Test
    void unknownVersionsAreRejected() {
        int tries = 1000;
        Tries.run(32_000_000, tries, (rnd, edgeCaseTry) -> {
            Aggregator agg = aggregators(rnd, tries, edgeCaseTry);
            List<Ev> events = events(rnd, tries, edgeCaseTry);
            int version;
            do {
                version = (int) (edgeCaseTry ? Distributions.pick(rnd, VERSIONS.edgeCases) : VERSIONS.next(rnd));
            } while (readableVersions(agg).contains(version));
            byte[] bytes = IrPipeline.encode(IrPipeline.add(agg.newIr(), events));
            bytes[0] = (byte) version;
            int unknown = version;
            assertThatThrownBy(() -> agg.decode(new ByteReader(bytes)))
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageContaining("unknown format version " + unknown)
                    .hasMessageContaining("this build reads version 1");
            bytes[0] = 0;
            assertThatThrownBy(() -> agg.decode(new ByteReader(bytes))).isInstanceOf(CorruptDataException.class);
        });
    }

    /** The version bytes {@code agg} reads: 1 for every layout, and 2 too for the exact forms of approx_percentile and top_k. */
    private static Set<Integer> readableVersions(Aggregator agg) {
        return switch (agg.kind()) {
            case APPROX_PERCENTILE -> Set.of(PercentileIr.KLL_VERSION, PercentileIr.SMALL_VERSION);
            case TOP_K -> Set.of(TopKIr.VERSION, TopKIr.EXACT_VERSION);
            default -> Set.of(1);
        };
    }

    @Test
    void garbageIsCorruptDataOrAUsableIr() {
        int tries = 2000;
        Tries.run(33_000_000, tries, (rnd, edgeCaseTry) -> {
            Aggregator agg = aggregators(rnd, tries, edgeCaseTry);
            byte[] garbage = garbage(rnd, tries, edgeCaseTry);
            boolean validVersion = rnd.nextBoolean();
            if (validVersion && garbage.length > 0) {
                garbage[0] = 1;
            }
            decodeOrReject(agg, garbage);
        });
    }

    @Test
    void changedBytesAreCorruptDataOrAUsableIr() {
        int tries = 2000;
        Tries.run(34_000_000, tries, (rnd, edgeCaseTry) -> {
            Aggregator agg = aggregators(rnd, tries, edgeCaseTry);
            List<Ev> events = events(rnd, tries, edgeCaseTry);
            long seed = edgeCaseTry ? Distributions.pick(rnd, Distributions.LONGS.edgeCases) : Distributions.LONGS.next(rnd);
            byte[] bytes = IrPipeline.encode(IrPipeline.add(agg.newIr(), events));
            Random changes = new Random(seed);
            int count = 1 + changes.nextInt(3);
            for (int i = 0; i < count; i++) {
                int at = 1 + changes.nextInt(Math.max(1, bytes.length - 1)); // keep the version byte: reach the payload
                if (at < bytes.length) {
                    bytes[at] = changes.nextBoolean() ? (byte) changes.nextInt(256) : (byte) (bytes[at] ^ (1 << changes.nextInt(8)));
                }
            }
            decodeOrReject(agg, bytes);
        });
    }

    private static void decodeOrReject(Aggregator agg, byte[] bytes) {
        Ir ir;
        try {
            ir = agg.decode(new ByteReader(bytes));
        } catch (CorruptDataException expected) {
            return;
        }
        // accepted: then it must behave as an IR
        ir.result();
        Ir copy = ir.copy();
        copy.merge(ir);
        assertThat(IrPipeline.roundTrip(agg, ir).isEmpty()).isEqualTo(ir.isEmpty());
    }
}
