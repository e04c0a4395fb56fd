package dev.tessera.api;

import java.util.ArrayList;
import java.util.List;

/** Features of one entity computed from one source. */
public record FeatureGroup(String name, String source, String entity, List<Feature> features, Meta meta) {
    public FeatureGroup {
        features = List.copyOf(features);
    }

    /** Every served name of the group, in declaration order. */
    public List<String> servedNames() {
        List<String> names = new ArrayList<>();
        for (Feature f : features) {
            names.addAll(f.servedNames());
        }
        return names;
    }
}
