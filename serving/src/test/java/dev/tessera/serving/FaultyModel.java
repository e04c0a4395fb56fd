package dev.tessera.serving;

import dev.tessera.inference.Model;
import dev.tessera.inference.ModelFormat;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** A registered model with an injected fault: its metadata, and {@code score} replaced (failure and drift tests). */
final class FaultyModel implements Model {
    private final Model inner;
    private final ToDoubleFunction<double[]> score;

    FaultyModel(Model inner, ToDoubleFunction<double[]> score) {
        this.inner = inner;
        this.score = score;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public int version() {
        return inner.version();
    }

    @Override
    public ModelFormat format() {
        return inner.format();
    }

    @Override
    public List<String> inputs() {
        return inner.inputs();
    }

    @Override
    public boolean probability() {
        return inner.probability();
    }

    @Override
    public double score(double[] inputs) {
        return score.applyAsDouble(inputs);
    }
}
