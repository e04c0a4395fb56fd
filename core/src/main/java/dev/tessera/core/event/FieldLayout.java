package dev.tessera.core.event;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Assigns each field name a source's definitions refer to (keys, timestamp, id, {@code of} fields,
 * fields in filters) a dense slot number. Built once per source; immutable.
 */
public final class FieldLayout {
    private final Map<String, Integer> slots;
    private final List<String> names;
    /** Fields that name things (an event id, entity keys): decoders keep their values exact where a number would round. */
    private final java.util.Set<String> identities;

    private FieldLayout(Map<String, Integer> slots, java.util.Set<String> identities) {
        this.slots = Collections.unmodifiableMap(slots);
        this.names = List.copyOf(slots.keySet());
        this.identities = java.util.Set.copyOf(identities);
    }

    public static FieldLayout of(Collection<String> fieldNames) {
        Map<String, Integer> slots = new LinkedHashMap<>();
        for (String name : fieldNames) {
            slots.putIfAbsent(name, slots.size());
        }
        return new FieldLayout(slots, java.util.Set.of());
    }

    /**
     * This layout with {@code names} (fields of it) marked as identities: an event id or entity key,
     * compared as text, whose value a decoder must not round (an integer id beyond 64 bits is kept as
     * its digits, where a value to aggregate becomes a double).
     */
    public FieldLayout withIdentities(Collection<String> names) {
        java.util.Set<String> all = new java.util.HashSet<>(identities);
        for (String n : names) {
            requireSlot(n);
            all.add(n);
        }
        return new FieldLayout(new LinkedHashMap<>(slots), all);
    }

    /** Whether the field at {@code slot} is an identity ({@link #withIdentities}). */
    public boolean isIdentity(int slot) {
        return !identities.isEmpty() && identities.contains(names.get(slot));
    }

    public static FieldLayout of(String... fieldNames) {
        return of(List.of(fieldNames));
    }

    /** The slot of {@code name}, or -1 when the layout has no such field. */
    public int slot(String name) {
        Integer s = slots.get(name);
        return s == null ? -1 : s;
    }

    /** The slot of {@code name}; throws when the layout lacks it (a bug in whoever built the layout). */
    public int requireSlot(String name) {
        Integer s = slots.get(name);
        if (s == null) {
            throw new IllegalArgumentException("field '" + name + "' is not in layout " + names);
        }
        return s;
    }

    public int size() {
        return names.size();
    }

    /** Field names in slot order. */
    public List<String> names() {
        return names;
    }

    /** A layout with {@code more} appended after this layout's fields (existing slots unchanged). */
    public FieldLayout with(Collection<String> more) {
        List<String> all = new ArrayList<>(names);
        all.addAll(more);
        return of(all).withIdentities(identities);
    }

    @Override
    public String toString() {
        return "FieldLayout" + names;
    }
}
