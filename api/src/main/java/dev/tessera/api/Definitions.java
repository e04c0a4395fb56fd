package dev.tessera.api;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * A complete, validated set of definitions, loaded together from one folder. Immutable; maps keep
 * declaration order. {@code version} is a content hash of the files, so two loads of the same
 * folder compare equal and any edit changes it.
 */
public record Definitions(
        Map<String, Entity> entities,
        Map<String, Source> sources,
        Map<String, FeatureGroup> groups,
        Map<String, FeatureService> services,
        String version) {
    public Definitions {
        entities = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(entities));
        sources = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sources));
        groups = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(groups));
        services = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(services));
    }

    public Optional<FeatureGroup> group(String name) {
        return Optional.ofNullable(groups.get(name));
    }

    public Optional<FeatureService> service(String name) {
        return Optional.ofNullable(services.get(name));
    }

    public Optional<Source> source(String name) {
        return Optional.ofNullable(sources.get(name));
    }

    public Optional<Entity> entity(String name) {
        return Optional.ofNullable(entities.get(name));
    }

    /** The entity a group is keyed by; present for every group of a validated set. */
    public Entity entityOf(FeatureGroup group) {
        return entities.get(group.entity());
    }

    /** The source a group reads; present for every group of a validated set. */
    public Source sourceOf(FeatureGroup group) {
        return sources.get(group.source());
    }

    public Collection<FeatureGroup> groupsOf(Source source) {
        return groups.values().stream().filter(g -> g.source().equals(source.name())).toList();
    }
}
