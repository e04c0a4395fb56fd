package dev.tessera.api;

import dev.tessera.api.DefinitionSet.Reference;
import dev.tessera.api.DefinitionSet.ServiceDraft;
import dev.tessera.api.YamlMapping.Scalar;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * The checks that need every file read: a group's source and entity exist, and a service's
 * selectors name existing served features, each once. Services are resolved here.
 *
 * <p>A name declared by a definition that is itself invalid is not "unknown": that definition's
 * own problems are reported, and references to it are not reported again. When a file could not be
 * read to its end (a YAML syntax error), unknown names are not reported at all, since they may be
 * declared in the unread part.
 */
final class CrossReferences {
    private CrossReferences() {
    }

    static Map<String, FeatureService> check(DefinitionSet set) {
        for (Reference r : set.references) {
            String name = r.name().value();
            if (!set.isDeclared(r.target(), name) && !set.incomplete()) {
                set.problems.add(r.name().at(), r.subject() + " refers to unknown " + r.target().noun() + " '"
                        + name + "'", ClosestNames.hint(name, set.declaredNames(r.target()), "declared " + r.target().plural()));
            }
        }
        Map<String, FeatureService> services = new LinkedHashMap<>();
        for (ServiceDraft draft : set.services) {
            resolve(draft, set).ifPresent(s -> services.put(s.name(), s));
        }
        return services;
    }

    private static Optional<FeatureService> resolve(ServiceDraft draft, DefinitionSet set) {
        Problems problems = set.problems;
        boolean valid = draft.valid();
        List<FeatureRef> features = new ArrayList<>();
        Map<FeatureRef, Scalar> listedBy = new HashMap<>();
        for (Scalar selector : draft.selectors()) {
            Matcher parts = FeatureServiceParser.SELECTOR.matcher(selector.value());
            if (!parts.matches()) {
                throw new IllegalStateException("selector was checked when parsed: " + selector.value());
            }
            String groupName = parts.group(1);
            String served = parts.group(2);
            FeatureGroup group = set.groups.get(groupName);
            if (group == null) {
                valid = false;
                if (!set.isDeclared(DefinitionKind.FEATURE_GROUP, groupName) && !set.incomplete()) {
                    problems.add(selector.at(), draft.subject() + " names unknown group '" + groupName + "'",
                            ClosestNames.hint(groupName, set.declaredNames(DefinitionKind.FEATURE_GROUP),
                            "declared groups"));
                }
                continue;
            }
            if (!served.equals("*") && !group.servedNames().contains(served)) {
                valid = false;
                problems.add(selector.at(), draft.subject() + " names unknown feature '" + served + "' of group "
                        + groupName, unknownFeatureHint(group, served));
                continue;
            }
            for (String name : served.equals("*") ? group.servedNames() : List.of(served)) {
                FeatureRef ref = new FeatureRef(groupName, name);
                Scalar first = listedBy.putIfAbsent(ref, selector);
                if (first == null) {
                    features.add(ref);
                    continue;
                }
                valid = false;
                String how = first.value().equals(selector.value()) ? ""
                        : " (by " + first.value() + " at line " + first.at().line() + " and by " + selector.value() + ")";
                boolean wildcard = first.value().endsWith(".*") || selector.value().endsWith(".*");
                problems.add(selector.at(), ref + " is listed twice in " + draft.subject() + how,
                        wildcard ? "list each feature once; " + groupName + ".* already includes every feature of the group"
                                : "list each feature once: remove this entry");
            }
        }
        return valid ? Optional.of(new FeatureService(draft.name(), draft.selectors().stream().map(Scalar::value)
                .toList(), features, draft.meta())) : Optional.empty();
    }

    /** A windowed feature named without its window gets the served names to choose from. */
    private static String unknownFeatureHint(FeatureGroup group, String served) {
        for (Feature f : group.features()) {
            if (f.name().equals(served) && !f.lifetime()) {
                return "feature " + served + " is served per window; name one: "
                        + String.join(", ", f.servedNames().stream().map(n -> group.name() + "." + n).toList())
                        + ", or " + group.name() + ".* for the whole group";
            }
        }
        return ClosestNames.hint(served, group.servedNames(), "served features of " + group.name());
    }
}
