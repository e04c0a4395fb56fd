package dev.tessera.api;

import java.util.List;

/**
 * What the console shows about any definition: description, owner, tags, and where it was declared;
 * {@code valuesAt}: where some of its values were written (a feature's {@code of} and {@code where}),
 * so a problem with a value points at it rather than at the start of the definition.
 */
public record Meta(String description, String owner, List<String> tags, Location location, java.util.Map<String, Location> valuesAt) {
    public Meta {
        tags = List.copyOf(tags);
        valuesAt = java.util.Map.copyOf(valuesAt);
    }

    public Meta(String description, String owner, List<String> tags, Location location) {
        this(description, owner, tags, location, java.util.Map.of());
    }

    /** Where the value of {@code key} was written; the definition's location when not recorded. */
    public Location locationOf(String key) {
        return valuesAt.getOrDefault(key, location);
    }

    public static Meta at(Location location) {
        return new Meta(null, null, List.of(), location);
    }
}
