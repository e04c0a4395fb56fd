package dev.tessera.core.agg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.core.agg.NaiveAggregator.Ev;
import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * What engines do to IRs, randomized: split the events into parts, add each part in random order to
 * its own IR, pass some IRs through encode/decode, copy some, and merge them all in random order.
 */
final class IrPipeline {
    private IrPipeline() {
    }

    static Ir build(Aggregator agg, List<Ev> events, Random rnd) {
        int parts = 1 + rnd.nextInt(5);
        List<List<Ev>> split = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            split.add(new ArrayList<>());
        }
        for (Ev e : events) {
            split.get(rnd.nextInt(parts)).add(e);
        }
        List<Ir> irs = new ArrayList<>();
        for (List<Ev> part : split) {
            Collections.shuffle(part, rnd);
            irs.add(maybeTransport(agg, add(agg.newIr(), part), rnd));
        }
        Collections.shuffle(irs, rnd);
        Ir acc = rnd.nextBoolean() ? agg.newIr() : irs.remove(0);
        for (Ir ir : irs) {
            acc.merge(maybeTransport(agg, ir, rnd));
            if (rnd.nextInt(4) == 0) {
                acc = maybeTransport(agg, acc, rnd);
            }
        }
        return acc;
    }

    static Ir add(Ir ir, List<Ev> events) {
        for (Ev e : events) {
            ir.add(e.value(), e.time(), e.id());
        }
        return ir;
    }

    private static Ir maybeTransport(Aggregator agg, Ir ir, Random rnd) {
        switch (rnd.nextInt(3)) {
            case 0:
                return roundTrip(agg, ir);
            case 1:
                return ir.copy();
            default:
                return ir;
        }
    }

    static byte[] encode(Ir ir) {
        ByteWriter out = new ByteWriter();
        ir.encode(out);
        return out.toByteArray();
    }

    /** decode(encode(ir)), checking the decoder consumed exactly what the encoder wrote. */
    static Ir roundTrip(Aggregator agg, Ir ir) {
        byte[] bytes = encode(ir);
        ByteReader in = new ByteReader(bytes);
        Ir decoded = agg.decode(in);
        assertThat(in.remaining()).as("bytes left after decoding %s", agg).isZero();
        return decoded;
    }
}
