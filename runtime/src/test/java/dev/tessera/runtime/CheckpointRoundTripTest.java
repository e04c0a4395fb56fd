package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.tile.TileKey;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.store.InMemoryTileStore;
import dev.tessera.store.TileStore;
import dev.tessera.store.TileStore.Space;
import dev.tessera.store.WriteSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import org.junit.jupiter.api.Test;

/**
 * What a commit writes is what a restart reads: the applier and checkpointer alone (no Kafka) apply
 * three days of payments with commits at random points — tiles demoted from head to older tile,
 * late updates to older tiles, heads evicted from short windows — and a fresh runtime loaded from
 * the store reads every feature of every entity exactly as the live one does. The same holds for a
 * store in the previous layout (every tile under its own key, entity values holding only the newest
 * event time), which loading migrates.
 */
class CheckpointRoundTripTest {
    private static final Path FEATURES = Path.of("..", "examples", "commerce");
    private static final long T0 = 1_780_000_000_000L;
    private static final long NOW = T0 + 3 * 86_400_000L + 60_000;

    @Test
    void aRestartReadsWhatTheLiveStateReads() throws Exception {
        Definitions defs = DefinitionLoader.load(FEATURES);
        for (long seed = 1; seed <= 3; seed++) {
            TileStore store = new InMemoryTileStore();
            SourceRuntime live = run(defs, store, seed);
            SourceRuntime loaded = load(defs, store);
            assertSameReads(live, loaded, "seed " + seed);
            assertEachLiveTileStoredOnce(live, store, "seed " + seed);

            toPreviousLayout(store);
            SourceRuntime migrated = load(defs, store);
            assertSameReads(live, migrated, "seed " + seed + " after migrating the previous layout");
            assertEachLiveTileStoredOnce(migrated, store, "seed " + seed + " after migrating the previous layout");
            assertSameReads(live, load(defs, store), "seed " + seed + " after a second load");
        }
    }

    /**
     * A restart remembers exactly the ids applied within the dedup horizon (as their hashes, ADR 032),
     * whether the store's dedup blobs are of this build or of the previous format (the ids as strings,
     * hashed on the way in). Oracle: every payment id with the partition and event time it was applied
     * with, kept when its time is at or after what the horizon retains at the restored watermark.
     */
    @Test
    void aRestartRemembersTheAppliedIdsAlsoFromBlobsOfThePreviousFormat() throws Exception {
        Definitions defs = DefinitionLoader.load(FEATURES);
        for (long seed = 1; seed <= 2; seed++) {
            TileStore store = new InMemoryTileStore();
            java.util.Map<String, long[]> applied = new java.util.HashMap<>();
            SourceRuntime live = run(defs, store, seed, applied);
            assertRemembers(load(defs, store), applied, "seed " + seed);

            WriteSet old = new WriteSet();
            for (int p = 0; p < 2; p++) {
                int partition = p;
                store.scan(Space.DEDUP, RuntimeStateCodec.dedupPrefix("payments", p), (k, v) -> old.delete(Space.DEDUP, k));
                List<java.util.Map.Entry<String, long[]>> ids = applied.entrySet().stream()
                        .filter(e -> e.getValue()[0] == partition).toList();
                ByteWriter blob = new ByteWriter().writeByte(1).writeUnsignedVarLong(ids.size());
                ids.forEach(e -> blob.writeString(e.getKey()).writeVarLong(e.getValue()[1]));
                old.put(Space.DEDUP, RuntimeStateCodec.dedupKey("payments", p, 1), blob.toByteArray());
            }
            store.write(old);
            assertRemembers(load(defs, store), applied, "seed " + seed + ", blobs of the previous format");
            assertThat(live.dedup[0].size() + live.dedup[1].size()).isPositive();
        }
    }

    private static void assertRemembers(SourceRuntime loaded, java.util.Map<String, long[]> applied, String when) {
        long watermark = loaded.watermark.watermark();
        for (int p = 0; p < 2; p++) {
            var d = loaded.dedup[p];
            long since = d.retainedSince(watermark);
            java.util.Map<dev.tessera.core.dedup.Deduplicator.IdHash, Long> expected = new java.util.HashMap<>();
            for (var e : applied.entrySet()) {
                if (e.getValue()[0] == p && e.getValue()[1] >= since) {
                    expected.put(d.idHash(e.getKey()), e.getValue()[1]);
                }
            }
            assertThat(expected).as("%s: ids within the horizon of partition %d", when, p).isNotEmpty();
            assertThat(d.snapshot()).as("%s: ids remembered by partition %d", when, p).isEqualTo(expected);
        }
    }

    /**
     * Copy-on-write commits: after the cut, the applier goes on and changes entities the commit
     * has not encoded yet (it encodes each first); the commit, written afterwards, must hold every
     * entity exactly as it was at the cut — a load reads the cut's values, not the later ones.
     */
    @Test
    void aCommitHoldsTheCutEvenWhenTheApplierChangesEntitiesBeforeTheyAreEncoded() throws Exception {
        Definitions defs = DefinitionLoader.load(FEATURES);
        for (long seed = 1; seed <= 3; seed++) {
            TileStore store = new InMemoryTileStore();
            SourceRuntime sr = newSource(defs);
            Checkpointer cp = new Checkpointer(store, List.of(sr), DeadLetterSink.DISCARD, defs.version());
            cp.load(NOW);
            Applier applier = new Applier(List.of(sr), new ArrayBlockingQueue<>(1), cp, DeadLetterSink.DISCARD,
                    () -> NOW, 1000, Integer.MAX_VALUE, RuntimeConfig.AppliedListener.NONE, offsets -> { });
            Random rnd = new Random(seed);
            long[] offset = {0};
            apply(applier, sr, rnd, 0, 3_000, offset);
            applier.commitForProfile();
            apply(applier, sr, rnd, 3_000, 4_000, offset);
            Checkpointer.Pending cut = applier.cutForTest();
            SourceRuntime atCut = snapshot(defs, sr);
            apply(applier, sr, rnd, 4_000, 6_000, offset); // changes many entities still frozen for the cut
            applier.finishForTest(cut);
            SourceRuntime loaded = load(defs, store);
            assertSameReads(atCut, loaded, "seed " + seed + ": the commit written after more events");
            assertThat(loaded.counters.snapshot().get("accepted")).isEqualTo(4_000L);
        }
    }

    private static void apply(Applier applier, SourceRuntime sr, Random rnd, int from, int to, long[] offset) {
        List<Batch.Record> pending = new ArrayList<>();
        for (int i = from; i < to; i++) {
            long time = T0 + (long) i * (3 * 86_400_000L) / 6_000 - rnd.nextInt(5 * 60_000);
            byte[] v = payment(rnd, i, time);
            pending.add(new Batch.Record(i % 2, offset[0]++, 0, null, v, sr.decoder.decode(v)));
            if (pending.size() == 50 || i == to - 1) {
                applier.process(new Batch(sr, pending.toArray(Batch.Record[]::new), pending.size(), new long[] {-1, -1}), NOW);
                pending.clear();
            }
        }
    }

    /**
     * A copy of the live state as the cut's commit holds it: the same tiles, minus those the cut's
     * watermark lets the commit evict from the entities it writes (the frozen ones).
     */
    private static SourceRuntime snapshot(Definitions defs, SourceRuntime live) {
        SourceRuntime sr = newSource(defs);
        for (int g = 0; g < live.groups.size(); g++) {
            GroupRuntime from = live.groups.get(g);
            GroupRuntime to = sr.groups.get(g);
            for (EntityState st : from.entities.values()) {
                synchronized (st) {
                    EntityState c = to.stateFor(st.mapKey);
                    c.maxEventTime = st.maxEventTime;
                    for (int h = 0; h < st.tiles.hopCount(); h++) {
                        var ring = st.tiles.ring(h);
                        for (int i = 0; i < ring.size(); i++) {
                            dev.tessera.core.agg.Ir[] tile = ring.tileAt(i);
                            dev.tessera.core.agg.Ir[] dup = new dev.tessera.core.agg.Ir[tile.length];
                            for (int k = 0; k < tile.length; k++) {
                                dup[k] = tile[k] == null ? null : tile[k].copy();
                            }
                            c.tiles.ring(h).put(ring.startOf(i), dup);
                        }
                    }
                    if (st.frozenFor != 0) { // a commit evicts the entities it writes
                        to.aggregator.evict(c.tiles, live.watermark.watermark());
                    }
                }
            }
        }
        return sr;
    }

    private static SourceRuntime newSource(Definitions defs) {
        Source src = defs.source("payments").orElseThrow();
        var layout = dev.tessera.core.event.SourceFields.layout(defs, src);
        SourceRuntime sr = new SourceRuntime(defs, src, EventDecoders.forSource(src, FEATURES, layout), layout);
        sr.initPartitions(2, NOW);
        return sr;
    }

    private static SourceRuntime run(Definitions defs, TileStore store, long seed) throws Exception {
        return run(defs, store, seed, new java.util.HashMap<>());
    }

    /** Applies the seed's payments with commits at random points; {@code applied} gets each id's partition and event time. */
    private static SourceRuntime run(Definitions defs, TileStore store, long seed, java.util.Map<String, long[]> applied)
            throws Exception {
        SourceRuntime sr = newSource(defs);
        Checkpointer cp = new Checkpointer(store, List.of(sr), DeadLetterSink.DISCARD, defs.version());
        cp.load(NOW);
        Applier applier = new Applier(List.of(sr), new ArrayBlockingQueue<>(1), cp, DeadLetterSink.DISCARD,
                () -> NOW, 1000, Integer.MAX_VALUE, RuntimeConfig.AppliedListener.NONE, offsets -> { });
        Random rnd = new Random(seed);
        int n = 6_000;
        long offset = 0;
        int nextCommit = 1 + rnd.nextInt(400);
        List<Batch.Record> pending = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long time = T0 + (long) i * (3 * 86_400_000L) / n - rnd.nextInt(5 * 60_000); // out of order within lateness
            byte[] v = payment(rnd, i, time);
            Decoded d = sr.decoder.decode(v);
            int partition = i % 2;
            applied.put("p-" + i, new long[] {partition, time});
            pending.add(new Batch.Record(partition, offset++, 0, null, v, d));
            if (pending.size() == 50 || i == n - 1) {
                applier.process(new Batch(sr, pending.toArray(Batch.Record[]::new), pending.size(), new long[] {-1, -1}), NOW);
                pending.clear();
            }
            if (i == nextCommit) {
                applier.commitForProfile();
                nextCommit += 1 + rnd.nextInt(400);
            }
        }
        applier.commitForProfile();
        assertThat(sr.counters.snapshot().get("accepted")).isEqualTo(n);
        return sr;
    }

    private static SourceRuntime load(Definitions defs, TileStore store) {
        SourceRuntime sr = newSource(defs);
        new Checkpointer(store, List.of(sr), DeadLetterSink.DISCARD, defs.version()).load(NOW);
        return sr;
    }

    private static void assertSameReads(SourceRuntime live, SourceRuntime loaded, String when) {
        for (int g = 0; g < live.groups.size(); g++) {
            GroupRuntime a = live.groups.get(g);
            GroupRuntime b = loaded.groups.get(g);
            assertThat(b.entities.keySet()).as("%s: entities of %s", when, a.group.name()).isEqualTo(a.entities.keySet());
            for (EntityState st : a.entities.values()) {
                assertThat(b.entities.get(st.mapKey).tiles.tileCount()).as("%s: tiles of %s", when, st.mapKey)
                        .isEqualTo(st.tiles.tileCount());
                for (long t : new long[] {NOW, NOW - 86_400_000L, T0 + 3_600_000L}) {
                    assertThat(b.read(st.key, t).values()).as("%s: %s %s at %d", when, a.group.name(), st.mapKey, t)
                            .isEqualTo(a.read(st.key, t).values());
                }
            }
        }
    }

    /**
     * The store holds each live tile exactly once — in its entity's value or under its own TILES
     * key, never both — and nothing else: no key left behind by an eviction or by a demoted head's
     * move. Each ring's newest tile (its head) is the value's.
     */
    private static void assertEachLiveTileStoredOnce(SourceRuntime live, TileStore store, String when) {
        java.util.Set<TileKey> inValues = new java.util.HashSet<>();
        store.scan(Space.ENTITIES, new byte[0], (k, v) -> {
            for (RuntimeStateCodec.Head h : RuntimeStateCodec.decodeEntity(v).heads()) {
                assertThat(inValues.add(TileKey.decode(TileKey.encode(k, h.hopMillis(), h.start())))).isTrue();
            }
        });
        java.util.Set<TileKey> keyed = new java.util.HashSet<>();
        store.scan(Space.TILES, new byte[0], (k, v) -> keyed.add(TileKey.decode(k)));
        java.util.Set<TileKey> expectedInValues = new java.util.HashSet<>();
        java.util.Set<TileKey> expectedKeyed = new java.util.HashSet<>();
        for (GroupRuntime g : live.groups) {
            for (EntityState st : g.entities.values()) {
                byte[] prefix = TileKey.entityPrefix(g.group.name(), st.key);
                for (int h = 0; h < st.tiles.hopCount(); h++) {
                    var ring = st.tiles.ring(h);
                    for (int i = 0; i < ring.size(); i++) {
                        TileKey key = TileKey.decode(TileKey.encode(prefix, g.aggregator.hopMillis(h), ring.startOf(i)));
                        (i == ring.size() - 1 ? expectedInValues : expectedKeyed).add(key);
                    }
                }
            }
        }
        assertThat(inValues).as("%s: tiles in entity values", when).isNotEmpty().isEqualTo(expectedInValues);
        assertThat(keyed).as("%s: tiles under TILES keys", when).isEqualTo(expectedKeyed);
    }

    /** Rewrites the store as the previous layout had it: heads under TILES, entity values version 1. */
    private static void toPreviousLayout(TileStore store) {
        WriteSet ws = new WriteSet();
        store.scan(Space.ENTITIES, new byte[0], (k, v) -> {
            RuntimeStateCodec.EntityValue ev = RuntimeStateCodec.decodeEntity(v);
            for (RuntimeStateCodec.Head h : ev.heads()) {
                ws.put(Space.TILES, TileKey.encode(k, h.hopMillis(), h.start()), h.tile());
            }
            ws.put(Space.ENTITIES, k, new ByteWriter().writeByte(1).writeVarLong(ev.maxEventTime()).toByteArray());
        });
        store.write(ws);
    }

    private static byte[] payment(Random rnd, int i, long time) {
        int account = (int) Math.floor(Math.pow(rnd.nextDouble(), 2) * 200);
        String json = "{\"payment_id\":\"p-" + i + "\",\"account_id\":\"a-" + account + "\",\"card_fingerprint\":\"c-"
                + (account * 2 + rnd.nextInt(2)) + "\",\"merchant_id\":\"m-" + rnd.nextInt(50) + "\",\"amount\":"
                + (rnd.nextInt(50_000) / 100.0) + ",\"status\":\"" + (rnd.nextInt(8) == 0 ? "DECLINED" : "APPROVED")
                + "\",\"country\":\"" + (rnd.nextBoolean() ? "US" : "FR") + "\",\"event_time\":" + time + "}";
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
