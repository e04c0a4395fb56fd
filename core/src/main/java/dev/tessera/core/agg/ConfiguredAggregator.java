package dev.tessera.core.agg;

import dev.tessera.api.Aggregation;
import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.CorruptDataException;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An {@link Aggregator} assembled by {@link Aggregators}: an aggregation with its parameters, and
 * the constructor and decoder of its IR class. Equal when kind and parameters are equal.
 */
final class ConfiguredAggregator implements Aggregator {
    private final Aggregation kind;
    private final int k;
    private final double p;
    private final Supplier<Ir> factory;
    private final Supplier<Ir> mergeFactory;
    private final Function<ByteReader, Ir> decoder;
    private final Object emptyResult;
    private final Function<Aggregator, WindowPrefix> prefixFactory;

    ConfiguredAggregator(Aggregation kind, int k, double p, Supplier<Ir> factory, Supplier<Ir> mergeFactory,
                         Function<ByteReader, Ir> decoder, Object emptyResult,
                         Function<Aggregator, WindowPrefix> prefixFactory) {
        this.kind = kind;
        this.k = k;
        this.p = p;
        this.factory = factory;
        this.mergeFactory = mergeFactory;
        this.decoder = decoder;
        this.emptyResult = emptyResult;
        this.prefixFactory = prefixFactory;
    }

    @Override
    public Aggregation kind() {
        return kind;
    }

    @Override
    public Ir newIr() {
        return factory.get();
    }

    @Override
    public Ir newMergeTarget() {
        return mergeFactory.get();
    }

    @Override
    public WindowPrefix newWindowPrefix() {
        return prefixFactory.apply(this);
    }

    @Override
    public Ir decode(ByteReader in) {
        Objects.requireNonNull(in, "in");
        int at = in.position();
        try {
            return decoder.apply(in);
        } catch (CorruptDataException e) {
            throw new CorruptDataException("cannot decode " + this + " IR starting at offset " + at + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Object emptyResult() {
        return emptyResult;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfiguredAggregator a && a.kind == kind && a.k == k
                && Double.compare(a.p, p) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, k, p);
    }

    @Override
    public String toString() {
        if (kind.takesK()) {
            return kind.yamlName() + "(k=" + k + ")";
        }
        return kind.takesP() ? kind.yamlName() + "(p=" + p + ")" : kind.yamlName();
    }
}
