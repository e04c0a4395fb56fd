package dev.tessera.api;

import dev.tessera.api.YamlMapping.Scalar;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The definitions of one folder while they load: every name declared (valid or not, so one bad
 * definition does not make every reference to it "unknown" too), the definitions that are valid so
 * far, and the references between them to check once every file is read.
 */
final class DefinitionSet {
    /** A name in one definition that must name a definition of {@code target} kind. */
    record Reference(DefinitionKind target, Scalar name, String subject) {
    }

    /** A service as written, resolved against the groups once all are read. */
    record ServiceDraft(String name, String subject, Location at, List<Scalar> selectors, Meta meta, boolean valid) {
    }

    final Path dir;
    final Problems problems;
    final Map<String, Entity> entities = new LinkedHashMap<>();
    final Map<String, Source> sources = new LinkedHashMap<>();
    final Map<String, FeatureGroup> groups = new LinkedHashMap<>();
    final List<ServiceDraft> services = new ArrayList<>();
    final List<Reference> references = new ArrayList<>();
    /** Schema files sources refer to, relative to {@link #dir}; part of the version. */
    final Set<String> schemaFiles = new LinkedHashSet<>();
    private final Map<DefinitionKind, Map<String, Location>> declared = new EnumMap<>(DefinitionKind.class);
    private boolean incomplete;

    DefinitionSet(Path dir, Problems problems) {
        this.dir = dir;
        this.problems = problems;
        for (DefinitionKind kind : DefinitionKind.values()) {
            declared.put(kind, new LinkedHashMap<>());
        }
    }

    /**
     * Reads and checks a definition's name and records it as declared; names the mapping after it
     * in later messages ("source payments"). Reports a missing, malformed or duplicate name.
     *
     * @return the name, or null when it is missing or malformed
     */
    String declare(YamlMapping m, DefinitionKind kind) {
        Scalar name = m.required("name", "add name: <lower_snake_case>, the " + kind.noun() + "'s unique name");
        if (name == null) {
            return null;
        }
        if (!YamlMapping.NAME.matcher(name.value()).matches()) {
            problems.add(name.at(), "name '" + name.value() + "' of " + m.subject() + " is not valid: names start"
                    + " with a lower-case letter and use only a-z, 0-9 and _", "try name: " + YamlMapping.suggestedName(name.value()));
            return null;
        }
        m.describeAs(kind.noun() + " " + name.value());
        Location first = declared.get(kind).putIfAbsent(name.value(), name.at());
        if (first != null) {
            problems.add(name.at(), "duplicate " + kind.noun() + " name '" + name.value() + "': another "
                    + kind.yamlName() + " at " + first + " has the same name",
                    "rename one of them or delete the duplicate; names are unique within each kind");
        }
        return name.value();
    }

    boolean isDeclared(DefinitionKind kind, String name) {
        return declared.get(kind).containsKey(name);
    }

    Collection<String> declaredNames(DefinitionKind kind) {
        return declared.get(kind).keySet();
    }

    /** A file could not be read to its end, so a name that looks unknown may be declared in the unread part. */
    void markIncomplete() {
        incomplete = true;
    }

    boolean incomplete() {
        return incomplete;
    }
}
