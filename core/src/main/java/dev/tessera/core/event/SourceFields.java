package dev.tessera.core.event;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.tile.GroupAggregator;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields a source's events must be decoded into: the timestamp, the id, the key fields of every
 * entity its groups are keyed by, every field the groups aggregate or filter on, and then every field
 * the source's quality rules ({@code expect:}) check, last, so adding a rule moves no other slot. Every engine
 * decodes through this layout, so they all read the same fields the same way. The id and the keys are
 * identities ({@link FieldLayout#withIdentities}): an integer beyond 64 bits there is kept as its digits,
 * so two such ids (or accounts) stay two.
 */
public final class SourceFields {
    private SourceFields() {}

    public static FieldLayout layout(Definitions defs, Source source) {
        List<String> fields = new ArrayList<>();
        add(fields, source.timestamp());
        List<String> identities = new ArrayList<>();
        if (source.id() != null) {
            add(fields, source.id());
            identities.add(source.id());
        }
        for (FeatureGroup g : defs.groupsOf(source)) {
            for (String key : defs.entityOf(g).keys()) {
                add(fields, key);
                identities.add(key);
            }
        }
        for (FeatureGroup g : defs.groupsOf(source)) {
            for (String f : GroupAggregator.requiredFields(g)) {
                add(fields, f);
            }
        }
        for (String f : source.expectations().keySet()) {
            add(fields, f);
        }
        return FieldLayout.of(fields).withIdentities(identities);
    }

    private static void add(List<String> fields, String name) {
        if (!fields.contains(name)) {
            fields.add(name);
        }
    }
}
