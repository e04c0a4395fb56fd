package dev.tessera.runtime;

import dev.tessera.core.agg.Ir;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.core.tile.TileCodec;
import dev.tessera.core.tile.TileLayouts;
import dev.tessera.core.tile.TileKey;
import dev.tessera.core.tile.TileRing;
import dev.tessera.store.TileStore;
import dev.tessera.store.TileStore.Space;
import dev.tessera.store.WriteSet;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exactly-once commit protocol: what the runtime writes to the store, when, and how it reads it
 * back after a restart.
 *
 * <h2>Invariant</h2>
 * The store always holds a state {@code S} and, per source partition, the offset {@code O} of the
 * first record {@code S} does not reflect. Tiles, entity headers, dedup ids, watermarks, counters
 * and offsets are written in ONE atomic {@link WriteSet} ({@link TileStore#write}); nothing else is
 * ever written. So after any crash the store holds some committed {@code (S, O)} pair, never a mix.
 *
 * <h2>Commit (every commit interval)</h2>
 * {@link #freeze} runs on the applier thread between two events: the cut. It marks the entities
 * changed since the last commit as frozen and encodes progress, dedup ids and the periodic sweep.
 * The frozen entities are encoded on the commit writer thread ({@link #encodeFrozen}) while the
 * applier goes on; when the applier is about to change an entity that is still frozen it encodes it
 * first ({@link #encodeIfFrozen}, copy-on-write), so every entity is encoded as it was at the cut.
 * Then {@link #write}. The applier waits for the previous commit to be written before freezing the
 * next, so commits reach the store in order, one at a time.
 * <ol>
 *   <li>For every entity changed since the last commit: put its value (newest event time and the
 *       newest tile of each ring) and each changed older tile under its own key; evict tiles older
 *       than the retention horizon at the source's watermark (delete them). See {@link #writeEntity}.</li>
 *   <li>Per source and partition: ids first applied since the last commit as one dedup blob; blobs
 *       whose ids are all past the dedup horizon are deleted.</li>
 *   <li>Per source: next offsets, per-partition newest event times, watermark, counters.</li>
 *   <li>Flush dead letters (so no offset is committed before its dead letter is durable), then
 *       write the set.</li>
 * </ol>
 * Everything is encoded under the entity's monitor, by whichever thread takes it first after the
 * cut and before any later event changes the entity, so a commit is a consistent cut. Eviction
 * while encoding uses the cut's watermark. An entity dropped for having no tiles left is marked
 * removed; the applier looks such an entity up again.
 *
 * <h2>Restart</h2>
 * Load every tile, entity header, dedup blob and progress record; seek each partition to its
 * committed offset; go on. Records after {@code O} were not reflected in {@code S} and are applied
 * now; records before it are not read again. Hence no loss and no double count: every record is
 * applied exactly once to the committed state, whatever the point of the crash. Dead letters and
 * Kafka consumption are at-least-once around a crash; counters are exact (committed with {@code S}).
 *
 * <h2>Definition changes</h2>
 * Tiles of groups or hops that no longer exist are deleted at load; tiles of a changed group are
 * decoded by slot fingerprint ({@link TileCodec}), so kept aggregations keep their state, new ones
 * start empty, and removed ones are dropped — and rewritten once so their bytes go too.
 */
final class Checkpointer {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);

    record Dirty(GroupRuntime group, EntityState state) {}

    private final TileStore store;
    private final List<SourceRuntime> sources;
    private final DeadLetterSink deadLetters;
    private final String definitionsVersion;

    private final Map<GroupRuntime, SourceRuntime> sourceOf = new HashMap<>();
    /** The next commit's number (applier thread; numbers start at 1, 0 is "not frozen"). */
    private long nextCommit = 1;
    /** Commits frozen and not known to be written, oldest first (applier thread only): what {@link #encodeIfFrozen} looks up. */
    private final ArrayDeque<Pending> unwritten = new ArrayDeque<>();
    /** The number of the last commit written (commit writer; commits are written in the order they were frozen). */
    private volatile long writtenThrough;

    Checkpointer(TileStore store, List<SourceRuntime> sources, DeadLetterSink deadLetters, String definitionsVersion) {
        this.store = store;
        this.sources = sources;
        for (SourceRuntime s : sources) {
            for (GroupRuntime g : s.groups) {
                sourceOf.put(g, s);
            }
        }
        this.deadLetters = deadLetters;
        this.definitionsVersion = definitionsVersion;
    }

    /**
     * One commit between its cut ({@link #freeze}) and its write: the operations encoded so far, the
     * entities still to encode, the watermarks at the cut (eviction uses them, so the committed state
     * is the cut's), and the offsets it covers.
     */
    static final class Pending {
        /** This commit's number: what its frozen entities' {@link EntityState#frozenFor} hold. */
        private final long number;
        /** Encoded at the cut: progress, dedup ids, the sweep (applier thread). */
        private final WriteSet cut = new WriteSet();
        /** Entities the applier encoded before changing them (applier thread only). */
        private final WriteSet byApplier = new WriteSet();
        /** Entities the commit writer encoded (writer thread only). */
        private final WriteSet byWriter = new WriteSet();
        private final List<Dirty> frozen;
        private final Map<SourceRuntime, Long> watermarks;
        private final Map<SourceRuntime, long[]> offsets;

        Pending(long number, List<Dirty> frozen, Map<SourceRuntime, Long> watermarks, Map<SourceRuntime, long[]> offsets) {
            this.number = number;
            this.frozen = frozen;
            this.watermarks = watermarks;
            this.offsets = offsets;
        }

        Map<SourceRuntime, long[]> offsets() {
            return offsets;
        }
    }

    /** Freezes, encodes and writes one commit now (tests, profiling). */
    void commit(List<Dirty> dirty, boolean sweepAll) {
        Pending p = freeze(dirty, sweepAll);
        encodeFrozen(p);
        write(p);
    }

    /**
     * The cut, on the applier thread between two events: marks every entity changed since the last
     * commit as frozen for this commit (cheap: no encoding), and encodes what is small and must be
     * taken now — progress (offsets, watermarks, counters), dedup ids, and the periodic sweep of
     * unchanged entities. The frozen entities are encoded by {@link #encodeFrozen} on the commit
     * writer, or by the applier itself ({@link #encodeIfFrozen}) just before it changes one: either
     * way each is encoded exactly as it was at the cut, so the commit stays a consistent cut while
     * the applier goes on applying.
     */
    Pending freeze(List<Dirty> dirty, boolean sweepAll) {
        Map<SourceRuntime, Long> watermarks = new HashMap<>();
        Map<SourceRuntime, long[]> offsets = new HashMap<>();
        for (SourceRuntime s : sources) {
            watermarks.put(s, s.watermark.watermark());
            offsets.put(s, s.nextOffsets.clone());
        }
        Pending p = new Pending(nextCommit++, List.copyOf(dirty), watermarks, offsets);
        while (!unwritten.isEmpty() && unwritten.peekFirst().number <= writtenThrough) {
            unwritten.removeFirst();
        }
        unwritten.addLast(p);
        for (Dirty d : p.frozen) {
            synchronized (d.state()) {
                d.state().frozenFor = p.number;
            }
        }
        WriteSet ws = p.cut;
        if (sweepAll) {
            for (SourceRuntime s : sources) {
                for (GroupRuntime g : s.groups) {
                    for (EntityState st : g.entities.values()) {
                        synchronized (st) {
                            g.aggregator.releaseUnreadCache(st.tiles); // not read for a sweep interval: free its read cache
                            if (st.frozenFor == 0) { // frozen ones are evicted when they are encoded
                                writeEntity(ws, g, st, watermarks.get(s), false);
                            }
                        }
                    }
                }
            }
        }
        for (SourceRuntime s : sources) {
            writeDedup(ws, s);
            long[] maxima = s.watermark.partitionMaxima();
            ws.put(Space.PROGRESS, RuntimeStateCodec.progressKey(s.source.name()), RuntimeStateCodec.encodeProgress(
                    new RuntimeStateCodec.Progress(offsets.get(s), maxima, watermarks.get(s), s.dedupSeq,
                            s.counters.snapshot())));
        }
        return p;
    }

    /**
     * On the commit writer: encodes every entity of {@code p} the applier has not encoded already.
     * Afterwards the applier's encodings of {@code p} are visible here too: it encoded an entity
     * under that entity's monitor before this loop took the same monitor.
     */
    void encodeFrozen(Pending p) {
        for (Dirty d : p.frozen) {
            EntityState st = d.state();
            synchronized (st) {
                if (st.frozenFor == p.number) {
                    writeEntity(p.byWriter, d.group(), st, p.watermarks.get(sourceOf.get(d.group())), true);
                    st.frozenFor = 0;
                }
            }
        }
    }

    /** On the applier, holding {@code st}'s monitor, before changing it: encodes it into the commit it is frozen for, if any. */
    void encodeIfFrozen(GroupRuntime g, EntityState st) {
        long number = st.frozenFor;
        if (number != 0) {
            Pending p = unwritten(number);
            writeEntity(p.byApplier, g, st, p.watermarks.get(sourceOf.get(g)), true);
            st.frozenFor = 0;
        }
    }

    /**
     * The unwritten commit numbered {@code number} (applier thread). An entity frozen for a commit is
     * encoded before that commit is written, so a commit an entity still names is never pruned.
     */
    private Pending unwritten(long number) {
        for (Pending p : unwritten) {
            if (p.number == number) {
                return p;
            }
        }
        throw new IllegalStateException("commit " + number + " is frozen in an entity but not pending (written through "
                + writtenThrough + ")");
    }

    /**
     * Makes a commit durable once every frozen entity is encoded ({@link #encodeFrozen} first): dead
     * letters first (no offset is committed before its dead letter), then the one atomic store
     * write. Commits must be written in the order they were frozen.
     */
    void write(Pending pending) {
        deadLetters.flush();
        store.write(new WriteSet().addAll(pending.cut).addAll(pending.byApplier).addAll(pending.byWriter));
        writtenThrough = pending.number;
    }

    /** Writes what changed of one entity ({@link EntityWrites}), and forgets it when nothing of it is left. */
    private void writeEntity(WriteSet ws, GroupRuntime g, EntityState st, long watermark, boolean dirtyOnly) {
        synchronized (st) {
            boolean changed = dirtyOnly || st.dirty;
            if (st.prefix == null) {
                st.prefix = TileKey.entityPrefix(g.group.name(), st.key);
            }
            boolean empty = EntityWrites.write(ws, g.aggregator, st.prefix, st.tiles, st.maxEventTime, changed,
                    watermark == WatermarkTracker.NONE ? Long.MIN_VALUE : watermark);
            if (changed) {
                st.dirty = false;
            }
            if (empty) {
                st.removed = true;
                g.entities.remove(st.mapKey, st);
            }
        }
    }

    /** An entity's value (see {@link RuntimeStateCodec}): its newest event time and the newest tile of each ring. */
    static byte[] encodeEntityValue(GroupAggregator agg, dev.tessera.core.tile.EntityTiles tiles, long maxEventTime) {
        return EntityWrites.entityValue(agg, tiles, maxEventTime);
    }

    private void writeDedup(WriteSet ws, SourceRuntime s) {
        long clock = s.watermark.watermark();
        for (int p = 0; p < s.partitions; p++) {
            if (!s.addedIds[p].isEmpty()) {
                long seq = ++s.dedupSeq;
                ws.put(Space.DEDUP, RuntimeStateCodec.dedupKey(s.source.name(), p, seq),
                        RuntimeStateCodec.encodeDedupBlob(s.addedIds[p]));
                s.blobs[p].put(seq, s.addedIds[p].newest());
                s.addedIds[p].clear();
            }
            if (clock != WatermarkTracker.NONE) {
                s.dedup[p].expire(clock);
                long cutoff = clock - s.dedup[p].horizonMillis();
                for (Iterator<Map.Entry<Long, Long>> it = s.blobs[p].entrySet().iterator(); it.hasNext(); ) {
                    Map.Entry<Long, Long> blob = it.next();
                    if (blob.getValue() < cutoff) {
                        ws.delete(Space.DEDUP, RuntimeStateCodec.dedupKey(s.source.name(), p, blob.getKey()));
                        it.remove();
                    }
                }
            }
        }
    }

    /** Reads the committed state into {@code sources} (whose partitions are initialized). */
    void load(long wallNow) {
        WriteSet cleanup = new WriteSet();
        Map<String, GroupRuntime> groups = new HashMap<>();
        for (SourceRuntime s : sources) {
            for (GroupRuntime g : s.groups) {
                groups.put(g.group.name(), g);
            }
            byte[] bytes = store.get(Space.PROGRESS, RuntimeStateCodec.progressKey(s.source.name()));
            if (bytes != null) {
                RuntimeStateCodec.Progress p = RuntimeStateCodec.decodeProgress(bytes);
                System.arraycopy(p.nextOffsets(), 0, s.nextOffsets, 0, Math.min(s.partitions, p.nextOffsets().length));
                s.watermark.restore(p.watermark(), p.partitionMax(), wallNow);
                s.dedupSeq = p.dedupSeq();
                s.counters.restore(p.counters());
                for (long max : p.partitionMax()) {
                    s.newestApplied = Math.max(s.newestApplied, max);
                }
            }
            for (int part = 0; part < s.partitions; part++) {
                int partition = part;
                store.scan(Space.DEDUP, RuntimeStateCodec.dedupPrefix(s.source.name(), part), (key, value) -> {
                    long seq = RuntimeStateCodec.decodeDedupKey(key)[1];
                    long[] newest = {Long.MIN_VALUE};
                    RuntimeStateCodec.decodeDedupBlob(value, (hi, lo, time) -> {
                        s.dedup[partition].firstSeen(hi, lo, time);
                        newest[0] = Math.max(newest[0], time);
                    });
                    s.blobs[partition].put(seq, newest[0]);
                });
                if (s.watermark.watermark() != WatermarkTracker.NONE) {
                    s.dedup[part].expire(s.watermark.watermark());
                }
            }
        }
        byte[] storedVersion = store.get(Space.META, RuntimeStateCodec.DEFINITIONS_VERSION_KEY);
        boolean changed = storedVersion != null
                && !new String(storedVersion, java.nio.charset.StandardCharsets.UTF_8).equals(definitionsVersion);
        long[] counts = new long[3]; // tiles loaded, tiles dropped, tiles rewritten
        java.util.Set<EntityState> rewrite = new java.util.HashSet<>(); // entity values to write again
        java.util.Set<EntityState> legacy = new java.util.HashSet<>(); // version-1 values: heads still under TILES
        Map<EntityState, GroupRuntime> groupOf = new HashMap<>();
        TileLayouts layouts = RuntimeStateCodec.readLayouts(store); // of tiles written with other definitions
        for (GroupRuntime g : groups.values()) {
            RuntimeStateCodec.putLayouts(cleanup, g.aggregator); // before any tile of them is committed
        }
        store.scan(Space.ENTITIES, new byte[0], (keyBytes, value) -> {
            TileKey.EntityAddress address = TileKey.decodeEntityPrefix(keyBytes);
            GroupRuntime g = groups.get(address.group());
            if (g == null) {
                cleanup.delete(Space.ENTITIES, keyBytes);
                return;
            }
            RuntimeStateCodec.EntityValue ev = RuntimeStateCodec.decodeEntity(value);
            EntityState st = g.stateFor(GroupRuntime.mapKey(address.entityKey()));
            groupOf.put(st, g);
            st.maxEventTime = ev.maxEventTime();
            if (ev.legacy()) {
                legacy.add(st);
            }
            int dropped = RuntimeStateCodec.loadHeads(g.aggregator, st.tiles, ev, layouts);
            if (dropped > 0) {
                rewrite.add(st);
                counts[1] += dropped;
            }
            counts[0] += ev.heads().size() - dropped;
            if (changed) {
                rewrite.add(st);
            }
        });
        store.scan(Space.TILES, new byte[0], (keyBytes, value) -> {
            TileKey key = TileKey.decode(keyBytes);
            GroupRuntime g = groups.get(key.group());
            int h = g == null ? -1 : g.aggregator.hopIndexOf(key.hopMillis());
            if (h < 0) {
                cleanup.delete(Space.TILES, keyBytes);
                counts[1]++;
                return;
            }
            EntityState st = g.stateFor(GroupRuntime.mapKey(key.entityKey()));
            groupOf.put(st, g);
            Ir[] tile = RuntimeStateCodec.loadTile(g.aggregator, st.tiles, key.hopMillis(), key.start(), value, layouts);
            counts[0]++;
            if (changed) {
                cleanup.put(Space.TILES, keyBytes, TileCodec.encode(g.aggregator, h, tile));
                counts[2]++;
            }
        });
        for (Map.Entry<EntityState, GroupRuntime> e : groupOf.entrySet()) {
            EntityState st = e.getKey();
            GroupRuntime g = e.getValue();
            if (st.prefix == null) {
                st.prefix = TileKey.entityPrefix(g.group.name(), st.key);
            }
            if (st.tiles.isEmpty()) {
                st.removed = true;
                g.entities.remove(st.mapKey, st);
                cleanup.delete(Space.ENTITIES, st.prefix);
                continue;
            }
            if (legacy.contains(st)) {
                // written before heads moved into the entity value: take each head out of TILES
                for (int h = 0; h < g.aggregator.hopCount(); h++) {
                    TileRing ring = st.tiles.ring(h);
                    if (ring.size() > 0) {
                        cleanup.delete(Space.TILES, TileKey.encode(st.prefix, g.aggregator.hopMillis(h), ring.startOf(ring.size() - 1)));
                    }
                }
                rewrite.add(st);
            }
            if (rewrite.contains(st)) {
                cleanup.put(Space.ENTITIES, st.prefix, encodeEntityValue(g.aggregator, st.tiles, st.maxEventTime));
            }
        }
        cleanup.put(Space.META, RuntimeStateCodec.DEFINITIONS_VERSION_KEY,
                definitionsVersion.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        store.write(cleanup);
        LOG.info("loaded {} tiles ({} dropped for definitions that no longer exist, {} rewritten after a definition change)",
                counts[0], counts[1], counts[2]);
    }
}
