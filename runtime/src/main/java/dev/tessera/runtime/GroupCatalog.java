package dev.tessera.runtime;

import java.util.List;
import java.util.Map;

/**
 * What every {@link FeatureReader} answers from its compiled groups alone: their names, served
 * features and entity keys, and the lookup by name with the error that lists the groups. The live
 * runtime's reader and {@link StoreFeatureReader} differ only in where values come from.
 */
abstract class GroupCatalog implements FeatureReader {
    /** The compiled groups by name, in definition order. */
    abstract Map<String, GroupRuntime> groupsByName();

    @Override
    public List<String> groups() {
        return List.copyOf(groupsByName().keySet());
    }

    @Override
    public List<String> servedNames(String group) {
        return group(group).aggregator.servedNames();
    }

    @Override
    public List<String> entityKeyFields(String group) {
        return group(group).entity.keys();
    }

    GroupRuntime group(String name) {
        GroupRuntime g = groupsByName().get(name);
        if (g == null) {
            throw new IllegalArgumentException("no feature group named '" + name + "'; groups: " + groupsByName().keySet());
        }
        return g;
    }
}
