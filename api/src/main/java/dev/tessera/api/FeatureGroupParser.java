package dev.tessera.api;

import dev.tessera.api.DefinitionSet.Reference;
import dev.tessera.api.YamlMapping.Scalar;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.Node;

/**
 * {@code kind: FeatureGroup}: features of one entity from one source. Checks each feature, then
 * that feature names and served names ({@code <feature>_<window>}) are unique in the group; the
 * source and entity are checked once every file is read.
 */
final class FeatureGroupParser {
    static final List<String> FIELDS = List.of("kind", "name", "source", "entity", "features", "description",
            "owner", "tags");

    private FeatureGroupParser() {
    }

    static void parse(YamlMapping m, DefinitionSet set) {
        Problems problems = set.problems;
        int mark = problems.count();
        String name = set.declare(m, DefinitionKind.FEATURE_GROUP);
        m.checkFields(FIELDS);
        Scalar source = reference(m, set, "source", DefinitionKind.SOURCE);
        Scalar entity = reference(m, set, "entity", DefinitionKind.ENTITY);
        List<Feature> features = features(m);
        Meta meta = m.meta();
        if (!problems.addedSince(mark)) {
            set.groups.put(name, new FeatureGroup(name, source.value(), entity.value(), features, meta));
        }
    }

    private static Scalar reference(YamlMapping m, DefinitionSet set, String key, DefinitionKind target) {
        Scalar ref = m.required(key, "add " + key + ": <name of the " + target.yamlName() + ">");
        if (ref != null) {
            set.references.add(new Reference(target, ref, m.subject()));
        }
        return ref;
    }

    private static List<Feature> features(YamlMapping m) {
        Problems problems = m.problems();
        if (!m.has("features")) {
            problems.add(m.location(), m.subject() + " has no features",
                    "add features:, a list such as - { name: payment_count, agg: count, windows: [1h] }");
            return List.of();
        }
        List<Node> nodes = m.nodes("features", "- { name: payment_count, agg: count, windows: [1h] }");
        if (nodes == null) {
            return List.of();
        }
        if (nodes.isEmpty()) {
            problems.add(m.at("features"), "features of " + m.subject() + " is empty",
                    "list at least one feature, e.g. - { name: payment_count, agg: count, windows: [1h] }");
            return List.of();
        }
        List<Feature> features = new ArrayList<>();
        Map<String, Feature> byName = new HashMap<>();
        Map<String, Feature> byServedName = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Feature f = FeatureParser.parse(m.file(), nodes.get(i), i + 1, m.subject(), problems);
            if (f == null) {
                continue;
            }
            Feature first = byName.putIfAbsent(f.name(), f);
            if (first != null) {
                problems.add(f.meta().location(), "duplicate feature name '" + f.name() + "' in " + m.subject()
                        + " (first at line " + first.meta().location().line() + ")",
                        "rename one of them, e.g. " + f.name() + "_2, or merge their windows into one feature");
                continue;
            }
            if (servedNamesAreUnique(m, f, byServedName)) {
                features.add(f);
            }
        }
        return features;
    }

    /** Feature {@code a} with window 1h and lifetime feature {@code a_1h} would both serve {@code a_1h}. */
    private static boolean servedNamesAreUnique(YamlMapping m, Feature f, Map<String, Feature> byServedName) {
        boolean unique = true;
        for (String served : f.servedNames()) {
            Feature other = byServedName.putIfAbsent(served, f);
            if (other != null) {
                m.problems().add(f.meta().location(), "served name '" + served + "' of feature " + f.name()
                                + " is also served by feature " + other.name() + " (line "
                                + other.meta().location().line() + ") in " + m.subject(),
                        "rename one of the features; served names are <feature>_<window> and must be unique in a group");
                unique = false;
            }
        }
        return unique;
    }
}
