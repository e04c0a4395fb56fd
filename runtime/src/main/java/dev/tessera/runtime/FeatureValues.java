package dev.tessera.runtime;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finished feature values of one entity in one group, read at {@code asOf}.
 *
 * @param found  whether the entity has any state (false: every value is its empty value)
 * @param asOf   the read time {@code t} of SPEC §3 the values are exact for (epoch millis)
 * @param names  served feature names, in the group's declaration order
 * @param values values in the order of {@code names}
 */
public record FeatureValues(String group, List<String> entityKey, boolean found, long asOf, List<String> names,
                            List<Object> values) {
    /** Values keyed by served name, in declaration order. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            m.put(names.get(i), values.get(i));
        }
        return m;
    }
}
