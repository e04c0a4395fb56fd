package dev.tessera.api;

import dev.tessera.api.YamlMapping.Scalar;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code kind: Entity}: a name and the event fields that identify one. */
final class EntityParser {
    static final List<String> FIELDS = List.of("kind", "name", "keys", "description", "owner", "tags");

    private EntityParser() {
    }

    static void parse(YamlMapping m, DefinitionSet set) {
        Problems problems = set.problems;
        int mark = problems.count();
        String name = set.declare(m, DefinitionKind.ENTITY);
        m.checkFields(FIELDS);
        List<Scalar> keys = m.list("keys", "[account_id]");
        if (!m.has("keys")) {
            problems.add(m.location(), m.subject() + " has no keys",
                    "add keys: [<field>], the event field(s) that identify one, e.g. keys: [account_id]");
        } else if (keys != null && keys.isEmpty()) {
            problems.add(m.at("keys"), "keys of " + m.subject() + " is empty",
                    "list the event field(s) that identify one, e.g. keys: [account_id]");
        } else if (keys != null) {
            checkKeys(m, keys);
        }
        Meta meta = m.meta();
        if (!problems.addedSince(mark)) {
            set.entities.put(name, new Entity(name, keys.stream().map(Scalar::value).toList(), meta));
        }
    }

    private static void checkKeys(YamlMapping m, List<Scalar> keys) {
        Map<String, Scalar> seen = new HashMap<>();
        for (Scalar key : keys) {
            if (!m.validField(key, "keys")) {
                continue;
            }
            Scalar first = seen.putIfAbsent(key.value(), key);
            if (first != null) {
                m.problems().add(key.at(), "key '" + key.value() + "' is listed twice in " + m.subject(),
                        "list each key field once, e.g. keys: [" + String.join(", ", seen.keySet()) + "]");
            }
        }
    }
}
