package dev.tessera.offline.training;

import dev.tessera.api.ClosestNames;
import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.FeatureService;
import dev.tessera.api.Source;
import dev.tessera.api.TesseraException;
import dev.tessera.core.io.Folders;
import dev.tessera.schemas.SchemaRegistry;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.EventTimes;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.offline.archive.ArchivedEvent;
import dev.tessera.offline.archive.EventScan;
import dev.tessera.offline.spill.EventSpill;
import dev.tessera.offline.spill.WorkFolders;
import dev.tessera.offline.training.JoinPlan.EntityPlan;
import dev.tessera.offline.training.JoinPlan.SourcePlan;
import dev.tessera.runtime.EntityKeys;
import dev.tessera.runtime.decode.Decoded;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Builds a point-in-time training set (SPEC §3, §5): for every spine row {@code (keys, ts)} and every
 * feature of a service, the value the online store would have served at {@code ts} had every event
 * with {@code event_time < ts} arrived — computed by the same {@link GroupAggregator} the stream
 * runs, from the archived events decoded by the stream's own decoder (ADR 010).
 *
 * <h2>Bounded memory: partitioned processing</h2>
 * Neither the spine nor the archive is ever held whole:
 * <ol>
 *   <li><b>Spine pass.</b> Each row gets its row number; its {@code (key, ts, row)} goes, per entity
 *       of the service, to one of {@code B} bucket files chosen by a hash of the key. The keys also
 *       go into a Bloom filter per entity ({@link SpineKeyFilter}).</li>
 *   <li><b>Event pass.</b> Each source is scanned once, only over the event-time range any row can
 *       see ({@code [min ts − longest window − hop, max ts)}, unbounded below for lifetime
 *       features), by all workers at once (the archive splits by file). Each event is decoded once;
 *       per entity, an event whose key the filter says no row has is dropped, the others are written
 *       to their key's bucket as compact records holding just the fields the entity's groups read
 *       ({@link JoinRecords}).</li>
 *   <li><b>Join, bucket by bucket</b> ({@link BucketJoin}), the workers taking buckets in turn: for
 *       each key, its events are applied in time order to fresh tiles, and each row reads the
 *       features at its {@code ts} after exactly the events before {@code ts} were applied — so
 *       nothing at or after {@code ts} can leak in, whatever order events arrived in. A bucket too
 *       large for a worker's share of the budget is split again with another hash. Results go to
 *       files by row-number range ({@link ResultSink}).</li>
 *   <li><b>Assembly.</b> Range by range, the results of every entity are loaded and the spine is
 *       read again in order, so the output keeps the spine's row order and columns.</li>
 * </ol>
 * The heap holds one bucket per worker, one result range and the tiles of one key per worker. A
 * single key whose events alone exceed the budget is the one case that is not bounded (its tiles
 * still are).
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

    /** Progress of a long build, for a progress bar. Called from the thread that called {@code build}. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (phase, done, total) -> { };

        /** {@code total} is -1 when unknown. */
        void update(String phase, long done, long total);
    }

    /**
     * @param memoryBudgetBytes heap the join may use for the buckets being joined (shared by the
     *                          workers) and one result range
     * @param buckets           buckets per entity in the first split (0: chosen from the budget)
     * @param workDir           where spill files go (deleted afterwards)
     * @param threads           workers of the event pass and the join (0: one per available processor)
     * @param asArrived         see {@link #whatHadArrived()}
     * @param arrivalLagMillis  with {@code asArrived}: only events that had arrived this long before each {@code ts}
     */
    public record Options(Path spine, String service, Path out, Format format, Path workDir, long memoryBudgetBytes, int buckets,
            boolean asArrived, long arrivalLagMillis, int threads) {
        public static Options of(Path spine, String service, Path out, Path workDir) {
            return new Options(spine, service, out, Format.forFile(out), workDir, Runtime.getRuntime().maxMemory() / 4, 0, false, 0, 0);
        }

        public Options withFormat(Format f) {
            return new Options(spine, service, out, f, workDir, memoryBudgetBytes, buckets, asArrived, arrivalLagMillis, threads);
        }

        public Options withMemoryBudget(long bytes) {
            return new Options(spine, service, out, format, workDir, bytes, buckets, asArrived, arrivalLagMillis, threads);
        }

        public Options withBuckets(int n) {
            return new Options(spine, service, out, format, workDir, memoryBudgetBytes, n, asArrived, arrivalLagMillis, threads);
        }

        public Options withThreads(int n) {
            return new Options(spine, service, out, format, workDir, memoryBudgetBytes, buckets, asArrived, arrivalLagMillis, n);
        }

        /**
         * Values as the online store could have known them at each {@code ts}: only events that had
         * arrived by then (ingest time {@code <= ts}) and not more than the source's lateness after
         * their event time (later ones the stream rejects as late, in a live stream whose watermark
         * follows the clock) — what {@code tessera consistency} compares a mismatch with, to tell
         * late arrivals from errors. Each row is computed from scratch: for logs, not for training sets.
         */
        public Options whatHadArrived() {
            return new Options(spine, service, out, format, workDir, memoryBudgetBytes, buckets, true, 0, threads);
        }

        /**
         * As {@link #whatHadArrived()}, with only the events that had arrived {@code lagMillis} before each
         * {@code ts}: what the online store held at a read if events still on their way from the broker
         * (arrived, not yet applied) are left out.
         */
        public Options whatHadArrived(long lagMillis) {
            return new Options(spine, service, out, format, workDir, memoryBudgetBytes, buckets, true, lagMillis, threads);
        }

        int workers() {
            return threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
        }
    }

    /**
     * What a build did.
     *
     * @param rowsWithoutKey per entity: rows whose key columns were empty (their features are null)
     * @param problems       the first few rows with a problem, with where they are and what to fix
     * @param warnings       what likely makes the features empty or 0 though nothing failed: a field the features read
     *                       that none of the events read carried ({@link dev.tessera.offline.archive.FieldSample}), a
     *                       spine whose every ts is before 1973 (epoch seconds given for milliseconds)
     */
    public record Report(long rows, long eventsScanned, long eventsJoined, long undecodableEvents, long rowsBadTimestamp,
            Map<String, Long> rowsWithoutKey, List<String> problems, List<String> featureColumns, int bucketsSplit,
            List<String> warnings) {}

    /** 1973-03-03: a spine whose every ts is earlier was most likely written in epoch seconds. */
    static final long SECONDS_SUSPECTED_BELOW = 100_000_000_000L;

    private static final int MAX_PROBLEMS = 10;
    private static final int MAX_BUCKETS = 512;
    /** Spill bytes of an event record, for sizing buckets before the event pass (measured: 40–60). */
    private static final int EVENT_RECORD_BYTES = 64;

    private final Definitions defs;
    private final Path definitionsDir;
    private final Function<Source, EventScan> events;
    private final SchemaRegistry registry;

    /**
     * @param events the archived events of a source (the archive, or a list in tests)
     */
    public TrainingSetBuilder(Definitions defs, Path definitionsDir, Function<Source, EventScan> events) {
        this(defs, definitionsDir, events, null);
    }

    /** @param registry where avro-confluent sources' writer schemas are found; null when none is needed */
    public TrainingSetBuilder(Definitions defs, Path definitionsDir, Function<Source, EventScan> events,
            SchemaRegistry registry) {
        this.registry = registry;
        this.defs = defs;
        this.definitionsDir = definitionsDir;
        this.events = events;
    }

    static final String WORK_PREFIX = "training-set-";

    public Report build(Options o, Progress progress) throws IOException {
        FeatureService service = defs.service(o.service()).orElseThrow(() -> new TesseraException("unknown feature service '"
                + o.service() + "'; " + ClosestNames.hint(o.service(), defs.services().keySet(), "services")));
        JoinPlan plan = new JoinPlan(defs, definitionsDir, service, registry);
        if (!Files.isRegularFile(o.spine())) {
            throw new TesseraException("spine file " + o.spine() + " does not exist or is not a file; pass a CSV (with a header line)"
                    + " or a Parquet file with the entity keys, ts and any label columns");
        }
        Path work = WorkFolders.create(o.workDir(), WORK_PREFIX); // and deletes those of killed builds
        ExecutorService pool = Executors.newFixedThreadPool(o.workers(), r -> {
            Thread t = new Thread(r, "training-set-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            return new Build(o, plan, work, progress, pool).run();
        } finally {
            pool.shutdownNow();
            Folders.deleteTree(work);
        }
    }

    /** The state of one build. */
    private final class Build {
        final Options o;
        final JoinPlan plan;
        final Path work;
        final Progress progress;
        final ExecutorService pool;
        final int workers;
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        final Map<EntityPlan, long[]> withoutKey = new LinkedHashMap<>();
        final AtomicLong scanned = new AtomicLong();
        final AtomicLong undecodable = new AtomicLong();
        int buckets;
        int bufferBytes;
        long rows;
        long badTs;
        long minTs = Long.MAX_VALUE;
        long maxTs = Long.MIN_VALUE;
        /** The newest event time in the archives of the plan's sources, or Long.MAX_VALUE when a scan cannot tell. */
        long archivedUntil = Long.MAX_VALUE;
        /** Rows whose ts is after {@link #archivedUntil}. */
        long pastArchive;
        SpineKeyFilter[] filters;
        /** Per source (by its plan's index): do the events read carry the fields the features read. */
        final dev.tessera.offline.archive.FieldSample[] samples;

        Build(Options o, JoinPlan plan, Path work, Progress progress, ExecutorService pool) {
            this.o = o;
            this.plan = plan;
            this.samples = plan.sources.stream().map(sp -> new dev.tessera.offline.archive.FieldSample(sp.source.name(), sp.uses, sp.layout))
                    .toArray(dev.tessera.offline.archive.FieldSample[]::new);
            this.work = work;
            this.progress = progress;
            this.pool = pool;
            this.workers = o.workers();
        }

        Report run() throws IOException {
            sizeBuckets();
            archivedUntil = newestArchived();
            int tsColumn = spinePass();
            eventPass();
            int featureCount = plan.features.size();
            // a range of results per worker fits the budget; at least as many ranges as workers, to write in parts
            long chunkRows = Math.max(64, Math.min(o.memoryBudgetBytes() / workers / (64L + 48L * featureCount),
                    (rows + workers - 1) / workers));
            int chunks = (int) Math.max(1, (rows + chunkRows - 1) / chunkRows);
            JoinTotals totals = joinPass(chunks, chunkRows);
            List<String> featureColumns = plan.features.stream().map(FeatureRef::columnName).toList();
            assemble(featureColumns, totals.kinds, chunks, chunkRows);
            Map<String, Long> noKey = new LinkedHashMap<>();
            for (EntityPlan ep : plan.entities) {
                noKey.put(ep.entity.name(), withoutKey.get(ep)[0]);
            }
            List<String> absent = new ArrayList<>();
            if (maxTs != Long.MIN_VALUE && maxTs < SECONDS_SUSPECTED_BELOW && maxTs > 0) {
                absent.add("every row's ts is before 1973 (the latest, " + maxTs + ", is " + Instant.ofEpochMilli(maxTs)
                        + "): ts is read as epoch milliseconds; if the spine has epoch seconds, multiply them by 1000");
            }
            for (dev.tessera.offline.archive.FieldSample sample : samples) {
                absent.addAll(sample.absent());
            }
            if (pastArchive > 0) {
                absent.add(String.format(java.util.Locale.ROOT, "%,d of %,d rows have a ts after the newest archived event of the"
                        + " service's sources (%s): their features miss the events that reached the stream after it but are not"
                        + " archived yet (the archive commits every 60 s with tessera run, every 10 s in the demo); build again"
                        + " once the archive has caught up, or keep ts before it", pastArchive, rows,
                        archivedUntil == Long.MIN_VALUE ? "none is archived" : Instant.ofEpochMilli(archivedUntil).toString()));
            }
            return new Report(rows, scanned.get(), totals.joined, undecodable.get(), badTs, noKey, List.copyOf(problems), featureColumns,
                    totals.splits, List.copyOf(absent));
        }

        /** The newest event time over the plan's sources' scans; Long.MAX_VALUE when one of them cannot tell. */
        long newestArchived() {
            long newest = Long.MIN_VALUE;
            for (SourcePlan sp : plan.sources) {
                java.util.OptionalLong n = events.apply(sp.source).newestEventTime();
                if (n.isEmpty()) {
                    return Long.MAX_VALUE;
                }
                newest = Math.max(newest, n.getAsLong());
            }
            return newest;
        }

        void problem(String p) {
            synchronized (problems) {
                if (problems.size() < MAX_PROBLEMS) {
                    problems.add(p);
                }
            }
        }

        /**
         * Buckets per entity, so that one bucket of each worker fits its share of the budget: from the
         * number of archived events (when the scan can tell without reading) and the spine's size.
         */
        void sizeBuckets() throws IOException {
            long spineBytes = Files.size(o.spine());
            long perWorker = Math.max(1, o.memoryBudgetBytes() / workers);
            if (o.buckets() > 0) {
                buckets = o.buckets();
            } else {
                long eventBytes = 0;
                boolean known = true;
                for (SourcePlan sp : plan.sources) {
                    long n = events.apply(sp.source).count(Long.MIN_VALUE, Long.MAX_VALUE);
                    known &= n >= 0;
                    eventBytes += Math.max(0, n) * EVENT_RECORD_BYTES * sp.entities.size();
                }
                long estimate = known ? eventBytes / Math.max(1, plan.entities.size()) + spineBytes * 4 : spineBytes * 8;
                long wanted = estimate * BucketJoin.EXPANSION / perWorker + 1;
                buckets = (int) Math.min(MAX_BUCKETS, Math.max(wanted, 8L * workers)); // several per worker: they finish together
            }
            long openFiles = (long) plan.entities.size() * buckets * workers;
            bufferBytes = (int) Math.max(1 << 10, Math.min(64 << 10, o.memoryBudgetBytes() / 8 / Math.max(1, openFiles)));
        }

        // ---- 1. spine → (key, ts, row) per entity and bucket ------------------------------------

        int spinePass() throws IOException {
            int tsColumn;
            SpillOutput[][] out = new SpillOutput[plan.entities.size()][];
            try (SpineReader spine = SpineReader.open(o.spine())) {
                List<String> columns = spine.columns();
                tsColumn = requireColumn(o.spine(), columns, "ts", "the time each row is as of (epoch millis or ISO-8601)");
                List<String> taken = plan.features.stream().map(FeatureRef::columnName).filter(columns::contains).toList();
                if (!taken.isEmpty()) {
                    throw new TesseraException("spine " + o.spine() + " already has " + (taken.size() == 1 ? "a column" : taken.size()
                            + " columns") + " named as feature" + (taken.size() == 1 ? "" : "s") + " of service " + o.service() + " ("
                            + String.join(", ", taken.subList(0, Math.min(3, taken.size()))) + (taken.size() > 3 ? ", ..." : "")
                            + "): the output would have two columns of that name. Is it an earlier training set? Keep only"
                            + " its key, ts and label columns as the spine (or rename those columns)");
                }
                int[][] keyColumns = new int[plan.entities.size()][];
                for (EntityPlan ep : plan.entities) {
                    keyColumns[ep.index] = ep.entity.keys().stream()
                            .mapToInt(k -> requireColumn(o.spine(), columns, k, "a key of entity " + ep.entity.name()
                                    + ", which service " + o.service() + " has features of"))
                            .toArray();
                    withoutKey.put(ep, new long[1]);
                    out[ep.index] = new SpillOutput[buckets];
                    for (int b = 0; b < buckets; b++) {
                        out[ep.index][b] = new SpillOutput(spineFile(ep, b), bufferBytes);
                    }
                }
                Object[] row;
                while ((row = spine.next()) != null) {
                    long r = rows++;
                    long ts;
                    try {
                        ts = parseTs(row[tsColumn]);
                    } catch (IllegalArgumentException e) {
                        badTs++;
                        problem("spine " + spine.where() + ": ts " + e.getMessage() + "; the row is kept with empty features");
                        continue;
                    }
                    minTs = Math.min(minTs, ts);
                    maxTs = Math.max(maxTs, ts);
                    if (ts > archivedUntil) {
                        pastArchive++;
                    }
                    for (EntityPlan ep : plan.entities) {
                        int[] kc = keyColumns[ep.index];
                        Object[] parts = new Object[kc.length];
                        for (int i = 0; i < parts.length; i++) {
                            parts[i] = row[kc[i]];
                        }
                        String key = EntityKeys.of(parts);
                        if (key == null) {
                            if (withoutKey.get(ep)[0]++ == 0) {
                                problem("spine " + spine.where() + ": no value for " + ep.entity.keys() + " (entity "
                                        + ep.entity.name() + "); that entity's features are empty in such rows");
                            }
                            continue;
                        }
                        JoinRecords.writeSpine(out[ep.index][EventSpill.bucket(key, 0, buckets)], key, ts, r);
                    }
                    if ((r & 0xFFFF) == 0) {
                        progress.update("spine", r, -1);
                    }
                }
                progress.update("spine", rows, rows);
            } finally {
                for (SpillOutput[] o2 : out) {
                    if (o2 != null) {
                        SpillOutput.closeAll(o2);
                    }
                }
            }
            // the (key, time) each entity's rows need, as a filter for the event pass (at most an eighth of the budget)
            filters = new SpineKeyFilter[plan.entities.size()];
            for (EntityPlan ep : plan.entities) {
                SpineKeyFilter f = SpineKeyFilter.sized(rows, ep.lookback, o.memoryBudgetBytes() / 8 / plan.entities.size(), minTs, maxTs);
                for (int b = 0; b < buckets; b++) {
                    try (SpillInput in = SpillInput.stream(spineFile(ep, b), bufferBytes)) {
                        while (in.more()) {
                            String key = in.readString();
                            f.add(key, in.readLong());
                            in.readVarint();
                        }
                    }
                }
                filters[ep.index] = f;
            }
            return tsColumn;
        }

        Path spineFile(EntityPlan ep, int bucket) {
            return work.resolve("spine-" + ep.index + "-" + bucket);
        }

        Path eventFile(EntityPlan ep, int worker, int bucket) {
            return work.resolve("events-" + ep.index + "-w" + worker + "-" + bucket);
        }

        // ---- 2. events → compact records per entity and bucket, by every worker ------------------

        void eventPass() throws IOException {
            List<SourcePlan> partSource = new ArrayList<>();
            List<EventScan> parts = new ArrayList<>();
            List<long[]> ranges = new ArrayList<>();
            long expected = 0;
            if (minTs <= maxTs) {
                for (SourcePlan sp : plan.sources) {
                    long from = sp.lookback == Long.MAX_VALUE || minTs - sp.lookback > minTs ? Long.MIN_VALUE : minTs - sp.lookback;
                    EventScan scan = events.apply(sp.source);
                    long n = scan.count(from, maxTs);
                    expected = expected < 0 || n < 0 ? -1 : expected + n;
                    for (EventScan part : scan.split()) {
                        partSource.add(sp);
                        parts.add(part);
                        ranges.add(new long[] {from, maxTs});
                    }
                }
            }
            AtomicInteger next = new AtomicInteger();
            List<Runnable> tasks = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int worker = w;
                tasks.add(() -> {
                    SpillOutput[][] out = new SpillOutput[plan.entities.size()][buckets];
                    long[] seen = {0}; // counted here, added to the shared count now and then: one shared counter per event costs more than the spill
                    try {
                        for (EntityPlan ep : plan.entities) {
                            for (int b = 0; b < buckets; b++) {
                                out[ep.index][b] = new SpillOutput(eventFile(ep, worker, b), bufferBytes);
                            }
                        }
                        for (int p; (p = next.getAndIncrement()) < parts.size(); ) {
                            SourcePlan sp = partSource.get(p);
                            long[] range = ranges.get(p);
                            parts.get(p).forEachWithValues(range[0], range[1], sp.keyFields, sp.valueFields, sp.decoderFingerprint,
                                    new EventScan.ValueSink() {
                                        /** {@link #wants} was asked about the event {@link #accept} receives next, and said yes. */
                                        boolean approved;
                                        /** The entity keys the spine filter let through for that event (null: keys unknown). */
                                        String[] needed;

                                        @Override
                                        public boolean wants(String[] keys, long eventTime) {
                                            if ((++seen[0] & 0x3FF) == 0) {
                                                scanned.addAndGet(0x400);
                                            }
                                            needed = keys == null ? null : neededKeys(sp, keys, eventTime);
                                            approved = keys == null || needed != null;
                                            return approved;
                                        }

                                        @Override
                                        public void accept(ArchivedEvent ev, String[] keys, Object[] values) {
                                            if (!approved) { // a scan that does not ask wants()
                                                if ((++seen[0] & 0x3FF) == 0) {
                                                    scanned.addAndGet(0x400);
                                                }
                                                needed = keys == null ? null : neededKeys(sp, keys, ev.eventTime());
                                                if (keys != null && needed == null) {
                                                    return;
                                                }
                                            }
                                            approved = false;
                                            spill(sp, ev, needed, values, out);
                                        }
                                    });
                        }
                        scanned.addAndGet(seen[0] & 0x3FF);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } finally {
                        for (SpillOutput[] o2 : out) {
                            try {
                                SpillOutput.closeAll(o2);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        }
                    }
                });
            }
            long total = expected;
            progress.update("events", 0, total);
            runAll(tasks, () -> progress.update("events", scanned.get(), total));
            progress.update("events", scanned.get(), scanned.get());
        }

        /**
         * Per entity fed by {@code sp}, its key of an event with the archive's key texts {@code keys}
         * where the spine filter says a row may need the event (else null); null when no row needs it.
         */
        private String[] neededKeys(SourcePlan sp, String[] keys, long eventTime) {
            boolean any = false;
            String[] entityKeys = new String[sp.entities.size()];
            for (int i = 0; i < entityKeys.length; i++) {
                int[] idx = sp.keyFieldIndexes.get(i);
                Object[] parts = new Object[idx.length];
                for (int k = 0; k < idx.length; k++) {
                    parts[k] = keys[idx[k]];
                }
                String key = EntityKeys.of(parts);
                if (key != null && filters[sp.entities.get(i).index].mightNeed(key, eventTime)) {
                    entityKeys[i] = key;
                    any = true;
                }
            }
            return any ? entityKeys : null;
        }

        /**
         * One event a row may need: its key per entity ({@code entityKeys}, from the archive's key
         * columns and the spine filter, {@link #neededKeys}; null: not known without decoding, then
         * taken from the decoded event and filtered here), decoded once (or taken from the archive's
         * typed columns: {@code values}, the source's value fields as its decoder produced them) and
         * spilled as a compact record. Events no row needs were dropped before, without decoding.
         */
        private void spill(SourcePlan sp, ArchivedEvent ev, String[] entityKeys, Object[] values, SpillOutput[][] out) {
            Event e;
            if (values != null && entityKeys != null) {
                Object[] slots = new Object[sp.layout.size()];
                for (int i = 0; i < values.length; i++) {
                    slots[sp.valueSlots[i]] = values[i];
                }
                e = new ArrayEvent(slots);
            } else {
                Decoded d = sp.decoder.decode(ev.raw());
                if (!d.isAccepted()) {
                    if (undecodable.getAndIncrement() == 0) {
                        problem("archive of source " + sp.source.name() + ": the event at partition " + ev.partition()
                                + " offset " + ev.offset() + " no longer decodes (" + d.message() + "); it was skipped");
                    }
                    return;
                }
                e = d.event();
            }
            samples[sp.index].observe(e);
            try {
                for (int i = 0; i < sp.entities.size(); i++) {
                    EntityPlan ep = sp.entities.get(i);
                    String key;
                    if (entityKeys != null) {
                        key = entityKeys[i];
                    } else {
                        key = EntityKeys.of(e, sp.keySlots.get(i));
                        key = key != null && filters[ep.index].mightNeed(key, ev.eventTime()) ? key : null;
                    }
                    if (key != null) {
                        JoinRecords.writeEvent(out[ep.index][EventSpill.bucket(key, 0, buckets)], sp.index, key, ev, e,
                                ep.slotsBySource[sp.index]);
                    }
                }
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
        }

        // ---- 3. join bucket by bucket → results by row range, by every worker ---------------------

        private record JoinTotals(int[] kinds, long joined, int splits) {}

        JoinTotals joinPass(int chunks, long chunkRows) throws IOException {
            int featureCount = plan.features.size();
            Path results = Files.createDirectories(work.resolve("results"));
            long perWorker = Math.max(1, o.memoryBudgetBytes() / workers);
            int resultBuffer = (int) Math.max(1 << 10, Math.min(64 << 10, o.memoryBudgetBytes() / 8 / Math.max(1,
                    (long) chunks * workers * plan.entities.size())));
            List<long[]> todo = new ArrayList<>(); // {entity, bucket, bytes}: the largest first, so the workers finish together
            for (EntityPlan ep : plan.entities) {
                for (int b = 0; b < buckets; b++) {
                    long bytes = Files.size(spineFile(ep, b));
                    for (int w = 0; w < workers; w++) {
                        bytes += Files.size(eventFile(ep, w, b));
                    }
                    todo.add(new long[] {ep.index, b, bytes});
                }
            }
            todo.sort((x, y) -> Long.compare(y[2], x[2]));
            AtomicInteger next = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            int[] kinds = new int[featureCount];
            long[] joined = {0};
            int[] splits = {0};
            List<Runnable> tasks = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int worker = w;
                tasks.add(() -> {
                    ResultSink[] sinks = new ResultSink[plan.entities.size()];
                    BucketJoin[] joins = new BucketJoin[plan.entities.size()];
                    try {
                        for (int t; (t = next.getAndIncrement()) < todo.size(); ) {
                            EntityPlan ep = plan.entities.get((int) todo.get(t)[0]);
                            int b = (int) todo.get(t)[1];
                            if (joins[ep.index] == null) {
                                sinks[ep.index] = new ResultSink(results.resolve("entity-" + ep.index).resolve("w" + worker), chunks, chunkRows,
                                        featureCount, resultBuffer);
                                joins[ep.index] = new BucketJoin(plan, ep, o.asArrived(), o.arrivalLagMillis(), perWorker, sinks[ep.index], bufferBytes);
                            }
                            List<Path> files = new ArrayList<>();
                            for (int x = 0; x < workers; x++) {
                                files.add(eventFile(ep, x, b));
                            }
                            joins[ep.index].join(spineFile(ep, b), files, 0);
                            done.incrementAndGet();
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } finally {
                        for (ResultSink s : sinks) {
                            if (s != null) {
                                try {
                                    s.close();
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            }
                        }
                    }
                    synchronized (kinds) {
                        for (int i = 0; i < sinks.length; i++) {
                            if (sinks[i] != null) {
                                for (int c = 0; c < featureCount; c++) {
                                    kinds[c] |= sinks[i].kinds[c];
                                }
                                joined[0] += joins[i].joined;
                                splits[0] += joins[i].splits;
                            }
                        }
                    }
                });
            }
            progress.update("join", 0, todo.size());
            runAll(tasks, () -> progress.update("join", done.get(), todo.size()));
            progress.update("join", todo.size(), todo.size());
            return new JoinTotals(kinds, joined[0], splits[0]);
        }

        // ---- 4. assemble in spine order, in parts written at once -------------------------------

        void assemble(List<String> featureColumns, int[] kinds, int chunks, long chunkRows) throws IOException {
            int featureCount = featureColumns.size();
            Path results = work.resolve("results");
            Path tmpOut = o.out().resolveSibling(o.out().getFileName() + ".inprogress");
            int parts = Math.min(workers, chunks);
            List<Path> partFiles = new ArrayList<>();
            for (int p = 0; p < parts; p++) {
                partFiles.add(parts == 1 ? tmpOut : work.resolve("part-" + p));
            }
            AtomicLong written = new AtomicLong();
            List<Runnable> tasks = new ArrayList<>();
            for (int p = 0; p < parts; p++) {
                int firstChunk = (int) ((long) p * chunks / parts);
                int endChunk = (int) ((long) (p + 1) * chunks / parts);
                Path file = partFiles.get(p);
                boolean header = p == 0;
                tasks.add(() -> {
                    try (SpineReader spine = SpineReader.open(o.spine());
                         TrainingSetWriter writer = o.format() == Format.CSV
                                 ? TrainingSetWriter.csv(file, spine.columns(), featureColumns, kinds, header)
                                 : TrainingSetWriter.parquet(file, spine, featureColumns, kinds)) {
                        for (long skip = firstChunk * chunkRows; skip > 0; skip--) {
                            spine.next();
                        }
                        for (int c = firstChunk; c < endChunk; c++) {
                            long first = c * chunkRows;
                            int n = (int) Math.max(0, Math.min(chunkRows, rows - first));
                            Object[][] values = new Object[n][featureCount];
                            for (EntityPlan ep : plan.entities) {
                                List<Path> dirs = new ArrayList<>();
                                for (int w = 0; w < workers; w++) {
                                    dirs.add(results.resolve("entity-" + ep.index).resolve("w" + w));
                                }
                                ResultSink.read(dirs, c, ep.columns, first, values);
                            }
                            for (int i = 0; i < n; i++) {
                                writer.write(spine.next(), values[i]);
                                if ((i & 0xFFF) == 0xFFF) {
                                    written.addAndGet(0x1000);
                                }
                            }
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
            progress.update("write", 0, rows);
            runAll(tasks, () -> progress.update("write", written.get(), rows));
            if (parts > 1) {
                TrainingSetWriter.concat(o.format(), partFiles, tmpOut);
            }
            progress.update("write", rows, rows);
            Files.move(tmpOut, o.out(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }

        /** Runs the tasks on the pool, calling {@code tick} on this thread every 200 ms until all are done; rethrows their failure. */
        void runAll(List<Runnable> tasks, Runnable tick) throws IOException {
            List<Future<?>> futures = new ArrayList<>();
            for (Runnable t : tasks) {
                futures.add(pool.submit(t));
            }
            try {
                for (Future<?> f : futures) {
                    while (true) {
                        try {
                            f.get(200, TimeUnit.MILLISECONDS);
                            break;
                        } catch (TimeoutException notYet) {
                            tick.run();
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while building the training set", e);
            } catch (ExecutionException e) {
                for (Future<?> f : futures) {
                    f.cancel(true);
                }
                Throwable cause = e.getCause();
                if (cause instanceof UncheckedIOException u) {
                    throw u.getCause();
                }
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IOException(cause);
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
