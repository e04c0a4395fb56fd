package dev.tessera.offline.training;

import dev.tessera.api.ClosestNames;
import dev.tessera.api.Definitions;
import dev.tessera.api.Entity;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.FeatureService;
import dev.tessera.api.Source;
import dev.tessera.api.TesseraException;
import dev.tessera.api.TimeSpan;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.EventTimes;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.offline.archive.EventScan;
import dev.tessera.offline.spill.EventSpill;
import dev.tessera.offline.spill.EventSpill.EventRec;
import dev.tessera.runtime.EntityKeys;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds a point-in-time training set (SPEC §3, §5): for every spine row {@code (keys, ts)} and every
 * feature of a service, the value the online store would have served at {@code ts} had every event
 * with {@code event_time < ts} arrived — computed by the same {@link GroupAggregator} the stream
 * runs, from the archived events decoded by the stream's own decoder.
 *
 * <h2>Bounded memory: partitioned processing</h2>
 * Neither the spine nor the archive is ever held whole:
 * <ol>
 *   <li><b>Spine pass.</b> Each row gets its row number; its {@code (key, ts, row)} goes, per entity
 *       of the service, to one of {@code B} bucket files chosen by a hash of the key.</li>
 *   <li><b>Event pass.</b> Each source is scanned once, only over the event-time range any row can
 *       see ({@code [min ts − longest window − hop, max ts)}, unbounded below for lifetime
 *       features); each event is decoded and written, per entity, to the bucket of its key.</li>
 *   <li><b>Join, bucket by bucket.</b> A bucket's rows and events are sorted by (key, time) and
 *       merged: for each key, its events are applied in time order to fresh tiles, and each row
 *       reads the features at its {@code ts} after exactly the events before {@code ts} were
 *       applied — so nothing at or after {@code ts} can leak in, whatever order events arrived in.
 *       A bucket too large for the memory budget is split again with another hash. Results go to
 *       files by row-number range.</li>
 *   <li><b>Assembly.</b> Range by range, the results of every entity are loaded and the spine is
 *       read again in order, so the output keeps the spine's row order and columns.</li>
 * </ol>
 * The heap holds one bucket, one result range and the tiles of one key at a time. A single key
 * whose events alone exceed the budget is the one case that is not bounded (its tiles still are).
 */
public final class TrainingSetBuilder {
    /** Output format. */
    public enum Format {
        PARQUET,
        CSV;

        /** The format a file name implies: {@code .csv} is CSV, anything else Parquet. */
        public static Format forFile(Path out) {
            return out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv") ? CSV : PARQUET;
        }
    }

    /** Progress of a long build, for a progress bar. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (phase, done, total) -> { };

        /** {@code total} is -1 when unknown. */
        void update(String phase, long done, long total);
    }

    /**
     * @param memoryBudgetBytes heap the join may use for one bucket and one result range
     * @param buckets           buckets per entity in the first split (0: chosen from the budget)
     * @param workDir           where spill files go (deleted afterwards)
     */
    public record Options(Path spine, String service, Path out, Format format, Path workDir, long memoryBudgetBytes, int buckets,
            boolean asArrived) {
        public static Options of(Path spine, String service, Path out, Path workDir) {
            return new Options(spine, service, out, Format.forFile(out), workDir, Runtime.getRuntime().maxMemory() / 4, 0, false);
        }

        public Options withFormat(Format f) {
            return new Options(spine, service, out, f, workDir, memoryBudgetBytes, buckets, asArrived);
        }

        public Options withMemoryBudget(long bytes) {
            return new Options(spine, service, out, format, workDir, bytes, buckets, asArrived);
        }

        public Options withBuckets(int n) {
            return new Options(spine, service, out, format, workDir, memoryBudgetBytes, n, asArrived);
        }

        /**
         * Values as the online store could have known them at each {@code ts}: only events that had
         * arrived by then (ingest time {@code <= ts}) and not more than the source's lateness after
         * their event time (later ones the stream rejects as late, in a live stream whose watermark
         * follows the clock) — what {@code tessera consistency} compares a mismatch with, to tell
         * late arrivals from errors. Each row is computed from scratch: for logs, not for training sets.
         */
        public Options whatHadArrived() {
            return new Options(spine, service, out, format, workDir, memoryBudgetBytes, buckets, true);
        }
    }

    /**
     * What a build did.
     *
     * @param rowsWithoutKey per entity: rows whose key columns were empty (their features are null)
     * @param problems       the first few rows with a problem, with where they are and what to fix
     */
    public record Report(long rows, long eventsScanned, long eventsJoined, long undecodableEvents, long rowsBadTimestamp,
            Map<String, Long> rowsWithoutKey, List<String> problems, List<String> featureColumns, int bucketsSplit) {}

    private static final int MAX_PROBLEMS = 10;
    /** In-heap size of a spilled record, relative to its bytes on disk (objects, arrays, sorting). */
    private static final int EXPANSION = 4;
    private static final int MAX_SPLIT_LEVEL = 6;

    private final Definitions defs;
    private final Path definitionsDir;
    private final Function<Source, EventScan> events;

    /**
     * @param events the archived events of a source (the archive, or a list in tests)
     */
    public TrainingSetBuilder(Definitions defs, Path definitionsDir, Function<Source, EventScan> events) {
        this.defs = defs;
        this.definitionsDir = definitionsDir;
        this.events = events;
    }

    // ---- the plan: which groups, entities and sources the service needs -------------------------

    /** A group as the service uses it: only the features the service asks for, compiled. */
    private static final class GroupPlan {
        final GroupAggregator agg;
        final int source;
        final int[] served;
        final int[] outColumns;

        GroupPlan(GroupAggregator agg, int source, int[] served, int[] outColumns) {
            this.agg = agg;
            this.source = source;
            this.served = served;
            this.outColumns = outColumns;
        }
    }

    private static final class EntityPlan {
        final int index;
        final Entity entity;
        final List<GroupPlan> groups = new ArrayList<>();
        int[] spineKeyColumns;
        int featureCount;
        long rowsWithoutKey;
        DataOutputStream[] spineOut;
        DataOutputStream[] eventOut;

        EntityPlan(int index, Entity entity) {
            this.index = index;
            this.entity = entity;
        }
    }

    private static final class SourcePlan {
        final int index;
        final Source source;
        final EventDecoder decoder;
        /** Per entity fed by this source: the entity and the layout slots of its key fields. */
        final List<EntityPlan> entities = new ArrayList<>();
        final List<int[]> keySlots = new ArrayList<>();
        /** How far before the earliest row events can still matter; Long.MAX_VALUE for lifetime features. */
        long lookback;

        SourcePlan(int index, Source source, EventDecoder decoder) {
            this.index = index;
            this.source = source;
            this.decoder = decoder;
        }
    }

    private final class Plan {
        final List<FeatureRef> features;
        final List<EntityPlan> entities = new ArrayList<>();
        final List<SourcePlan> sources = new ArrayList<>();

        Plan(FeatureService service) {
            features = service.features();
            Map<String, List<Integer>> columnsByGroup = new LinkedHashMap<>();
            for (int i = 0; i < features.size(); i++) {
                columnsByGroup.computeIfAbsent(features.get(i).group(), g -> new ArrayList<>()).add(i);
            }
            Map<String, EntityPlan> entityByName = new LinkedHashMap<>();
            Map<String, SourcePlan> sourceByName = new LinkedHashMap<>();
            for (var e : columnsByGroup.entrySet()) {
                FeatureGroup group = defs.group(e.getKey()).orElseThrow();
                Source source = defs.sourceOf(group);
                FieldLayout layout = SourceFields.layout(defs, source);
                SourcePlan sp = sourceByName.computeIfAbsent(source.name(), n -> new SourcePlan(sources.size(), source,
                        EventDecoders.forSource(source, definitionsDir, layout)));
                if (sp.index == sources.size()) {
                    sources.add(sp);
                }
                Entity entity = defs.entityOf(group);
                EntityPlan ep = entityByName.computeIfAbsent(entity.name(), n -> new EntityPlan(entities.size(), entity));
                if (ep.index == entities.size()) {
                    entities.add(ep);
                }
                if (!sp.entities.contains(ep)) {
                    sp.entities.add(ep);
                    sp.keySlots.add(entity.keys().stream().mapToInt(layout::requireSlot).toArray());
                }
                List<String> wanted = e.getValue().stream().map(i -> features.get(i).servedName()).toList();
                FeatureGroup reduced = reduce(group, wanted);
                GroupAggregator agg = GroupAggregator.compile(reduced, layout);
                int[] served = wanted.stream().mapToInt(agg::servedIndex).toArray();
                int[] out = e.getValue().stream().mapToInt(Integer::intValue).toArray();
                ep.groups.add(new GroupPlan(agg, sp.index, served, out));
                ep.featureCount += out.length;
                sp.lookback = Math.max(sp.lookback, lookback(reduced));
            }
        }
    }

    /** The group with only the features (and windows) in {@code served}: the same values, less work. */
    static FeatureGroup reduce(FeatureGroup group, List<String> served) {
        List<Feature> kept = new ArrayList<>();
        for (Feature f : group.features()) {
            if (f.lifetime()) {
                if (served.contains(f.name())) {
                    kept.add(f);
                }
                continue;
            }
            List<TimeSpan> windows = f.windows().stream().filter(w -> served.contains(f.servedName(w))).toList();
            if (!windows.isEmpty()) {
                kept.add(new Feature(f.name(), f.agg(), f.of(), f.where(), windows, f.hop(), f.k(), f.p(), f.meta()));
            }
        }
        return new FeatureGroup(group.name(), group.source(), group.entity(), kept, group.meta());
    }

    private static long lookback(FeatureGroup group) {
        long max = 0;
        for (Feature f : group.features()) {
            if (f.lifetime()) {
                return Long.MAX_VALUE;
            }
            for (TimeSpan w : f.windows()) {
                max = Math.max(max, w.millis() + f.hopFor(w).millis());
            }
        }
        return max;
    }

    // ---- the build ---------------------------------------------------------------------------

    public Report build(Options o, Progress progress) throws IOException {
        FeatureService service = defs.service(o.service()).orElseThrow(() -> new TesseraException("unknown feature service '"
                + o.service() + "'; " + ClosestNames.hint(o.service(), defs.services().keySet(), "services")));
        Plan plan = new Plan(service);
        if (!Files.isRegularFile(o.spine())) {
            throw new TesseraException("spine file " + o.spine() + " does not exist or is not a file; pass a CSV (with a header line)"
                    + " or a Parquet file with the entity keys, ts and any label columns");
        }
        Files.createDirectories(o.workDir());
        Path work = Files.createTempDirectory(o.workDir(), "training-set-");
        try {
            return build(o, plan, work, progress);
        } finally {
            EventSpill.deleteTree(work);
        }
    }

    private Report build(Options o, Plan plan, Path work, Progress progress) throws IOException {
        List<String> problems = new ArrayList<>();
        long badTs = 0;
        long rows = 0;
        long minTs = Long.MAX_VALUE;
        long maxTs = Long.MIN_VALUE;
        long spineBytes = Files.size(o.spine());
        int buckets = o.buckets() > 0 ? o.buckets()
                : (int) Math.min(512, Math.max(1, spineBytes * 8 * EXPANSION / Math.max(1, o.memoryBudgetBytes()) + 1));

        // 1. spine → (key, ts, row) per entity and bucket
        int tsColumn;
        try (SpineReader spine = SpineReader.open(o.spine())) {
            List<String> columns = spine.columns();
            tsColumn = requireColumn(o.spine(), columns, "ts", "the time each row is as of (epoch millis or ISO-8601)");
            for (EntityPlan ep : plan.entities) {
                ep.spineKeyColumns = ep.entity.keys().stream()
                        .mapToInt(k -> requireColumn(o.spine(), columns, k, "a key of entity " + ep.entity.name()
                                + ", which service " + o.service() + " has features of"))
                        .toArray();
                ep.spineOut = EventSpill.openBuckets(work.resolve("spine-" + ep.index), buckets);
                ep.eventOut = EventSpill.openBuckets(work.resolve("events-" + ep.index), buckets);
            }
            Object[] row;
            while ((row = spine.next()) != null) {
                long r = rows++;
                long ts;
                try {
                    ts = parseTs(row[tsColumn]);
                } catch (IllegalArgumentException e) {
                    badTs++;
                    if (problems.size() < MAX_PROBLEMS) {
                        problems.add("spine " + spine.where() + ": ts " + e.getMessage() + "; the row is kept with empty features");
                    }
                    continue;
                }
                minTs = Math.min(minTs, ts);
                maxTs = Math.max(maxTs, ts);
                for (EntityPlan ep : plan.entities) {
                    Object[] parts = new Object[ep.spineKeyColumns.length];
                    for (int i = 0; i < parts.length; i++) {
                        parts[i] = row[ep.spineKeyColumns[i]];
                    }
                    String key = EntityKeys.of(parts);
                    if (key == null) {
                        if (ep.rowsWithoutKey++ == 0 && problems.size() < MAX_PROBLEMS) {
                            problems.add("spine " + spine.where() + ": no value for " + ep.entity.keys() + " (entity "
                                    + ep.entity.name() + "); that entity's features are empty in such rows");
                        }
                        continue;
                    }
                    DataOutputStream out = ep.spineOut[EventSpill.bucket(key, 0, buckets)];
                    SpillValues.writeString(out, key);
                    out.writeLong(ts);
                    out.writeLong(r);
                }
                if ((r & 0xFFFF) == 0) {
                    progress.update("spine", r, -1);
                }
            }
            progress.update("spine", rows, rows);
        }
        for (EntityPlan ep : plan.entities) {
            EventSpill.closeAll(ep.spineOut);
        }

        // 2. events → (source, key, time, partition, offset, id, raw) per entity and bucket
        long[] scanned = {0};
        long[] undecodable = {0};
        if (minTs <= maxTs) {
            for (SourcePlan sp : plan.sources) {
                long from = sp.lookback == Long.MAX_VALUE || minTs - sp.lookback > minTs ? Long.MIN_VALUE : minTs - sp.lookback;
                EventScan scan = events.apply(sp.source);
                final int b = buckets;
                try {
                    scan.forEach(from, maxTs, ev -> {
                        if (++scanned[0] % 100_000 == 0) {
                            progress.update("events", scanned[0], -1);
                        }
                        Decoded d = sp.decoder.decode(ev.raw());
                        if (!d.isAccepted()) {
                            if (undecodable[0]++ == 0 && problems.size() < MAX_PROBLEMS) {
                                problems.add("archive of source " + sp.source.name() + ": the event at partition " + ev.partition()
                                        + " offset " + ev.offset() + " no longer decodes (" + d.message() + "); it was skipped");
                            }
                            return;
                        }
                        Event e = d.event();
                        for (int i = 0; i < sp.entities.size(); i++) {
                            String key = EntityKeys.of(e, sp.keySlots.get(i));
                            if (key != null) {
                                EventSpill.write(sp.entities.get(i).eventOut[EventSpill.bucket(key, 0, b)], sp.index, key, ev);
                            }
                        }
                    });
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            }
            progress.update("events", scanned[0], scanned[0]);
        }
        for (EntityPlan ep : plan.entities) {
            EventSpill.closeAll(ep.eventOut);
        }

        // 3. join bucket by bucket → results by row range
        int featureCount = plan.features.size();
        long chunkRows = Math.max(1024, o.memoryBudgetBytes() / (64L + 48L * featureCount));
        int chunks = (int) Math.max(1, (rows + chunkRows - 1) / chunkRows);
        int[] kinds = new int[featureCount];
        long[] joined = {0};
        int[] splits = {0};
        Path results = work.resolve("results");
        Files.createDirectories(results);
        long totalBuckets = (long) buckets * plan.entities.size();
        long doneBuckets = 0;
        for (EntityPlan ep : plan.entities) {
            ResultSink sink = new ResultSink(results.resolve("entity-" + ep.index), chunks, chunkRows);
            try {
                for (int b = 0; b < buckets; b++) {
                    joinBucket(plan, ep, EventSpill.bucketFile(work.resolve("spine-" + ep.index), b), EventSpill.bucketFile(work.resolve("events-" + ep.index), b),
                            0, o, sink, kinds, joined, splits);
                    progress.update("join", ++doneBuckets, totalBuckets);
                }
            } finally {
                sink.close();
            }
        }

        // 4. assemble in spine order
        List<String> featureColumns = plan.features.stream().map(FeatureRef::columnName).toList();
        Path tmpOut = o.out().resolveSibling(o.out().getFileName() + ".inprogress");
        try (SpineReader spine = SpineReader.open(o.spine());
             TrainingSetWriter writer = o.format() == Format.CSV
                     ? TrainingSetWriter.csv(tmpOut, spine.columns(), featureColumns, kinds)
                     : TrainingSetWriter.parquet(tmpOut, spine, featureColumns, kinds)) {
            long written = 0;
            for (int c = 0; c < chunks; c++) {
                long first = c * chunkRows;
                int n = (int) Math.min(chunkRows, rows - first);
                Object[][] values = new Object[Math.max(0, n)][featureCount];
                for (EntityPlan ep : plan.entities) {
                    readResults(results.resolve("entity-" + ep.index).resolve("chunk-" + c), ep, first, values);
                }
                for (int i = 0; i < n; i++) {
                    Object[] row = spine.next();
                    writer.write(row, values[i]);
                    if ((++written & 0xFFFF) == 0) {
                        progress.update("write", written, rows);
                    }
                }
            }
            progress.update("write", written, rows);
        }
        Files.move(tmpOut, o.out(), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Map<String, Long> withoutKey = new LinkedHashMap<>();
        for (EntityPlan ep : plan.entities) {
            withoutKey.put(ep.entity.name(), ep.rowsWithoutKey);
        }
        return new Report(rows, scanned[0], joined[0], undecodable[0], badTs, withoutKey, problems, featureColumns, splits[0]);
    }

    // ---- joining one bucket --------------------------------------------------------------------

    private record SpineRec(String key, long ts, long row) {}


    private static final Comparator<SpineRec> SPINE_ORDER =
            Comparator.comparing(SpineRec::key).thenComparingLong(SpineRec::ts).thenComparingLong(SpineRec::row);
    private void joinBucket(Plan plan, EntityPlan ep, Path spineFile, Path eventFile, int level, Options o,
            ResultSink sink, int[] kinds, long[] joined, int[] splits) throws IOException {
        long budget = o.memoryBudgetBytes();
        long bytes = Files.size(spineFile) + Files.size(eventFile);
        if (Files.size(spineFile) == 0) {
            return;
        }
        if (bytes * EXPANSION > budget && level < MAX_SPLIT_LEVEL) {
            splits[0]++;
            int parts = 8;
            Path dir = spineFile.resolveSibling(spineFile.getFileName() + "-split");
            Files.createDirectories(dir);
            DataOutputStream[] s = EventSpill.openBuckets(dir.resolve("spine"), parts);
            DataOutputStream[] e = EventSpill.openBuckets(dir.resolve("events"), parts);
            try (DataInputStream in = EventSpill.input(spineFile)) {
                SpineRec r;
                while ((r = readSpine(in)) != null) {
                    DataOutputStream out = s[EventSpill.bucket(r.key, level + 1, parts)];
                    SpillValues.writeString(out, r.key);
                    out.writeLong(r.ts);
                    out.writeLong(r.row);
                }
            }
            try (DataInputStream in = EventSpill.input(eventFile)) {
                EventRec r;
                while ((r = EventSpill.read(in)) != null) {
                    EventSpill.write(e[EventSpill.bucket(r.key(), level + 1, parts)], r);
                }
            }
            EventSpill.closeAll(s);
            EventSpill.closeAll(e);
            Files.delete(spineFile);
            Files.delete(eventFile);
            for (int i = 0; i < parts; i++) {
                joinBucket(plan, ep, EventSpill.bucketFile(dir.resolve("spine"), i), EventSpill.bucketFile(dir.resolve("events"), i), level + 1, o,
                        sink, kinds, joined, splits);
            }
            return;
        }
        List<SpineRec> rows = new ArrayList<>();
        try (DataInputStream in = EventSpill.input(spineFile)) {
            for (SpineRec r; (r = readSpine(in)) != null; ) {
                rows.add(r);
            }
        }
        List<EventRec> evs = new ArrayList<>();
        try (DataInputStream in = EventSpill.input(eventFile)) {
            for (EventRec r; (r = EventSpill.read(in)) != null; ) {
                evs.add(r);
            }
        }
        rows.sort(SPINE_ORDER);
        evs.sort(EventSpill.ORDER);
        SourcePlan[] sources = plan.sources.toArray(new SourcePlan[0]);
        Object[] values = new Object[ep.featureCount];
        int[] columns = new int[ep.featureCount];
        EventSpill.Repeats repeats = new EventSpill.Repeats();
        int j = 0;
        int i = 0;
        while (i < rows.size()) {
            String key = rows.get(i).key;
            while (j < evs.size() && evs.get(j).key().compareTo(key) < 0) {
                j++;
            }
            EntityTiles[] tiles = new EntityTiles[ep.groups.size()];
            for (int g = 0; g < tiles.length; g++) {
                tiles[g] = ep.groups.get(g).agg.newEntity();
            }
            int sinceEvict = 0;
            int firstOfKey = j;
            for (; i < rows.size() && rows.get(i).key.equals(key); i++) {
                SpineRec row = rows.get(i);
                if (o.asArrived()) {
                    // only what had arrived by ts: later rows may see events this one must not, so start over
                    for (int g = 0; g < tiles.length; g++) {
                        tiles[g] = ep.groups.get(g).agg.newEntity();
                    }
                    repeats = new EventSpill.Repeats();
                    for (j = firstOfKey; j < evs.size() && evs.get(j).key().equals(key) && evs.get(j).time() < row.ts; j++) {
                        EventRec ev = evs.get(j);
                        boolean wasLate = ev.ingest() - ev.time() > sources[ev.source()].source.lateness().millis();
                        if (ev.ingest() <= row.ts && !wasLate && repeats.first(ev)) {
                            apply(ep, tiles, sources, ev, joined);
                        }
                    }
                } else {
                    for (; j < evs.size() && evs.get(j).key().equals(key) && evs.get(j).time() < row.ts; j++) {
                        EventRec ev = evs.get(j);
                        if (repeats.first(ev)) {
                            apply(ep, tiles, sources, ev, joined);
                            sinceEvict++;
                        }
                    }
                }
                if (sinceEvict > 4096) {
                    for (int g = 0; g < tiles.length; g++) {
                        ep.groups.get(g).agg.evict(tiles[g], row.ts);
                    }
                    sinceEvict = 0;
                }
                int c = 0;
                for (int g = 0; g < tiles.length; g++) {
                    GroupPlan gp = ep.groups.get(g);
                    for (int k = 0; k < gp.served.length; k++) {
                        values[c] = gp.agg.read(tiles[g], row.ts, gp.served[k]);
                        columns[c] = gp.outColumns[k];
                        c++;
                    }
                }
                sink.write(row.row, values, columns, kinds);
            }
            while (j < evs.size() && evs.get(j).key().equals(key)) {
                j++;
            }
        }
    }

    private static SpineRec readSpine(DataInputStream in) throws IOException {
        String key;
        try {
            key = SpillValues.readString(in);
        } catch (EOFException end) {
            return null;
        }
        return new SpineRec(key, in.readLong(), in.readLong());
    }

    private static void apply(EntityPlan ep, EntityTiles[] tiles, SourcePlan[] sources, EventRec ev, long[] joined) {
        Decoded d = sources[ev.source()].decoder.decode(ev.raw());
        if (!d.isAccepted()) {
            return; // counted in the event pass
        }
        Event e = d.event();
        for (int g = 0; g < tiles.length; g++) {
            GroupPlan gp = ep.groups.get(g);
            if (gp.source == ev.source()) {
                gp.agg.apply(tiles[g], e, ev.time(), ev.id());
            }
        }
        joined[0]++;
    }

    /** Result files by row range: records {@code (row, value per feature of the entity)}. */
    private static final class ResultSink implements AutoCloseable {
        private final Path dir;
        private final DataOutputStream[] chunks;
        private final long chunkRows;

        ResultSink(Path dir, int chunks, long chunkRows) throws IOException {
            this.dir = Files.createDirectories(dir);
            this.chunks = new DataOutputStream[chunks];
            this.chunkRows = chunkRows;
        }

        void write(long row, Object[] values, int[] columns, int[] kinds) throws IOException {
            int c = (int) (row / chunkRows);
            DataOutputStream out = chunks[c];
            if (out == null) {
                out = chunks[c] = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve("chunk-" + c)), 1 << 14));
            }
            out.writeLong(row);
            for (int i = 0; i < values.length; i++) {
                kinds[columns[i]] |= SpillValues.writeValue(out, values[i]);
            }
        }

        @Override
        public void close() throws IOException {
            EventSpill.closeAll(chunks);
        }
    }

    private static void readResults(Path file, EntityPlan ep, long firstRow, Object[][] values) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        int[] columns = new int[ep.featureCount];
        int c = 0;
        for (GroupPlan gp : ep.groups) {
            for (int col : gp.outColumns) {
                columns[c++] = col;
            }
        }
        try (DataInputStream in = EventSpill.input(file)) {
            while (true) {
                long row;
                try {
                    row = in.readLong();
                } catch (EOFException end) {
                    return;
                }
                Object[] target = values[(int) (row - firstRow)];
                for (int col : columns) {
                    target[col] = SpillValues.readValue(in);
                }
            }
        }
    }

    // ---- spine values --------------------------------------------------------------------------

    private static int requireColumn(Path spine, List<String> columns, String name, String what) {
        int i = columns.indexOf(name);
        if (i < 0) {
            throw new TesseraException("spine " + spine + " has no column '" + name + "' (" + what + ")"
                    + "; " + ClosestNames.hint(name, columns, "its columns are"));
        }
        return i;
    }

    /**
     * A spine {@code ts}: epoch milliseconds (a number, or digits), an ISO-8601 instant or offset
     * date-time, a local date-time (read as UTC) or a date (its midnight, UTC).
     *
     * @throws IllegalArgumentException saying what the value was and what is accepted
     */
    static long parseTs(Object v) {
        if (v == null) {
            throw new IllegalArgumentException("is empty; give epoch milliseconds or an ISO-8601 time such as 2026-11-26T10:15:00Z");
        }
        if (v instanceof Instant i) {
            return i.toEpochMilli();
        }
        if (!(v instanceof String s)) {
            return EventTimes.toEpochMillis(v);
        }
        String t = s.strip();
        if (!t.isEmpty() && t.chars().allMatch(ch -> ch >= '0' && ch <= '9' || ch == '-') && t.lastIndexOf('-') <= 0) {
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "' is not a number of epoch milliseconds");
            }
        }
        try {
            return Instant.parse(t).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return OffsetDateTime.parse(t).toInstant().toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + s + "' is neither epoch milliseconds nor an ISO-8601 time such as 2026-11-26T10:15:00Z");
        }
    }
}
