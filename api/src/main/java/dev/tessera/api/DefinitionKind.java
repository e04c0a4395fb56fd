package dev.tessera.api;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The {@code kind:} of a YAML definition document. */
enum DefinitionKind {
    ENTITY("Entity", "entity", "entities"),
    SOURCE("Source", "source", "sources"),
    FEATURE_GROUP("FeatureGroup", "group", "groups"),
    FEATURE_SERVICE("FeatureService", "service", "services");

    private final String yamlName;
    private final String noun;
    private final String plural;

    DefinitionKind(String yamlName, String noun, String plural) {
        this.yamlName = yamlName;
        this.noun = noun;
        this.plural = plural;
    }

    String yamlName() {
        return yamlName;
    }

    /** How messages name one: "source payments". */
    String noun() {
        return noun;
    }

    String plural() {
        return plural;
    }

    static Optional<DefinitionKind> fromYaml(String name) {
        return Arrays.stream(values()).filter(k -> k.yamlName.equals(name)).findFirst();
    }

    static List<String> yamlNames() {
        return Arrays.stream(values()).map(DefinitionKind::yamlName).toList();
    }
}
