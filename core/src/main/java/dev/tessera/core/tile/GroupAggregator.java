package dev.tessera.core.tile;

import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.TimeSpan;
import dev.tessera.api.filter.FilterParser;
import dev.tessera.core.agg.Aggregator;
import dev.tessera.core.agg.Aggregators;
import dev.tessera.core.agg.Ir;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.filter.EventPredicate;
import dev.tessera.core.filter.FilterCompiler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One feature group compiled for execution: applies events to an entity's tiles and reads every
 * served feature back at a time {@code t}. This is the whole aggregation path; the stream runtime,
 * the Flink job, backfill and training sets all drive this class and never re-implement it.
 *
 * <h2>Compilation</h2>
 * <ul>
 *   <li><b>Specs</b>: features are reduced to distinct aggregations (agg, of, where, k, p). Two
 *       features that differ only in windows share one spec; so do windows sharing a hop.</li>
 *   <li><b>Hops</b>: every distinct hop length of the group (windows of 1d and 7d both use 1h) gets
 *       a {@link TileRing} per entity; lifetime features share one single-tile ring.
 *       A tile of hop {@code h} holds one IR <i>slot</i> per spec used at that hop.</li>
 *   <li><b>Served features</b>: each served name ({@code declined_count_1h}) points at (hop, slot,
 *       window). Reading merges the slot's IRs over the window's tiles ({@link WindowSpec}).</li>
 * </ul>
 *
 * <h2>Apply</h2>
 * For each spec, the filter (compiled once, shared by specs with the same text and evaluated at most
 * once per event) and the value ({@code of}; null, missing, NaN and ±Infinity are skipped, the last
 * two counted as quality issues) decide whether the event counts; if so its value is added to the
 * slot IR of the tile {@code floor_h(event_time)} of every hop the spec uses. Slot IRs are created
 * lazily, so a rarely matching filter costs nothing in tiles it never matched.
 *
 * <h2>Read precondition</h2>
 * A read at {@code t} is exact when no event with {@code event_time >= t} was applied to a tile that
 * starts before {@code t} (only the newest tile of a window can straddle {@code t}). Callers keep it
 * by applying in time order (offline) or holding back future events (runtime).
 *
 * <p>Immutable and thread-safe; {@link EntityTiles} are not.
 */
public final class GroupAggregator {
    private final FeatureGroup group;
    private final FieldLayout layout;
    private final EventPredicate[] filters;
    private final Spec[] specs;
    private final Hop[] hops;
    /** Per hop: {@link TileLayouts#idOf} of its slot fingerprints. */
    private final long[] layoutIds;
    /** Per hop: how its rings store the slots (fixed kinds as words, ADR 012). */
    private final RingLayout[] ringLayouts;
    private final Served[] served;
    private final List<String> servedNames;
    private final Map<String, Integer> servedIndex;

    private record Spec(int valueSlot, int filter, int[] hopIdx, int[] slotIdx) {}

    /**
     * One hop length: which spec each slot of its tiles holds (and whether this hop is the spec's
     * first placement, where {@link #apply} counts its non-finite values), and how long tiles must be kept.
     */
    private record Hop(long hopMillis, long retainMillis, Aggregator[] slotAggregators, long[] slotFingerprints,
                       int[] slotSpecs, boolean[] firstPlacement) {}

    private record Served(String name, int hop, int slot, WindowSpec window, Aggregator aggregator) {}

    private GroupAggregator(FeatureGroup group, FieldLayout layout, EventPredicate[] filters, Spec[] specs,
                            Hop[] hops, Served[] served) {
        this.group = group;
        this.layout = layout;
        this.filters = filters;
        this.specs = specs;
        this.hops = hops;
        this.layoutIds = new long[hops.length];
        this.ringLayouts = new RingLayout[hops.length];
        for (int h = 0; h < hops.length; h++) {
            layoutIds[h] = TileLayouts.idOf(hops[h].slotFingerprints);
            ringLayouts[h] = RingLayout.of(hops[h].slotAggregators);
        }
        this.served = served;
        List<String> names = new ArrayList<>(served.length);
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < served.length; i++) {
            names.add(served[i].name);
            index.put(served[i].name, i);
        }
        this.servedNames = List.copyOf(names);
        this.servedIndex = index;
    }

    /**
     * Compiles a validated group against the field layout of its source (which must contain every
     * {@code of} field and every field its filters use; see {@link #requiredFields}).
     */
    public static GroupAggregator compile(FeatureGroup group, FieldLayout layout) {
        Map<String, Integer> filterIds = new LinkedHashMap<>();
        List<EventPredicate> filters = new ArrayList<>();
        Map<String, Integer> specIds = new LinkedHashMap<>();
        List<Feature> specFeatures = new ArrayList<>();
        Map<Long, List<Integer>> specsByHop = new LinkedHashMap<>(); // hop millis -> spec ids (slot order)
        Map<Long, Long> retainByHop = new LinkedHashMap<>();
        List<Object[]> servedRaw = new ArrayList<>(); // {name, hopMillis, specId, WindowSpec}

        for (Feature f : group.features()) {
            String key = specKey(f);
            Integer specId = specIds.get(key);
            if (specId == null) {
                specId = specFeatures.size();
                specIds.put(key, specId);
                specFeatures.add(f);
                if (f.where() != null && !f.where().isBlank() && !filterIds.containsKey(f.where().trim())) {
                    filterIds.put(f.where().trim(), filters.size());
                    filters.add(FilterCompiler.compile(FilterParser.parse(f.where()), layout));
                }
            }
            if (f.lifetime()) {
                addSpecToHop(specsByHop, WindowSpec.LIFETIME, specId);
                retainByHop.merge(WindowSpec.LIFETIME, Long.MAX_VALUE, Math::max);
                servedRaw.add(new Object[] {f.name(), WindowSpec.LIFETIME, specId, WindowSpec.lifetime()});
            } else {
                for (TimeSpan w : f.windows()) {
                    TimeSpan hop = f.hopFor(w);
                    addSpecToHop(specsByHop, hop.millis(), specId);
                    retainByHop.merge(hop.millis(), w.millis(), Math::max);
                    servedRaw.add(new Object[] {f.servedName(w), hop.millis(), specId, WindowSpec.of(w, hop)});
                }
            }
        }

        List<Long> hopOrder = new ArrayList<>(specsByHop.keySet());
        Hop[] hops = new Hop[hopOrder.size()];
        List<List<int[]>> placements = new ArrayList<>(); // per spec: {hopIdx, slotIdx}
        for (int s = 0; s < specFeatures.size(); s++) {
            placements.add(new ArrayList<>());
        }
        for (int h = 0; h < hops.length; h++) {
            long hopMillis = hopOrder.get(h);
            List<Integer> slotSpecs = specsByHop.get(hopMillis);
            Aggregator[] aggs = new Aggregator[slotSpecs.size()];
            long[] fps = new long[slotSpecs.size()];
            int[] specOfSlot = new int[slotSpecs.size()];
            boolean[] first = new boolean[slotSpecs.size()];
            for (int slot = 0; slot < aggs.length; slot++) {
                Feature f = specFeatures.get(slotSpecs.get(slot));
                aggs[slot] = Aggregators.create(f.agg(), f.k(), f.p());
                fps[slot] = fingerprint(specKey(f));
                specOfSlot[slot] = slotSpecs.get(slot);
                first[slot] = placements.get(slotSpecs.get(slot)).isEmpty();
                placements.get(slotSpecs.get(slot)).add(new int[] {h, slot});
            }
            hops[h] = new Hop(hopMillis, retainByHop.get(hopMillis), aggs, fps, specOfSlot, first);
        }

        Spec[] specs = new Spec[specFeatures.size()];
        for (int s = 0; s < specs.length; s++) {
            Feature f = specFeatures.get(s);
            List<int[]> where = placements.get(s);
            int[] hopIdx = where.stream().mapToInt(p -> p[0]).toArray();
            int[] slotIdx = where.stream().mapToInt(p -> p[1]).toArray();
            int valueSlot = f.of() == null ? -1 : layout.requireSlot(f.of());
            int filter = f.where() == null || f.where().isBlank() ? -1 : filterIds.get(f.where().trim());
            specs[s] = new Spec(valueSlot, filter, hopIdx, slotIdx);
        }

        Served[] served = new Served[servedRaw.size()];
        for (int i = 0; i < served.length; i++) {
            Object[] r = servedRaw.get(i);
            int h = hopOrder.indexOf((Long) r[1]);
            int slot = specsByHop.get((Long) r[1]).indexOf((Integer) r[2]);
            served[i] = new Served((String) r[0], h, slot, (WindowSpec) r[3], hops[h].slotAggregators[slot]);
        }
        if (filters.size() > 64) {
            throw new IllegalArgumentException("group " + group.name() + " has " + filters.size()
                    + " distinct filters; at most 64 are supported");
        }
        return new GroupAggregator(group, layout, filters.toArray(EventPredicate[]::new), specs, hops, served);
    }

    private static void addSpecToHop(Map<Long, List<Integer>> specsByHop, long hop, int specId) {
        List<Integer> slots = specsByHop.computeIfAbsent(hop, h -> new ArrayList<>());
        if (!slots.contains(specId)) {
            slots.add(specId);
        }
    }

    /** Identity of an aggregation's state: what must match for stored IRs to be reused. */
    private static String specKey(Feature f) {
        return f.agg().yamlName() + "|" + (f.of() == null ? "" : f.of()) + "|"
                + (f.where() == null ? "" : f.where().trim()) + "|" + f.k() + "|"
                + (Double.isNaN(f.p()) ? "" : Double.toString(f.p()));
    }

    /** FNV-1a 64 of the spec key: stable across JVMs and releases (stored in tiles). */
    static long fingerprint(String specKey) {
        long h = 0xcbf29ce484222325L;
        for (byte b : specKey.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** Fields of the source events this group reads ({@code of} fields and filter fields), in first-use order. */
    public static List<String> requiredFields(FeatureGroup group) {
        List<String> fields = new ArrayList<>();
        for (Feature f : group.features()) {
            if (f.of() != null && !fields.contains(f.of())) {
                fields.add(f.of());
            }
            if (f.where() != null && !f.where().isBlank()) {
                for (String name : FilterParser.parse(f.where()).fieldNames()) {
                    if (!fields.contains(name)) {
                        fields.add(name);
                    }
                }
            }
        }
        return fields;
    }

    public FeatureGroup group() {
        return group;
    }

    public FieldLayout layout() {
        return layout;
    }

    /** A new, empty per-entity state. */
    public EntityTiles newEntity() {
        return new EntityTiles(ringLayouts);
    }

    /** A new entity whose rings keep every slot as an IR object (no fixed slots in words): for tests of the two layouts. */
    EntityTiles newEntityWithObjectSlots() {
        RingLayout[] layouts = new RingLayout[hops.length];
        for (int h = 0; h < hops.length; h++) {
            layouts[h] = RingLayout.allObjects(hops[h].slotAggregators);
        }
        return new EntityTiles(layouts);
    }

    /**
     * Applies one event (already deduplicated and accepted by the lateness rule) to an entity.
     *
     * @return how many non-finite values (NaN, ±Infinity) the event carried in aggregated fields;
     *         they are treated as null and should be reported as a quality issue
     */
    public int apply(EntityTiles entity, Event event, long eventTime, String eventId) {
        // hop by hop, so each ring is asked for its tile (and the tile start divided out) once per
        // event rather than once per aggregation placed in it; a tile is still created only when
        // some slot of it takes a value, and each IR sees the same adds as spec by spec
        int nonFinite = 0;
        long evaluated = 0;
        long passed = 0;
        for (int h = 0; h < hops.length; h++) {
            Hop hop = hops[h];
            int[] slotSpecs = hop.slotSpecs;
            TileRing ring = entity.rings[h];
            int tile = -1; // the tile's index once asked for
            boolean evicted = false;
            for (int slot = 0; slot < slotSpecs.length; slot++) {
                Spec spec = specs[slotSpecs[slot]];
                if (spec.filter >= 0) {
                    long bit = 1L << spec.filter;
                    if ((evaluated & bit) == 0) {
                        evaluated |= bit;
                        if (filters[spec.filter].test(event)) {
                            passed |= bit;
                        }
                    }
                    if ((passed & bit) == 0) {
                        continue;
                    }
                }
                Object value;
                if (spec.valueSlot < 0) {
                    value = Boolean.TRUE;
                } else {
                    value = event.get(spec.valueSlot);
                    if (value == null) {
                        continue;
                    }
                    if (value instanceof Double d && !Double.isFinite(d)) {
                        if (hop.firstPlacement[slot]) {
                            nonFinite++; // counted once per aggregation, not per hop
                        }
                        continue;
                    }
                }
                if (tile < 0) {
                    if (evicted) {
                        continue;
                    }
                    tile = ring.getOrCreateIndex(tileStart(h, eventTime));
                    if (tile < 0) {
                        evicted = true; // before the eviction horizon: can no longer change any read
                        continue;
                    }
                }
                ring.add(tile, slot, value, eventTime, eventId);
            }
        }
        return nonFinite;
    }

    /** Served feature names in declaration order (the order of {@link #read(EntityTiles, long, Object[])}). */
    public List<String> servedNames() {
        return servedNames;
    }

    /** Index of a served name, or -1. */
    public int servedIndex(String servedName) {
        Integer i = servedIndex.get(servedName);
        return i == null ? -1 : i;
    }

    /** Reads every served feature at {@code t} into {@code out} (length {@code servedNames().size()}). */
    public void read(EntityTiles entity, long t, Object[] out) {
        for (int i = 0; i < served.length; i++) {
            out[i] = read(entity, t, i);
        }
    }

    /** Reads every served feature at {@code t}, keyed by served name, in declaration order. */
    public Map<String, Object> readAll(EntityTiles entity, long t) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < served.length; i++) {
            values.put(served[i].name, read(entity, t, i));
        }
        return values;
    }

    private static final Object NULL_RESULT = new Object();
    /** Cache markers: the result is a {@code Long} / {@code Double} whose bits are in {@code cachedBits}. */
    private static final Object LONG_RESULT = new Object();
    private static final Object DOUBLE_RESULT = new Object();

    /**
     * Brings {@code entity}'s read cache up to time {@code t} if it has one, as a read at {@code t}
     * would, without counting as a read ({@link #releaseUnreadCache} still drops the cache of an
     * entity nobody reads). The runtime calls it from a background pass after each hour boundary
     * (ADR 016), so that windows slide there, off the read path: a read right after the entity's
     * next event then only takes in the former head tile instead of also dropping every window's
     * oldest tiles, which are cold by then. Values never change: the cache never changes one.
     * Same threading rule as {@link #read}. Returns whether there was a cache to refresh.
     *
     * @param scratch where the values land (discarded); length {@code servedNames().size()}
     */
    public boolean refreshReadCache(EntityTiles entity, long t, Object[] scratch) {
        if (entity.cachedResults == null) {
            return false;
        }
        boolean read = entity.readSinceRelease;
        read(entity, t, scratch);
        entity.readSinceRelease = read;
        return true;
    }

    /**
     * Drops {@code entity}'s read cache (results and merged prefixes) if it was not read since the
     * previous call, and starts a new period either way. The runtime calls it from its periodic
     * sweep, so an entity keeps its cache while it is read at least once a sweep interval; the
     * caches of entities nobody reads any more (up to hundreds of KB each, ADR 011) are released. The
     * next read folds the windows again and gives the same answers (the cache never changes one).
     * Same threading rule as {@link #read}. Returns whether a cache was dropped.
     */
    public boolean releaseUnreadCache(EntityTiles entity) {
        if (entity.readSinceRelease) {
            entity.readSinceRelease = false;
            return false;
        }
        if (entity.cachedResults == null) {
            return false;
        }
        entity.cachedResults = null;
        entity.cachedBits = null;
        entity.cachedMods = null;
        entity.cachedRanges = null;
        entity.prefixes = null;
        return true;
    }

    /**
     * Reads one served feature (by index into {@link #servedNames()}) at {@code t}.
     *
     * <h3>Read cache</h3>
     * A result depends only on the tiles {@code [from, to)} of one ring, so it is kept per entity
     * and feature with the ring's {@link TileRing#modCount()} and that range, and returned as is
     * while both are unchanged: an entity read again before its next event, within the same hops,
     * costs two binary searches per feature instead of merging its windows' tiles. Otherwise the
     * window's prefix ({@link WindowPrefixes}: every tile but the last, kept once) is combined with
     * its last tile, so a read right after an event touches one IR per feature instead of the whole
     * window; when the window's start slides past a tile, the prefix drops it (ADR 011) instead of
     * being made again. Results equal {@link #readFullMerge} bit for bit. Results are
     * immutable (boxed numbers, strings, unmodifiable lists), so sharing them is safe; the cache
     * lives in {@link EntityTiles} and shares its threading rule (one thread at a time).
     */
    public Object read(EntityTiles entity, long t, int servedFeature) {
        Served s = served[servedFeature];
        TileRing ring = entity.rings[s.hop];
        int from;
        int to;
        if (s.window.isLifetime()) {
            from = 0;
            to = ring.size();
        } else {
            from = ring.firstIndexAtOrAfter(s.window.startAt(t));
            to = ring.endIndexBefore(t);
        }
        if (from >= to) {
            return s.aggregator.emptyResult();
        }
        entity.readSinceRelease = true;
        if (entity.cachedResults == null) {
            entity.cachedResults = new Object[served.length];
            entity.cachedBits = new long[served.length];
            entity.cachedMods = new long[served.length];
            entity.cachedRanges = new int[served.length];
            entity.prefixes = new WindowPrefixes(served.length);
        }
        long mod = ring.modCount();
        int range = from < 0x10000 && to < 0x10000 ? from << 16 | to : -1;
        Object cached = entity.cachedResults[servedFeature];
        if (cached != null && range != -1 && entity.cachedMods[servedFeature] == mod && entity.cachedRanges[servedFeature] == range) {
            if (cached == LONG_RESULT) {
                return entity.cachedBits[servedFeature];
            }
            if (cached == DOUBLE_RESULT) {
                return Double.longBitsToDouble(entity.cachedBits[servedFeature]);
            }
            return cached == NULL_RESULT ? null : cached;
        }
        Object result = entity.prefixes.read(ring, from, to, s.slot, s.aggregator, servedFeature);
        // The cache lives as long as the entity is read, so it is old; whatever it points to that is
        // new is a young object every collection must reach from an old card and copy. Serving 10,000
        // entities without ingest, the results that changed as windows slid were ~10,000 such pointers
        // per young pause, most of its time (ADR 007, "numbers cached as bits"). So numbers are kept as
        // bits (the read boxes them: garbage that dies young), and an unchanged object is not replaced.
        if (result instanceof Long l) {
            entity.cachedResults[servedFeature] = LONG_RESULT;
            entity.cachedBits[servedFeature] = l;
        } else if (result instanceof Double d) {
            entity.cachedResults[servedFeature] = DOUBLE_RESULT;
            entity.cachedBits[servedFeature] = Double.doubleToRawLongBits(d);
        } else {
            Object kept = result == null ? NULL_RESULT : result;
            if (kept.equals(cached)) {
                result = cached == NULL_RESULT ? null : cached;
            } else {
                entity.cachedResults[servedFeature] = kept;
            }
        }
        entity.cachedMods[servedFeature] = mod;
        entity.cachedRanges[servedFeature] = range;
        return result;
    }

    /**
     * The definition {@link #read(EntityTiles, long, int)} is held to: the window's IRs folded into a
     * fresh merge target, oldest tile first, without any cache. For tests and diagnostics.
     */
    Object readFullMerge(EntityTiles entity, long t, int servedFeature) {
        Served s = served[servedFeature];
        TileRing ring = entity.rings[s.hop];
        int from = s.window.isLifetime() ? 0 : ring.firstIndexAtOrAfter(s.window.startAt(t));
        int to = s.window.isLifetime() ? ring.size() : ring.endIndexBefore(t);
        return from >= to ? s.aggregator.emptyResult() : merge(ring, from, to, s);
    }

    private static Object merge(TileRing ring, int from, int to, Served s) {
        Ir single = null;
        Ir merged = null;
        for (int i = from; i < to; i++) {
            Ir ir = ring.ir(i, s.slot);
            if (ir == null) {
                continue;
            }
            if (single == null) {
                single = ir;
            } else {
                if (merged == null) {
                    merged = s.aggregator.newMergeTarget();
                    merged.merge(single);
                }
                merged.merge(ir);
            }
        }
        if (merged != null) {
            return merged.result();
        }
        return single != null ? single.result() : s.aggregator.emptyResult();
    }

    /**
     * Evicts tiles no read at time {@code >= t} can cover (older than each hop's longest window,
     * aligned down to the hop). Returns the number of tiles dropped.
     */
    public int evict(EntityTiles entity, long t) {
        return evict(entity, t, null);
    }

    /** Receives each tile {@link #evict(EntityTiles, long, EvictionListener)} drops (to delete it from a store). */
    @FunctionalInterface
    public interface EvictionListener {
        void evicted(int hopIndex, long tileStart);
    }

    /** As {@link #evict(EntityTiles, long)}, telling {@code listener} (may be null) about each dropped tile. */
    public int evict(EntityTiles entity, long t, EvictionListener listener) {
        int dropped = 0;
        for (int h = 0; h < hops.length; h++) {
            Hop hop = hops[h];
            if (hop.hopMillis == WindowSpec.LIFETIME) {
                continue;
            }
            long horizon = new WindowSpec(hop.retainMillis, hop.hopMillis).startAt(t);
            dropped += entity.rings[h].evictBefore(horizon, h, listener);
        }
        return dropped;
    }

    /** As {@link #evict(EntityTiles, long, EvictionListener)} for ring {@code hopIndex} only. */
    public int evictRing(EntityTiles entity, int hopIndex, long t, EvictionListener listener) {
        Hop hop = hops[hopIndex];
        if (hop.hopMillis == WindowSpec.LIFETIME) {
            return 0;
        }
        long horizon = new WindowSpec(hop.retainMillis, hop.hopMillis).startAt(t);
        return entity.rings[hopIndex].evictBefore(horizon, hopIndex, listener);
    }

    // ---- what stores and codecs need to know about the tile layout ----

    public int hopCount() {
        return hops.length;
    }

    /** Index of the ring with hop {@code hopMillis}, or -1 when the group has none (e.g. after a definition change). */
    public int hopIndexOf(long hopMillis) {
        for (int h = 0; h < hops.length; h++) {
            if (hops[h].hopMillis == hopMillis) {
                return h;
            }
        }
        return -1;
    }

    /** Start of the tile of ring {@code hopIndex} that an event at {@code eventTime} updates. */
    public long tileStart(int hopIndex, long eventTime) {
        long hop = hops[hopIndex].hopMillis;
        return hop == WindowSpec.LIFETIME ? Long.MIN_VALUE : WindowSpec.tileStart(eventTime, hop);
    }

    /**
     * Event time after an entity's newest event at which every windowed tile of it can be evicted
     * (the longest retention plus its hop, over the rings that are not lifetime); 0 when the group
     * has only lifetime aggregations. Engines that keep per-entity state use it to schedule the
     * eviction of idle entities (the Flink runner's event-time timers).
     */
    public long retentionMillis() {
        long r = 0;
        for (Hop hop : hops) {
            if (hop.hopMillis != WindowSpec.LIFETIME) {
                r = Math.max(r, hop.retainMillis + hop.hopMillis);
            }
        }
        return r;
    }

    /** Hop length of ring {@code hopIndex}; {@link WindowSpec#LIFETIME} for the lifetime ring. */
    public long hopMillis(int hopIndex) {
        return hops[hopIndex].hopMillis;
    }

    /** Aggregators of the slots of a tile of ring {@code hopIndex}, in slot order. */
    public List<Aggregator> slotAggregators(int hopIndex) {
        return List.of(hops[hopIndex].slotAggregators);
    }

    /** Shared, not copied: for {@link TileCodec} on the commit path. */
    long[] fingerprints(int hopIndex) {
        return hops[hopIndex].slotFingerprints;
    }

    /** The id of ring {@code hopIndex}'s slot layout ({@link TileLayouts#idOf}), which version-2 tiles carry. */
    public long layoutId(int hopIndex) {
        return layoutIds[hopIndex];
    }

    /** Every ring's slot layout, to store beside the tiles ({@link TileLayouts#encode}). */
    public java.util.List<long[]> layouts() {
        java.util.List<long[]> out = new ArrayList<>();
        for (Hop h : hops) {
            out.add(h.slotFingerprints.clone());
        }
        return out;
    }

    Aggregator[] aggregators(int hopIndex) {
        return hops[hopIndex].slotAggregators;
    }

    /** Stable identities of the slots of ring {@code hopIndex} (see {@link TileCodec}). */
    public long[] slotFingerprints(int hopIndex) {
        return hops[hopIndex].slotFingerprints.clone();
    }

    @Override
    public String toString() {
        return "GroupAggregator[" + group.name() + ", specs=" + specs.length + ", hops="
                + Arrays.stream(hops).map(h -> h.hopMillis == 0 ? "lifetime" : h.hopMillis + "ms").toList()
                + ", served=" + servedNames + "]";
    }
}
