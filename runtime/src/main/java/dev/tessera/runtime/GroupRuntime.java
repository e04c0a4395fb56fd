package dev.tessera.runtime;

import dev.tessera.api.Entity;
import dev.tessera.api.FeatureGroup;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.GroupAggregator;
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
    /** By {@link #mapKey}: the key value itself, or the values joined by U+001F for composite keys. */
    final ConcurrentHashMap<String, EntityState> entities = new ConcurrentHashMap<>();
    /** Events of the source without a value for one of this group's key fields. */
    final AtomicLong missingKey = new AtomicLong();
    /** What an entity without state reads: every feature's empty value (immutable, so shared). */
    private final Object[] emptyValues;

    GroupRuntime(FeatureGroup group, Entity entity, FieldLayout layout) {
        this.group = group;
        this.entity = entity;
        this.aggregator = GroupAggregator.compile(group, layout);
        this.keySlots = entity.keys().stream().mapToInt(layout::requireSlot).toArray();
        this.emptyValues = new Object[aggregator.servedNames().size()];
        aggregator.read(aggregator.newEntity(), 0, emptyValues);
    }

    static final char KEY_SEPARATOR = EntityKeys.SEPARATOR;

    /** The map key of {@code event}'s entity (see {@link #entities}), or null if a key field is missing. */
    String keyOf(Event event) {
        return EntityKeys.of(event, keySlots);
    }

    static String mapKey(List<String> entityKey) {
        return entityKey.size() == 1 ? entityKey.get(0) : String.join(String.valueOf(KEY_SEPARATOR), entityKey);
    }

    static List<String> entityKey(String mapKey, int parts) {
        return parts == 1 ? List.of(mapKey) : List.of(mapKey.split(String.valueOf(KEY_SEPARATOR), -1));
    }

    /** See {@link EntityKeys#text}. */
    static String keyString(Object v) {
        return EntityKeys.text(v);
    }

    EntityState stateFor(String mapKey) {
        EntityState s = entities.get(mapKey);
        if (s == null) {
            s = new EntityState(mapKey, entityKey(mapKey, keySlots.length), aggregator.newEntity());
            EntityState raced = entities.putIfAbsent(mapKey, s);
            if (raced != null) {
                s = raced;
            }
        }
        return s;
    }

    FeatureValues read(List<String> key, long now) {
        EntityState s = entities.get(mapKey(key));
        Object[] out = new Object[aggregator.servedNames().size()];
        long t = now;
        boolean found = s != null;
        if (found) {
            synchronized (s) {
                t = readInto(s.tiles, s.maxEventTime, now, out);
            }
        } else {
            System.arraycopy(emptyValues, 0, out, 0, out.length);
        }
        return values(key, found, t, out);
    }

    /**
     * Reads every served feature of an entity's {@code tiles} into {@code out} at the read time of
     * {@link FeatureReader#read} ({@code now}, or just after {@code maxEventTime} when that is not
     * before {@code now}); returns that time. The caller holds whatever guards {@code tiles}.
     */
    long readInto(EntityTiles tiles, long maxEventTime, long now, Object[] out) {
        long t = now;
        if (maxEventTime != Long.MIN_VALUE && maxEventTime >= t) {
            t = maxEventTime + 1;
        }
        aggregator.read(tiles, t, out);
        return t;
    }

    /** What an entity without state reads at {@code now}. */
    FeatureValues emptyValues(List<String> key, long now) {
        return values(key, false, now, emptyValues.clone());
    }

    /** The answer holding {@code out} itself (not a copy: every caller passes an array of its own, read into for this answer). */
    FeatureValues values(List<String> key, boolean found, long asOf, Object[] out) {
        return new FeatureValues(group.name(), key, found, asOf, aggregator.servedNames(),
                java.util.Collections.unmodifiableList(Arrays.asList(out)));
    }
}
