package dev.tessera.inference;

import dev.tessera.api.FeatureService;
import java.util.List;

/**
 * One model of the registry with everything scoring needs: its metadata, the service whose features it
 * reads, the encoder from served values to numbers, and the model. Immutable and thread-safe.
 *
 * <pre>{@code
 * RegisteredModel m = registry.latest("account_risk").orElseThrow();
 * List<Object> values = ...;                  // m.service().features(), in order, as served
 * double[] x = new double[m.model().inputs().size()];
 * m.encoder().encode(values, x);
 * double score = m.model().score(x);          // or m.score(values)
 * }</pre>
 */
public record RegisteredModel(ModelInfo info, FeatureService service, InputEncoder encoder, Model model) {
    public String name() {
        return info.name();
    }

    public int version() {
        return info.version();
    }

    /**
     * Encodes and scores one row (allocates its input array; hot paths call {@link InputEncoder#encode(List, double[])}
     * with a reused array and {@link Model#score}).
     *
     * @param values one served value per feature of {@link #service()}, in its order
     */
    public double score(List<?> values) {
        double[] x = new double[model.inputs().size()];
        encoder.encode(values, x);
        return model.score(x);
    }

    @Override
    public String toString() {
        return model.toString();
    }
}
