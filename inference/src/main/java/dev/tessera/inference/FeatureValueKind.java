package dev.tessera.inference;

import dev.tessera.api.Aggregation;
import dev.tessera.api.Definitions;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.FieldType;
import dev.tessera.api.Source;

/**
 * What a served feature holds, as far as the definitions tell (SPEC §2's result types): the registry
 * checks with it that every input can become a number (ADR 022).
 */
enum FeatureValueKind {
    NUMBER("a number"),
    BOOLEAN("a boolean"),
    LIST("a list"),
    STRING("a string"),
    /** first/last/min/max of a field whose type the definitions do not declare (a JSON source without fields:, Avro). */
    UNKNOWN("of the type its field has");

    final String described;

    FeatureValueKind(String described) {
        this.described = described;
    }

    /** The kind of {@code ref}, with the feature that makes it so. */
    static FeatureValueKind of(Definitions defs, FeatureRef ref) {
        FeatureGroup group = defs.group(ref.group()).orElseThrow();
        Feature f = feature(group, ref.servedName());
        return switch (f.agg()) {
            case COUNT, SUM, AVG, APPROX_DISTINCT, APPROX_PERCENTILE -> NUMBER;
            case LAST_K, TOP_K -> LIST;
            case FIRST, LAST, MIN, MAX -> {
                Source source = defs.sourceOf(group);
                FieldType t = source.fields().get(f.of());
                yield t == null ? UNKNOWN : switch (t) {
                    case STRING -> STRING;
                    case LONG, DOUBLE -> NUMBER;
                    case BOOLEAN -> BOOLEAN;
                };
            }
        };
    }

    /** How messages say where the kind comes from: "last of country". */
    static String origin(Definitions defs, FeatureRef ref) {
        Feature f = feature(defs.group(ref.group()).orElseThrow(), ref.servedName());
        return f.agg().yamlName() + (f.of() == null ? "" : " of " + f.of());
    }

    static Aggregation agg(Definitions defs, FeatureRef ref) {
        return feature(defs.group(ref.group()).orElseThrow(), ref.servedName()).agg();
    }

    private static Feature feature(FeatureGroup group, String servedName) {
        for (Feature f : group.features()) {
            if (f.servedNames().contains(servedName)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no served feature " + servedName + " in group " + group.name());
    }
}
