package dev.tessera.api;

import java.util.List;

/**
 * A named, ordered set of features a model consumes.
 *
 * @param selectors the entries as written ({@code group.feature_1h} or {@code group.*})
 * @param features  the selectors resolved against the groups, in order, without repeats
 */
public record FeatureService(String name, List<String> selectors, List<FeatureRef> features, Meta meta) {
    public FeatureService {
        selectors = List.copyOf(selectors);
        features = List.copyOf(features);
    }
}
