package dev.tessera.core.agg;

import java.util.Objects;

/**
 * One row of a top_k result: a value (in its canonical string form: Long as decimal, Double as
 * {@link Double#toString(double)}, Boolean as "true"/"false") and how many events carried it.
 * The count is exact while the top_k sketch is exact, otherwise the sketch's estimate, which never
 * undercounts and overcounts by at most the sketch's maximum error.
 */
public record ValueCount(String value, long count) {
    public ValueCount {
        Objects.requireNonNull(value, "value");
        if (count < 0) {
            throw new IllegalArgumentException("negative count " + count + " for value " + value);
        }
    }
}
