package dev.tessera.api;

import dev.tessera.api.DefinitionSet.ServiceDraft;
import dev.tessera.api.YamlMapping.Scalar;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code kind: FeatureService}: an ordered list of {@code group.served_name} and {@code group.*}
 * selectors. Their syntax is checked here; what they name, once every group is read.
 */
final class FeatureServiceParser {
    static final List<String> FIELDS = List.of("kind", "name", "features", "description", "owner", "tags");
    static final Pattern SELECTOR = Pattern.compile("([a-z][a-z0-9_]*)\\.(\\*|[a-z][a-z0-9_]*)");
    private static final String EXAMPLE = "[account_payments.declined_count_1h, account_logins.*]";

    private FeatureServiceParser() {
    }

    static void parse(YamlMapping m, DefinitionSet set) {
        Problems problems = set.problems;
        int mark = problems.count();
        String name = set.declare(m, DefinitionKind.FEATURE_SERVICE);
        m.checkFields(FIELDS);
        List<Scalar> selectors = new ArrayList<>();
        if (!m.has("features")) {
            problems.add(m.location(), m.subject() + " has no features",
                    "add features: " + EXAMPLE + " (group.served_name, or group.* for all of a group)");
        } else {
            List<Scalar> items = m.list("features", EXAMPLE);
            if (items != null && items.isEmpty()) {
                problems.add(m.at("features"), "features of " + m.subject() + " is empty",
                        "list the features the model consumes, e.g. features: " + EXAMPLE);
            }
            for (Scalar item : items == null ? List.<Scalar>of() : items) {
                if (SELECTOR.matcher(item.value().trim()).matches()) {
                    selectors.add(new Scalar(item.value().trim(), item.at()));
                } else {
                    problems.add(item.at(), "'" + item.value() + "' in " + m.subject() + " is not a feature"
                            + " selector", "write <group>.<served name> (e.g. account_payments.declined_count_1h)"
                            + " or <group>.* for every feature of a group");
                }
            }
        }
        Meta meta = m.meta();
        set.services.add(new ServiceDraft(name, m.subject(), m.location(), selectors, meta,
                name != null && !problems.addedSince(mark)));
    }
}
