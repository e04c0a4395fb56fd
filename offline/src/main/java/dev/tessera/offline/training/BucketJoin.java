package dev.tessera.offline.training;

import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.Event;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.offline.spill.EventSpill;
import dev.tessera.offline.training.JoinPlan.EntityPlan;
import dev.tessera.offline.training.JoinPlan.GroupPlan;
import dev.tessera.offline.training.JoinPlan.SourcePlan;
import dev.tessera.runtime.decode.Decoded;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * The point-in-time join of one bucket of one entity (ADR 010, step 3), by one worker thread.
 *
 * <h2>In memory</h2>
 * The bucket's spine records become arrays {@code (key id, ts, row)} and its event files are loaded
 * into one byte array; per event the arrays keep its key id, time, source and where its record
 * continues, and nothing else: ids and values are read from the bytes when the event is applied
 * (one short-lived event at a time). Key ids are given by the spine's keys, so an event whose key
 * no row asks for (a Bloom-filter false positive) is dropped as it is read. The records' bytes are
 * then copied again grouped by key, so applying one key's events reads one region of memory rather
 * than the whole bucket (a cache miss per event otherwise). Records are grouped by key id (counting
 * sort) and each key's run sorted by time ({@link IndexSort}): events by (time, source, partition,
 * offset) — the order the stream would have seen ties in — and rows by (ts, row).
 *
 * <h2>Per key</h2>
 * Events are applied in time order to fresh tiles, and each row reads its features after exactly
 * the events before its {@code ts} were applied; nothing at or after {@code ts} is applied before the
 * read. Repeats of an event (same source and id at the same key and time: re-sent after the dedup
 * horizon) are applied once. For {@code asArrived} (what had arrived by each row), each row starts
 * from fresh tiles with only the events that had arrived by its {@code ts} and were not late.
 *
 * <h2>Too large</h2>
 * A bucket whose files, loaded, would exceed the worker's budget is split again (records copied to
 * eight files by another hash of the key, without decoding) and each part joined in turn.
 */
final class BucketJoin {
    /** Heap per spill byte when a bucket is loaded: the bytes (twice, while they are grouped by key), the per-record arrays, the sort. */
    static final int EXPANSION = 4;
    private static final int MAX_SPLIT_LEVEL = 6;
    private static final int SPLIT_PARTS = 8;

    private final EntityPlan ep;
    private final boolean asArrived;
    private final long arrivalLag;
    private final long budget;
    private final ResultSink sink;
    private final int bufferBytes;
    private final SourcePlan[] sources;
    /** Per source: the reused values array of decoded records (slots the entity does not read stay null) and its event. */
    private final Object[][] valuesBySource;
    private final Event[] eventBySource;
    private final int[] slotCounts;
    long joined;
    int splits;

    BucketJoin(JoinPlan plan, EntityPlan ep, boolean asArrived, long arrivalLag, long budget, ResultSink sink, int bufferBytes) {
        this.ep = ep;
        this.asArrived = asArrived;
        this.arrivalLag = arrivalLag;
        this.budget = budget;
        this.sink = sink;
        this.bufferBytes = bufferBytes;
        this.sources = plan.sources.toArray(new SourcePlan[0]);
        this.valuesBySource = new Object[sources.length][];
        this.eventBySource = new Event[sources.length];
        this.slotCounts = new int[sources.length];
        for (SourcePlan sp : sources) {
            int[] slots = ep.slotsBySource[sp.index];
            if (slots != null) {
                valuesBySource[sp.index] = new Object[sp.layout.size()];
                eventBySource[sp.index] = new ArrayEvent(valuesBySource[sp.index]);
                slotCounts[sp.index] = slots.length;
            }
        }
    }

    /** Joins the bucket made of {@code spineFile} and {@code eventFiles}; deletes them afterwards. */
    void join(Path spineFile, List<Path> eventFiles, int level) throws IOException {
        long spineBytes = Files.size(spineFile);
        long bytes = spineBytes;
        for (Path f : eventFiles) {
            bytes += Files.size(f);
        }
        if (spineBytes == 0) {
            delete(spineFile, eventFiles);
            return;
        }
        if (bytes * EXPANSION > budget && level < MAX_SPLIT_LEVEL) {
            split(spineFile, eventFiles, level);
            return;
        }
        Rows rows = loadRows(spineFile);
        Events events = loadEvents(eventFiles, rows.ids);
        delete(spineFile, eventFiles);
        int keys = rows.ids.size();
        rows.ids = null;
        int[] rowStarts = new int[keys + 1];
        int[] rowPerm = IndexSort.groupByKey(rows.key, rows.n, keys, rowStarts);
        int[] evStarts = new int[keys + 1];
        int[] evPerm = IndexSort.groupByKey(events.key, events.n, keys, evStarts);
        int[] tmp = new int[Math.max(rows.n, events.n)];
        IndexSort.Order rowOrder = (a, b) -> rows.ts[a] != rows.ts[b] ? Long.compare(rows.ts[a], rows.ts[b]) : Long.compare(rows.row[a], rows.row[b]);
        IndexSort.Order eventOrder = events::compare;
        for (int k = 0; k < keys; k++) {
            IndexSort.sort(rowPerm, rowStarts[k], rowStarts[k + 1], rowOrder, tmp);
            IndexSort.sort(evPerm, evStarts[k], evStarts[k + 1], eventOrder, tmp);
        }
        tmp = null;
        Object[] values = new Object[ep.featureCount];
        EntityTiles[] tiles = new EntityTiles[ep.groups.size()];
        Repeats repeats = new Repeats();
        for (int k = 0; k < keys; k++) {
            newTiles(tiles);
            repeats.reset();
            int j = evStarts[k];
            int jEnd = evStarts[k + 1];
            int sinceEvict = 0;
            for (int r = rowStarts[k]; r < rowStarts[k + 1]; r++) {
                int row = rowPerm[r];
                long ts = rows.ts[row];
                if (asArrived) {
                    newTiles(tiles); // later rows may see events this one must not: start over
                    repeats.reset();
                    for (int x = evStarts[k]; x < jEnd && events.time[evPerm[x]] < ts; x++) {
                        arrival.add(events, evPerm[x]);
                    }
                    for (int x : arrival.inOrder()) { // as the online store applied them: order-dependent sketches (KLL) agree
                        applyIfArrived(events, x, ts, tiles, repeats);
                    }
                    arrival.clear();
                } else {
                    for (; j < jEnd && events.time[evPerm[j]] < ts; j++) {
                        if (apply(events, evPerm[j], tiles, repeats)) {
                            sinceEvict++;
                        }
                    }
                    if (sinceEvict > 4096) {
                        for (int g = 0; g < tiles.length; g++) {
                            ep.groups.get(g).agg.evict(tiles[g], ts);
                        }
                        sinceEvict = 0;
                    }
                }
                int c = 0;
                for (int g = 0; g < tiles.length; g++) {
                    GroupPlan gp = ep.groups.get(g);
                    for (int f = 0; f < gp.served.length; f++) {
                        values[c++] = gp.agg.read(tiles[g], ts, gp.served[f]);
                    }
                }
                sink.write(rows.row[row], values, ep.columns);
            }
        }
    }

    private final Arrivals arrival = new Arrivals();

    /** Events of one row, to be applied in the order they reached the broker: ingest time, then partition and offset. */
    private static final class Arrivals {
        private int n;
        private int[] index = new int[16];
        private long[] ingest = new long[16];
        private long[] partition = new long[16];
        private long[] offset = new long[16];

        void add(Events ev, int i) throws IOException {
            if (n == index.length) {
                index = java.util.Arrays.copyOf(index, 2 * n);
                ingest = java.util.Arrays.copyOf(ingest, 2 * n);
                partition = java.util.Arrays.copyOf(partition, 2 * n);
                offset = java.util.Arrays.copyOf(offset, 2 * n);
            }
            SpillInput in = ev.in;
            in.pos = ev.tail[i];
            index[n] = i;
            ingest[n] = in.readLong();
            partition[n] = in.readSignedVarint();
            offset[n] = in.readSignedVarint();
            n++;
        }

        int[] inOrder() {
            Integer[] order = new Integer[n];
            for (int j = 0; j < n; j++) {
                order[j] = j;
            }
            java.util.Arrays.sort(order, (a, b) -> ingest[a] != ingest[b] ? Long.compare(ingest[a], ingest[b])
                    : partition[a] != partition[b] ? Long.compare(partition[a], partition[b]) : Long.compare(offset[a], offset[b]));
            int[] out = new int[n];
            for (int j = 0; j < n; j++) {
                out[j] = index[order[j]];
            }
            return out;
        }

        void clear() {
            n = 0;
        }
    }

    private void newTiles(EntityTiles[] tiles) {
        for (int g = 0; g < tiles.length; g++) {
            tiles[g] = ep.groups.get(g).agg.newEntity();
        }
    }

    /** Applies event {@code i} unless it repeats one already applied; true when applied. */
    private boolean apply(Events ev, int i, EntityTiles[] tiles, Repeats repeats) throws IOException {
        SpillInput in = ev.in;
        in.pos = ev.tail[i];
        in.skip(8); // ingest time
        in.readSignedVarint();
        in.readSignedVarint();
        String id = in.readString();
        int source = ev.sourceOf(i);
        if (!repeats.first(ev.time[i], source, id)) {
            return false;
        }
        applyPayload(in, source, ev.raw(i), ev.time[i], id, tiles);
        return true;
    }

    private void applyIfArrived(Events ev, int i, long ts, EntityTiles[] tiles, Repeats repeats) throws IOException {
        SpillInput in = ev.in;
        in.pos = ev.tail[i];
        long ingest = in.readLong();
        in.readSignedVarint();
        in.readSignedVarint();
        String id = in.readString();
        int source = ev.sourceOf(i);
        long time = ev.time[i];
        boolean wasLate = ingest - time > sources[source].source.lateness().millis();
        if (ingest <= ts - arrivalLag && !wasLate && repeats.firstInAnyOrder(time, source, id)) {
            applyPayload(in, source, ev.raw(i), time, id, tiles);
        }
    }

    private void applyPayload(SpillInput in, int source, boolean raw, long time, String id, EntityTiles[] tiles) throws IOException {
        Event e;
        if (raw) {
            Decoded d = sources[source].decoder.decode(JoinRecords.readRaw(in));
            if (!d.isAccepted()) {
                return; // counted in the event pass
            }
            e = d.event();
        } else {
            JoinRecords.readValues(in, ep.slotsBySource[source], valuesBySource[source]);
            e = eventBySource[source];
        }
        for (int g = 0; g < tiles.length; g++) {
            GroupPlan gp = ep.groups.get(g);
            if (gp.source == source) {
                gp.agg.apply(tiles[g], e, time, id);
            }
        }
        joined++;
    }

    // ---- loading ---------------------------------------------------------------------------------

    private static final class Rows {
        HashMap<String, Integer> ids = new HashMap<>();
        int n;
        int[] key;
        long[] ts;
        long[] row;
    }

    private static Rows loadRows(Path spineFile) throws IOException {
        SpillInput in = SpillInput.readAll(List.of(spineFile));
        Rows r = new Rows();
        int cap = Math.max(16, in.limit / 16);
        r.key = new int[cap];
        r.ts = new long[cap];
        r.row = new long[cap];
        while (in.more()) {
            String key = in.readString();
            long ts = in.readLong();
            long row = in.readVarint();
            Integer id = r.ids.get(key);
            if (id == null) {
                id = r.ids.size();
                r.ids.put(key, id);
            }
            if (r.n == r.key.length) {
                int c = r.n * 2;
                r.key = Arrays.copyOf(r.key, c);
                r.ts = Arrays.copyOf(r.ts, c);
                r.row = Arrays.copyOf(r.row, c);
            }
            r.key[r.n] = id;
            r.ts[r.n] = ts;
            r.row[r.n] = row;
            r.n++;
        }
        return r;
    }

    /** A bucket's events: the bytes, and per record its key id, time, flags byte (source, RAW) and where it continues (after the time). */
    private static final class Events {
        SpillInput in;
        int n;
        int[] key;
        long[] time;
        byte[] source;
        int[] tail;

        int sourceOf(int i) {
            return source[i] & 0x7F;
        }

        boolean raw(int i) {
            return (source[i] & JoinRecords.RAW) != 0;
        }

        /** Time, then source, partition and offset (parsed from the bytes: only ties get there). */
        int compare(int a, int b) {
            if (time[a] != time[b]) {
                return Long.compare(time[a], time[b]);
            }
            if (sourceOf(a) != sourceOf(b)) {
                return Integer.compare(sourceOf(a), sourceOf(b));
            }
            try {
                in.pos = tail[a] + 8;
                long pa = in.readSignedVarint();
                long oa = in.readSignedVarint();
                in.pos = tail[b] + 8;
                long pb = in.readSignedVarint();
                long ob = in.readSignedVarint();
                return pa != pb ? Long.compare(pa, pb) : Long.compare(oa, ob);
            } catch (IOException e) {
                throw new IllegalStateException(e); // in-memory input: cannot happen
            }
        }
    }

    private Events loadEvents(List<Path> files, HashMap<String, Integer> ids) throws IOException {
        SpillInput in = SpillInput.readAll(files);
        Events ev = new Events();
        int cap = Math.max(16, in.limit / 40);
        ev.key = new int[cap];
        ev.time = new long[cap];
        ev.source = new byte[cap];
        ev.tail = new int[cap];
        int[] length = new int[cap];
        long[] keyBytes = new long[ids.size() + 1];
        while (in.more()) {
            int flags = in.readByte() & 0xFF;
            String key = in.readString();
            long time = in.readLong();
            int tail = in.pos;
            in.skip(8);
            in.readSignedVarint();
            in.readSignedVarint();
            in.skipString();
            boolean raw = (flags & JoinRecords.RAW) != 0;
            int source = flags & 0x7F;
            JoinRecords.skipPayload(in, raw, slotCounts[source]);
            Integer id = ids.get(key);
            if (id == null) {
                continue; // no row of this bucket has the key (a false positive of the spine's key filter)
            }
            if (ev.n == ev.key.length) {
                int c = ev.n * 2;
                ev.key = Arrays.copyOf(ev.key, c);
                ev.time = Arrays.copyOf(ev.time, c);
                ev.source = Arrays.copyOf(ev.source, c);
                ev.tail = Arrays.copyOf(ev.tail, c);
                length = Arrays.copyOf(length, c);
            }
            ev.key[ev.n] = id;
            ev.time[ev.n] = time;
            ev.source[ev.n] = (byte) flags;
            ev.tail[ev.n] = tail;
            length[ev.n] = in.pos - tail;
            keyBytes[id + 1] += in.pos - tail;
            ev.n++;
        }
        // the rest of each record (from its ingest time on) again, grouped by key: applying a key's
        // events then reads one region of memory instead of jumping across the whole bucket
        for (int k = 0; k < ids.size(); k++) {
            keyBytes[k + 1] += keyBytes[k];
        }
        byte[] grouped = new byte[(int) keyBytes[ids.size()]];
        for (int i = 0; i < ev.n; i++) {
            int at = (int) keyBytes[ev.key[i]];
            System.arraycopy(in.data, ev.tail[i], grouped, at, length[i]);
            ev.tail[i] = at;
            keyBytes[ev.key[i]] = at + length[i];
        }
        ev.in = SpillInput.of(grouped);
        return ev;
    }

    // ---- splitting -------------------------------------------------------------------------------

    private void split(Path spineFile, List<Path> eventFiles, int level) throws IOException {
        splits++;
        Path dir = Files.createDirectories(spineFile.resolveSibling(spineFile.getFileName() + "-split"));
        SpillOutput[] s = new SpillOutput[SPLIT_PARTS];
        SpillOutput[] e = new SpillOutput[SPLIT_PARTS];
        try {
            for (int i = 0; i < SPLIT_PARTS; i++) {
                s[i] = new SpillOutput(dir.resolve("spine-" + i), bufferBytes);
                e[i] = new SpillOutput(dir.resolve("events-" + i), bufferBytes);
            }
            try (SpillInput in = SpillInput.stream(spineFile, bufferBytes)) {
                while (in.more()) {
                    String key = in.readString();
                    JoinRecords.writeSpine(s[EventSpill.bucket(key, level + 1, SPLIT_PARTS)], key, in.readLong(), in.readVarint());
                }
            }
            for (Path f : eventFiles) {
                try (SpillInput in = SpillInput.stream(f, bufferBytes)) {
                    while (in.more()) {
                        int flags = in.readByte() & 0xFF;
                        String key = in.readString();
                        SpillOutput out = e[EventSpill.bucket(key, level + 1, SPLIT_PARTS)];
                        out.writeByte(flags);
                        out.writeString(key);
                        JoinRecords.copyEventRest(in, out, (flags & JoinRecords.RAW) != 0, slotCounts[flags & 0x7F]);
                    }
                }
            }
        } finally {
            SpillOutput.closeAll(s);
            SpillOutput.closeAll(e);
        }
        delete(spineFile, eventFiles);
        for (int i = 0; i < SPLIT_PARTS; i++) {
            join(dir.resolve("spine-" + i), List.of(dir.resolve("events-" + i)), level + 1);
        }
    }

    private static void delete(Path spineFile, List<Path> eventFiles) throws IOException {
        Files.deleteIfExists(spineFile);
        for (Path f : eventFiles) {
            Files.deleteIfExists(f);
        }
    }

    /**
     * Repeats of an event: the same source and id at the same key and time (an event re-sent after the
     * dedup horizon is archived again; the offline path counts it once). {@link #first} needs events in
     * time order; {@link #firstInAnyOrder} does not.
     * Events without an id are never repeats.
     */
    private static final class Repeats {
        private long time = Long.MIN_VALUE;
        private boolean any;
        private int n;
        private int[] sources = new int[4];
        private String[] ids = new String[4];

        /** Events applied since {@link #reset()}, for {@link #firstInAnyOrder}: (time, source, id). */
        private final java.util.Set<Applied> applied = new java.util.HashSet<>();

        private record Applied(long time, int source, String id) {}

        void reset() {
            any = false;
            n = 0;
            applied.clear();
        }

        /**
         * As {@link #first}, for events applied in arrival order, where a copy re-sent later may come
         * after events of other times (their time order is not the order they are applied in).
         */
        boolean firstInAnyOrder(long t, int source, String id) {
            return id == null || applied.add(new Applied(t, source, id));
        }

        boolean first(long t, int source, String id) {
            if (!any || t != time) {
                any = true;
                time = t;
                n = 0;
            }
            if (id == null) {
                return true;
            }
            for (int i = 0; i < n; i++) {
                if (sources[i] == source && ids[i].equals(id)) {
                    return false;
                }
            }
            if (n == ids.length) {
                sources = Arrays.copyOf(sources, n * 2);
                ids = Arrays.copyOf(ids, n * 2);
            }
            sources[n] = source;
            ids[n] = id;
            n++;
            return true;
        }
    }
}
