package dev.tessera.runtime;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.dedup.Deduplicator;
import dev.tessera.core.dedup.IdHashes;
import dev.tessera.core.codec.CorruptDataException;
import dev.tessera.core.agg.Ir;
import dev.tessera.core.quality.ValueExpectation;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.core.tile.TileCodec;
import dev.tessera.core.tile.TileLayouts;
import dev.tessera.store.TileStore;
import dev.tessera.store.WriteSet;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Owner of the byte layouts of the runtime's own state in the store (tiles are {@code TileCodec}'s
 * and tile keys {@code TileKey}'s). Every value starts with a version byte.
 *
 * <pre>
 * PROGRESS  key   "source/" + source name (UTF-8)
 *           value version:u8=1 | n:uvarint | (nextOffset:varlong | partitionMaxEventTime:varlong){n}
 *                 | watermark:varlong | dedupSeq:varlong | m:uvarint | (counter:string | value:varlong){m}
 * ENTITIES  key   TileKey.entityPrefix(group, entityKey)
 *           value version:u8=2 | maxEventTime:varlong | n:uvarint | (hopMillis:varlong | start:varlong | tile:bytes){n}
 *                 the newest ("head") tile of each non-empty ring, in TileCodec's layout; version 1
 *                 (maxEventTime only, every tile under TILES) is still read
 * DEDUP     key   source:string | partition:uvarint | seq:8 bytes big-endian
 *           value version:u8=2 | n:uvarint | (idHashHigh:8 bytes | idHashLow:8 bytes | firstEventTime:varlong){n}
 *                 the ids' XXH3-128 hashes ({@code Deduplicator.hash}, ADR 032); version 1
 *                 (id:string | firstEventTime:varlong){n} is still read, its ids hashed on the way in
 * META      key   "definitions.version" -> UTF-8 version string
 * PROGRESS  key   "counts/" + source + "/" + writer (UTF-8): {@link WriterCounts} of a writer that is not the runtime
 *           value version:u8=1 | incarnation:varlong | m:uvarint | (outcome:string | count:varlong){m}
 *                 | r:uvarint | (field:string | checked | nulls | belowMin | aboveMax | notAllowed (varlongs)
 *                 | hasLast:u8 | [rule:string | value:string | at:varlong]){r}
 *                 | [fieldEvents:varlong | f:uvarint | (field:string | present:varlong){f}]   (absent in older records: none)
 * </pre>
 * Dedup ids are written as one blob per commit and partition (sequential writes, no per-event
 * put); a blob is deleted once every id in it has expired.
 */
final class RuntimeStateCodec {
    static final int VERSION = 1;
    static final byte[] DEFINITIONS_VERSION_KEY = "definitions.version".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    /** META keys of the tile slot layouts ({@link TileLayouts}): this prefix and the id in hex. */
    private static final String LAYOUT_KEY_PREFIX = "tile-layout/";

    private RuntimeStateCodec() {}

    /** The META key of tile layout {@code id}. */
    static byte[] layoutKey(long id) {
        return (LAYOUT_KEY_PREFIX + String.format("%016x", id)).getBytes(StandardCharsets.UTF_8);
    }

    /** Puts every ring layout of {@code aggregator} into {@code ws}: whoever writes tiles of a layout writes the layout too. */
    static void putLayouts(WriteSet ws, GroupAggregator aggregator) {
        for (long[] layout : aggregator.layouts()) {
            ws.put(TileStore.Space.META, layoutKey(TileLayouts.idOf(layout)), TileLayouts.encode(layout));
        }
    }

    /** The tile layouts a store describes, to decode tiles written with other definitions. */
    static TileLayouts readLayouts(TileStore store) {
        TileLayouts layouts = new TileLayouts();
        readLayoutsInto(store, layouts);
        return layouts;
    }

    /** Registers the tile layouts a store describes in {@code layouts} (which may know some already). */
    static void readLayoutsInto(TileStore store, TileLayouts layouts) {
        store.scan(TileStore.Space.META, LAYOUT_KEY_PREFIX.getBytes(StandardCharsets.UTF_8),
                (key, value) -> layouts.add(TileLayouts.decode(value)));
    }

    record Progress(long[] nextOffsets, long[] partitionMax, long watermark, long dedupSeq, Map<String, Long> counters) {}

    static byte[] progressKey(String source) {
        return ("source/" + source).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Where writer {@code writer} of {@code source} keeps its progress: under {@link #writerProgressPrefix}. */
    static byte[] writerProgressKey(String source, String writer) {
        return ("source/" + source + "/" + writer).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static byte[] writerProgressPrefix(String source) {
        return ("source/" + source + "/").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static byte[] writerCountsKey(String source, String writer) {
        return ("counts/" + source + "/" + writer).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] writerCountsPrefix(String source) {
        return ("counts/" + source + "/").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] encodeWriterCounts(WriterCounts c) {
        ByteWriter out = new ByteWriter(64 + 16 * c.outcomes().size() + 64 * c.rules().size());
        out.writeByte(VERSION);
        out.writeVarLong(c.incarnation());
        out.writeUnsignedVarLong(c.outcomes().size());
        c.outcomes().forEach((k, v) -> {
            out.writeString(k);
            out.writeVarLong(v);
        });
        out.writeUnsignedVarLong(c.rules().size());
        c.rules().forEach((field, s) -> {
            out.writeString(field);
            out.writeVarLong(s.checked());
            out.writeVarLong(s.nulls());
            out.writeVarLong(s.belowMin());
            out.writeVarLong(s.aboveMax());
            out.writeVarLong(s.notAllowed());
            ValueExpectation.Violation last = s.last();
            out.writeByte(last == null ? 0 : 1);
            if (last != null) {
                out.writeString(last.rule().name());
                out.writeString(last.value());
                out.writeVarLong(last.at());
            }
        });
        out.writeVarLong(c.fieldEvents());
        out.writeUnsignedVarLong(c.fieldsPresent().size());
        c.fieldsPresent().forEach((field, n) -> {
            out.writeString(field);
            out.writeVarLong(n);
        });
        return out.toByteArray();
    }

    static WriterCounts decodeWriterCounts(byte[] bytes) {
        ByteReader in = new ByteReader(bytes);
        checkVersion(in, "writer counts");
        long incarnation = in.readVarLong();
        int m = in.readLength();
        Map<String, Long> outcomes = new LinkedHashMap<>();
        for (int i = 0; i < m; i++) {
            outcomes.put(in.readString(), in.readVarLong());
        }
        int r = in.readLength();
        Map<String, ValueExpectation.Snapshot> rules = new LinkedHashMap<>();
        for (int i = 0; i < r; i++) {
            String field = in.readString();
            long checked = in.readVarLong();
            long nulls = in.readVarLong();
            long belowMin = in.readVarLong();
            long aboveMax = in.readVarLong();
            long notAllowed = in.readVarLong();
            ValueExpectation.Violation last = null;
            if (in.readByte() != 0) {
                String rule = in.readString();
                String value = in.readString();
                long at = in.readVarLong();
                last = new ValueExpectation.Violation(dev.tessera.api.Expectation.Rule.valueOf(rule), value, at);
            }
            rules.put(field, new ValueExpectation.Snapshot(checked, nulls, belowMin, aboveMax, notAllowed, last));
        }
        long fieldEvents = 0;
        Map<String, Long> present = new LinkedHashMap<>();
        if (in.remaining() > 0) { // written since field presence is published
            fieldEvents = in.readVarLong();
            int f = in.readLength();
            for (int i = 0; i < f; i++) {
                present.put(in.readString(), in.readVarLong());
            }
        }
        return new WriterCounts(incarnation, outcomes, rules, fieldEvents, present);
    }

    static byte[] encodeProgress(Progress p) {
        ByteWriter out = new ByteWriter(64 + p.nextOffsets.length * 12);
        out.writeByte(VERSION);
        out.writeUnsignedVarLong(p.nextOffsets.length);
        for (int i = 0; i < p.nextOffsets.length; i++) {
            out.writeVarLong(p.nextOffsets[i]);
            out.writeVarLong(p.partitionMax[i]);
        }
        out.writeVarLong(p.watermark);
        out.writeVarLong(p.dedupSeq);
        out.writeUnsignedVarLong(p.counters.size());
        p.counters.forEach((k, v) -> {
            out.writeString(k);
            out.writeVarLong(v);
        });
        return out.toByteArray();
    }

    static Progress decodeProgress(byte[] bytes) {
        ByteReader in = new ByteReader(bytes);
        checkVersion(in, "progress");
        int n = in.readLength();
        long[] offsets = new long[n];
        long[] maxima = new long[n];
        for (int i = 0; i < n; i++) {
            offsets[i] = in.readVarLong();
            maxima[i] = in.readVarLong();
        }
        long watermark = in.readVarLong();
        long seq = in.readVarLong();
        int m = in.readLength();
        Map<String, Long> counters = new LinkedHashMap<>();
        for (int i = 0; i < m; i++) {
            counters.put(in.readString(), in.readVarLong());
        }
        return new Progress(offsets, maxima, watermark, seq, counters);
    }

    static final int ENTITY_VERSION = 2;

    /** A head tile as stored in an entity value. */
    record Head(long hopMillis, long start, byte[] tile) {}

    /** An entity value: newest event time and head tiles; {@code legacy} for version 1 (no heads: all under TILES). */
    record EntityValue(long maxEventTime, List<Head> heads, boolean legacy) {}

    /** Starts an entity value; add heads with {@link #writeHead} after {@code headCount}. */
    static ByteWriter startEntity(ByteWriter out, long maxEventTime, int headCount) {
        return out.writeByte(ENTITY_VERSION).writeVarLong(maxEventTime).writeUnsignedVarLong(headCount);
    }

    static void writeHead(ByteWriter out, long hopMillis, long start, ByteWriter tile) {
        out.writeVarLong(hopMillis).writeVarLong(start).writeUnsignedVarLong(tile.size()).writeRaw(tile);
    }

    static EntityValue decodeEntity(byte[] bytes) {
        ByteReader in = new ByteReader(bytes);
        int at = in.position();
        int v = in.readByte();
        if (v == 1) {
            return new EntityValue(in.readVarLong(), List.of(), true);
        }
        if (v != ENTITY_VERSION) {
            throw new CorruptDataException("unknown entity format version " + v + " at offset " + at + " (this build reads 1 and "
                    + ENTITY_VERSION + "); was the store written by a newer Tessera?");
        }
        long max = in.readVarLong();
        int n = in.readLength();
        List<Head> heads = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long hop = in.readVarLong();
            long start = in.readVarLong();
            heads.add(new Head(hop, start, in.readBytes()));
        }
        if (in.remaining() != 0) {
            throw new CorruptDataException("entity value has " + in.remaining() + " trailing bytes");
        }
        return new EntityValue(max, heads, false);
    }

    /**
     * Puts the heads of a stored entity value into {@code tiles}, decoded as the runtime decodes them
     * at start (slots matched by fingerprint through {@code layouts}); a head of a hop the group no
     * longer has is skipped. Returns the number skipped. Shared by the restart ({@link Checkpointer#load})
     * and {@link StoreFeatureReader}, so both read a store the same way.
     */
    static int loadHeads(GroupAggregator aggregator, EntityTiles tiles, EntityValue value, TileLayouts layouts) {
        int skipped = 0;
        for (Head head : value.heads()) {
            int h = aggregator.hopIndexOf(head.hopMillis());
            if (h < 0) {
                skipped++;
                continue;
            }
            tiles.ring(h).put(head.start(), TileCodec.decode(aggregator, h, head.tile(), layouts));
        }
        return skipped;
    }

    /**
     * Puts one tile stored under its own TILES key into {@code tiles}, decoded as at start; returns
     * it, or null (and puts nothing) when the group no longer has the tile's hop.
     */
    static Ir[] loadTile(GroupAggregator aggregator, EntityTiles tiles, long hopMillis, long start, byte[] bytes,
                         TileLayouts layouts) {
        int h = aggregator.hopIndexOf(hopMillis);
        if (h < 0) {
            return null;
        }
        Ir[] tile = TileCodec.decode(aggregator, h, bytes, layouts);
        tiles.ring(h).put(start, tile);
        return tile;
    }

    static byte[] dedupPrefix(String source, int partition) {
        return new ByteWriter(32).writeString(source).writeUnsignedVarLong(partition).toByteArray();
    }

    static byte[] dedupKey(String source, int partition, long seq) {
        return new ByteWriter(40).writeString(source).writeUnsignedVarLong(partition).writeLong(seq).toByteArray();
    }

    /** Partition and sequence of a dedup blob key of {@code source}. */
    static long[] decodeDedupKey(byte[] key) {
        ByteReader in = new ByteReader(key);
        in.readString();
        long partition = in.readUnsignedVarLong();
        long seq = in.readLong();
        return new long[] {partition, seq};
    }

    /** Version of the dedup blobs written now: the ids' hashes (1: the ids, still read). */
    static final int DEDUP_VERSION = 2;

    static byte[] encodeDedupBlob(IdHashes ids) {
        ByteWriter out = new ByteWriter(16 + ids.size() * 20);
        out.writeByte(DEDUP_VERSION);
        out.writeUnsignedVarLong(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            out.writeLong(ids.hi(i));
            out.writeLong(ids.lo(i));
            out.writeVarLong(ids.time(i));
        }
        return out.toByteArray();
    }

    /** What a dedup blob holds per id: the id's 128-bit hash and its first event time. */
    @FunctionalInterface
    interface DedupVisitor {
        void id(long hi, long lo, long firstEventTime);
    }

    /** Calls {@code visitor} with each (id hash, first event time) of a dedup blob of either version. */
    static void decodeDedupBlob(byte[] bytes, DedupVisitor visitor) {
        ByteReader in = new ByteReader(bytes);
        int v = in.readByte();
        if (v != VERSION && v != DEDUP_VERSION) {
            throw new CorruptDataException("unknown dedup blob format version " + v + " (this build reads " + VERSION + " and "
                    + DEDUP_VERSION + "); was the store written by a newer Tessera?");
        }
        int n = in.readLength();
        for (int i = 0; i < n; i++) {
            if (v == VERSION) { // the ids themselves (until 2026-11-28): hash them as the applier does
                com.dynatrace.hash4j.hashing.HashValue128 h = Deduplicator.hash(in.readString());
                visitor.id(h.getMostSignificantBits(), h.getLeastSignificantBits(), in.readVarLong());
            } else {
                long hi = in.readLong();
                long lo = in.readLong();
                visitor.id(hi, lo, in.readVarLong());
            }
        }
    }

    private static void checkVersion(ByteReader in, String what) {
        int v = in.readByte();
        if (v != VERSION) {
            throw new CorruptDataException("unknown " + what + " format version " + v + " (this build reads " + VERSION
                    + "); was the store written by a newer Tessera?");
        }
    }
}
