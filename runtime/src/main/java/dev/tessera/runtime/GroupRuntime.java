package dev.tessera.runtime;

import dev.tessera.api.Entity;
import dev.tessera.api.FeatureGroup;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.GroupAggregator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** One feature group at run time: its compiled aggregator, how to key events, and its entities' state. */
final class GroupRuntime {
    final FeatureGroup group;
    final Entity entity;
    final GroupAggregator aggregator;
    final int[] keySlots;
    final ConcurrentHashMap<List<String>, EntityState> entities = new ConcurrentHashMap<>();
    /** Events of the source without a value for one of this group's key fields. */
    final AtomicLong missingKey = new AtomicLong();
    private final EntityTiles emptyTiles;

    GroupRuntime(FeatureGroup group, Entity entity, FieldLayout layout) {
        this.group = group;
        this.entity = entity;
        this.aggregator = GroupAggregator.compile(group, layout);
        this.keySlots = entity.keys().stream().mapToInt(layout::requireSlot).toArray();
        this.emptyTiles = aggregator.newEntity();
    }

    /** The entity key of {@code event} (canonical strings of the key fields), or null if one is missing. */
    List<String> keyOf(Event event) {
        if (keySlots.length == 1) {
            String v = keyString(event.get(keySlots[0]));
            return v == null ? null : List.of(v);
        }
        String[] parts = new String[keySlots.length];
        for (int i = 0; i < keySlots.length; i++) {
            parts[i] = keyString(event.get(keySlots[i]));
            if (parts[i] == null) {
                return null;
            }
        }
        return Arrays.asList(parts);
    }

    /** Key values are compared as text: {@code 42} and {@code "42"} name the same account. */
    static String keyString(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return s.isEmpty() ? null : s;
        }
        if (v instanceof Double d) {
            return d == Math.rint(d) && Math.abs(d) < 9.0e15 ? Long.toString(d.longValue()) : d.toString();
        }
        return v.toString();
    }

    EntityState stateFor(List<String> key) {
        EntityState s = entities.get(key);
        if (s == null) {
            s = new EntityState(List.copyOf(key), aggregator.newEntity());
            EntityState raced = entities.putIfAbsent(s.key, s);
            if (raced != null) {
                s = raced;
            }
        }
        return s;
    }

    FeatureValues read(List<String> key, long now) {
        EntityState s = entities.get(key);
        Object[] out = new Object[aggregator.servedNames().size()];
        long t = now;
        boolean found = s != null;
        if (found) {
            synchronized (s) {
                if (s.maxEventTime != Long.MIN_VALUE && s.maxEventTime >= t) {
                    t = s.maxEventTime + 1;
                }
                aggregator.read(s.tiles, t, out);
            }
        } else {
            aggregator.read(emptyTiles, t, out);
        }
        return new FeatureValues(group.name(), key, found, t, aggregator.servedNames(),
                java.util.Collections.unmodifiableList(new ArrayList<>(Arrays.asList(out))));
    }
}
