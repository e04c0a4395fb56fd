package dev.tessera.core.agg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.core.agg.NaiveAggregator.Ev;
import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.CorruptDataException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Decoding bytes that are not a valid encoding — truncated, of an unknown version, random, or a
 * valid encoding with bytes changed — either yields a usable IR or throws
 * {@link CorruptDataException}: never another exception type. (Decoding cannot hang: every loop is
 * bounded by a length checked against the bytes left.)
 */
class CorruptDataTest {
    @Provide
    Arbitrary<Aggregator> aggregators() {
        return AggregatorArbitraries.aggregators();
    }

    @Provide
    Arbitrary<List<Ev>> events() {
        return Arbitraries.oneOf(EventArbitraries.events(40, false), EventArbitraries.wideEvents());
    }

    @Property(tries = 1000)
    void everyTruncationIsCorruptData(@ForAll("aggregators") Aggregator agg, @ForAll("events") List<Ev> events) {
        byte[] bytes = IrPipeline.encode(IrPipeline.add(agg.newIr(), events));
        for (int len = 0; len < bytes.length; len++) {
            ByteReader in = new ByteReader(Arrays.copyOf(bytes, len));
            assertThatThrownBy(() -> agg.decode(in)).as("%s cut to %d of %d bytes", agg, len, bytes.length)
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageContaining("cannot decode " + agg);
        }
    }

    @Property(tries = 1000)
    void unknownVersionsAreRejected(@ForAll("aggregators") Aggregator agg, @ForAll("events") List<Ev> events,
                                    @ForAll @IntRange(min = 2, max = 255) int version) {
        byte[] bytes = IrPipeline.encode(IrPipeline.add(agg.newIr(), events));
        bytes[0] = (byte) version;
        assertThatThrownBy(() -> agg.decode(new ByteReader(bytes)))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("unknown format version " + version)
                .hasMessageContaining("this build reads version 1");
        bytes[0] = 0;
        assertThatThrownBy(() -> agg.decode(new ByteReader(bytes))).isInstanceOf(CorruptDataException.class);
    }

    @Property(tries = 2000)
    void garbageIsCorruptDataOrAUsableIr(@ForAll("aggregators") Aggregator agg, @ForAll byte[] garbage,
                                         @ForAll boolean validVersion) {
        if (validVersion && garbage.length > 0) {
            garbage[0] = 1;
        }
        decodeOrReject(agg, garbage);
    }

    @Property(tries = 2000)
    void changedBytesAreCorruptDataOrAUsableIr(@ForAll("aggregators") Aggregator agg, @ForAll("events") List<Ev> events,
                                               @ForAll long seed) {
        byte[] bytes = IrPipeline.encode(IrPipeline.add(agg.newIr(), events));
        Random rnd = new Random(seed);
        int changes = 1 + rnd.nextInt(3);
        for (int i = 0; i < changes; i++) {
            int at = 1 + rnd.nextInt(Math.max(1, bytes.length - 1)); // keep the version byte: reach the payload
            if (at < bytes.length) {
                bytes[at] = rnd.nextBoolean() ? (byte) rnd.nextInt(256) : (byte) (bytes[at] ^ (1 << rnd.nextInt(8)));
            }
        }
        decodeOrReject(agg, bytes);
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
