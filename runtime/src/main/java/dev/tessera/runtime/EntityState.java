package dev.tessera.runtime;

import dev.tessera.core.tile.EntityTiles;
import java.util.List;

/**
 * One entity's state in one group, as the runtime holds it: the tiles (which track which of them
 * changed since the last commit), the newest applied event time (the read time must be after it,
 * see {@link FeatureReader#read}), and whether it is already on the applier's list of entities to
 * commit. The applier thread writes it and serving threads read it, both under the object's monitor.
 */
final class EntityState {
    final String mapKey;
    final List<String> key;
    final EntityTiles tiles;
    long maxEventTime = Long.MIN_VALUE;
    /** On the applier's dirty list since the last commit. */
    boolean dirty;
    /** {@code TileKey.entityPrefix(group, key)}, computed on first commit. */
    byte[] prefix;
    /**
     * The number of the commit this entity's state belongs to but has not been encoded into yet (0
     * when none): whoever takes the monitor first — the commit writer, or the applier about to change
     * it — encodes it then (see {@link Checkpointer}). A number, not the commit's object: storing a
     * new commit's pointer into every changed (old) entity dirtied a card per entity per commit,
     * which G1's refinement and next young pause then scanned.
     */
    long frozenFor;
    /** Dropped from its group's map (no tiles left): an applier holding it must look the entity up again. */
    boolean removed;

    EntityState(String mapKey, List<String> key, EntityTiles tiles) {
        this.mapKey = mapKey;
        this.key = key;
        this.tiles = tiles;
    }
}
