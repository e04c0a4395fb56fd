package dev.tessera.offline.backfill;

import dev.tessera.api.ClosestNames;
import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.api.TesseraException;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.core.io.Folders;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.offline.archive.EventScan;
import dev.tessera.offline.archive.FieldSample;
import dev.tessera.offline.spill.EventSpill;
import dev.tessera.offline.spill.EventSpill.EventRec;
import dev.tessera.runtime.EntityKeys;
import dev.tessera.runtime.GroupStateRewrite;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.schemas.SchemaRegistry;
import dev.tessera.store.TileStore;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code tessera backfill}: a group's tiles computed from the archive by the same core, written into
 * the online store of a stopped runtime (ADR 009).
 *
 * <h2>Cut-over: by offset, not by time</h2>
 * The store reflects, per partition, every record before its committed offset {@code C[p]} (the
 * exactly-once invariant of the runtime's commits). The backfill takes from the archive exactly the
 * records the stream has already consumed — Kafka rows with {@code offset < C[p]} — plus every
 * imported row (partition -1, never in Kafka), computes the group's tiles from them, and
 * <em>replaces</em> the stored tiles with them. Records at or after {@code C[p]} are left to the
 * stream, which applies them when it resumes. So nothing is counted twice (no tile is added to, each
 * is replaced) and nothing is missed (every consumed record is in the archive: the backfill refuses to
 * run while the archive is behind the stream). Running it again computes the same tiles from the same
 * rows: the store does not change. Late events the stream dropped are in the archive, so a backfill
 * also puts them into their tiles (SPEC §3: values as if every event had arrived).
 *
 * <h2>Range</h2>
 * Without {@code --from/--to} every tile of the group is replaced, lifetime features included, and
 * entities the archive has no event for are refused (the archive would be incomplete: replacing
 * would lose them). With a range, only the tiles wholly inside {@code [from, to)} (UTC dates) are
 * replaced; tiles outside it, and lifetime tiles, stay as the stream made them.
 *
 * <p>Memory is bounded as for training sets: events are bucketed by entity key on disk and one
 * bucket's entities are computed at a time.
 */
public final class Backfill {
    /**
     * @param from    first day (UTC) whose tiles are replaced, or null for the beginning
     * @param to      day (UTC) before which tiles are replaced, exclusive, or null for no end
     * @param workDir where the events are spilled (e.g. {@code <data>/tmp}), under {@code backfill/<group>}: removed at
     *                the end, and at the start of the next backfill of the group after a crash; two backfills of one
     *                group must not share it at the same time
     */
    public record Options(String group, LocalDate from, LocalDate to, Path workDir, int buckets) {
        public static Options of(String group, Path workDir) {
            return new Options(group, null, null, workDir, 16);
        }

        public Options withRange(LocalDate from, LocalDate to) {
            return new Options(group, from, to, workDir, buckets);
        }
    }

    /**
     * @param eventsApplied  archived events computed into tiles
     * @param eventsLeft     archived events at or after the stream's committed offsets (the stream applies them)
     * @param entitiesWritten entities whose tiles were written
     */
    /** @param absentFields a warning per field the group reads that none of the archived events carried ({@link FieldSample}) */
    public record Report(String group, long eventsScanned, long eventsApplied, long eventsLeft, long undecodable,
            long entitiesWritten, long entitiesRemoved, long[] committedOffsets, List<String> absentFields) {}

    @FunctionalInterface
    public interface Progress {
        Progress NONE = (phase, done, total) -> { };

        void update(String phase, long done, long total);
    }

    private final Definitions defs;
    private final Path definitionsDir;
    private final TileStore store;
    private final SchemaRegistry registry;

    public Backfill(Definitions defs, Path definitionsDir, TileStore store) {
        this(defs, definitionsDir, store, null);
    }

    /** @param registry where avro-confluent sources' writer schemas are found; null when none is needed */
    public Backfill(Definitions defs, Path definitionsDir, TileStore store, SchemaRegistry registry) {
        this.defs = defs;
        this.definitionsDir = definitionsDir;
        this.store = store;
        this.registry = registry;
    }

    /**
     * @param archive        the source's archived events
     * @param archivedOffsets per partition, the next offset the archive has not committed (-1: none)
     */
    public Report run(Options o, EventScan archive, long[] archivedOffsets, Progress progress) throws IOException {
        FeatureGroup group = defs.group(o.group()).orElseThrow(() -> new TesseraException("unknown feature group '" + o.group() + "'; "
                + ClosestNames.hint(o.group(), defs.groups().keySet(), "groups")));
        Source source = defs.sourceOf(group);
        GroupStateRewrite rewrite = new GroupStateRewrite(store, defs, group);
        GroupStateRewrite.Committed committed = GroupStateRewrite.committed(store, source.name());
        for (int p = 0; p < committed.nextOffsets().length; p++) {
            long c = committed.nextOffset(p);
            long a = p < archivedOffsets.length ? archivedOffsets[p] : -1;
            if (c > 0 && a < c) {
                throw new TesseraException("the archive of source " + source.name() + " is behind the stream on partition " + p
                        + ": it holds records up to offset " + (a - 1) + " but the store reflects records up to " + (c - 1)
                        + "; run tessera run (or demo) until the archive catches up — it commits every minute and when it stops —"
                        + " then run the backfill again");
            }
        }
        boolean all = o.from() == null && o.to() == null;
        long from = o.from() == null ? Long.MIN_VALUE : o.from().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        long until = o.to() == null ? Long.MAX_VALUE : o.to().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        if (from >= until) {
            throw new TesseraException("--from " + o.from() + " is not before --to " + o.to() + "; give a range of at least one day");
        }
        GroupStateRewrite.Range range = all ? GroupStateRewrite.Range.ALL : new GroupStateRewrite.Range(from, until, false);

        FieldLayout layout = SourceFields.layout(defs, source);
        EventDecoder decoder = EventDecoders.forSource(source, definitionsDir, layout,
                EventDecoders.DEFAULT_MAX_RECORD_BYTES, registry);
        int[] keySlots = defs.entityOf(group).keys().stream().mapToInt(layout::requireSlot).toArray();
        int buckets = Math.max(1, o.buckets());
        // <work>/backfill/<group>/: only this group's backfills spill here, one at a time (tessera backfill holds the
        // lock of <data>/store while it spills to <data>/tmp), so whatever is there was left by a killed backfill
        Path work = o.workDir().resolve("backfill").resolve(group.name());
        Folders.deleteTree(work);
        Files.createDirectories(work);
        try {
            long[] counts = new long[4]; // scanned, taken, left to the stream, undecodable
            FieldSample sample = new FieldSample(source.name(), FieldSample.usesOf(group), layout);
            DataOutputStream[] events = EventSpill.openBuckets(work.resolve("events"), buckets);
            try {
                archive.forEach(from, until, ev -> {
                    if (++counts[0] % 100_000 == 0) {
                        progress.update("archive", counts[0], -1);
                    }
                    if (ev.partition() >= 0 && ev.offset() >= committed.nextOffset(ev.partition())) {
                        counts[2]++;
                        return;
                    }
                    Decoded d = decoder.decode(ev.raw());
                    if (!d.isAccepted()) {
                        counts[3]++;
                        return;
                    }
                    sample.observe(d.event());
                    String key = EntityKeys.of(d.event(), keySlots);
                    if (key != null) {
                        counts[1]++;
                        EventSpill.write(events[EventSpill.bucket(key, 0, buckets)], 0, key, ev);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } finally {
                EventSpill.closeAll(events);
            }
            progress.update("archive", counts[0], counts[0]);
            DataOutputStream[] stored = EventSpill.openBuckets(work.resolve("stored"), buckets);
            try {
                rewrite.forEachStoredEntity(key -> {
                    try {
                        EventSpill.writeString(stored[EventSpill.bucket(key, 0, buckets)], key);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } finally {
                EventSpill.closeAll(stored);
            }
            if (all) {
                refuseUnknownEntities(work, buckets, source);
            }
            GroupAggregator agg = rewrite.aggregator();
            for (int b = 0; b < buckets; b++) {
                List<EventRec> evs = readEvents(EventSpill.bucketFile(work.resolve("events"), b));
                evs.sort(EventSpill.ORDER);
                Set<String> seen = new HashSet<>();
                EventSpill.Repeats repeats = new EventSpill.Repeats();
                int i = 0;
                while (i < evs.size()) {
                    String key = evs.get(i).key();
                    EntityTiles tiles = agg.newEntity();
                    long max = Long.MIN_VALUE;
                    for (; i < evs.size() && evs.get(i).key().equals(key); i++) {
                        EventRec e = evs.get(i);
                        if (!repeats.first(e)) {
                            continue;
                        }
                        Event event = decoder.decode(e.raw()).event();
                        agg.apply(tiles, event, e.time(), e.id());
                        max = Math.max(max, e.time());
                    }
                    rewrite.replace(key, tiles, max, range);
                    seen.add(key);
                }
                for (String key : readKeys(EventSpill.bucketFile(work.resolve("stored"), b))) {
                    if (!seen.contains(key)) {
                        rewrite.replace(key, agg.newEntity(), Long.MIN_VALUE, range); // no event in range: its in-range tiles go
                    }
                }
                rewrite.flush();
                progress.update("tiles", b + 1, buckets);
            }
            return new Report(group.name(), counts[0], counts[1], counts[2], counts[3], rewrite.entitiesWritten(), rewrite.entitiesRemoved(),
                    committed.nextOffsets(), sample.absent());
        } finally {
            Folders.deleteTree(work);
        }
    }

    private static void refuseUnknownEntities(Path work, int buckets, Source source) throws IOException {
        long missing = 0;
        List<String> examples = new ArrayList<>();
        for (int b = 0; b < buckets; b++) {
            Set<String> withEvents = new HashSet<>();
            for (EventRec e : readEvents(EventSpill.bucketFile(work.resolve("events"), b))) {
                withEvents.add(e.key());
            }
            for (String key : readKeys(EventSpill.bucketFile(work.resolve("stored"), b))) {
                if (!withEvents.contains(key)) {
                    missing++;
                    if (examples.size() < 5) {
                        examples.add(key.replace(EntityKeys.SEPARATOR, ','));
                    }
                }
            }
        }
        if (missing > 0) {
            throw new TesseraException(missing + " entities have tiles in the store but no event in the archive of source "
                    + source.name() + " (e.g. " + examples + "): the archive does not cover everything the stream applied"
                    + " (it started later, or ran without archiving), and a full backfill would drop them;"
                    + " backfill only the days the archive covers with --from and --to");
        }
    }

    private static List<EventRec> readEvents(Path file) throws IOException {
        List<EventRec> out = new ArrayList<>();
        try (DataInputStream in = EventSpill.input(file)) {
            for (EventRec r; (r = EventSpill.read(in)) != null; ) {
                out.add(r);
            }
        }
        return out;
    }

    private static List<String> readKeys(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        try (DataInputStream in = EventSpill.input(file)) {
            while (in.available() > 0) {
                out.add(EventSpill.readString(in));
            }
        }
        return out;
    }
}
