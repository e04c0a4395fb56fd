package dev.tessera.api;

import java.util.List;

/** What the console shows about any definition: description, owner, tags, and where it was declared. */
public record Meta(String description, String owner, List<String> tags, Location location) {
    public Meta {
        tags = List.copyOf(tags);
    }

    public static Meta at(Location location) {
        return new Meta(null, null, List.of(), location);
    }
}
