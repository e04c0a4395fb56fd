package dev.tessera.runtime;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.dedup.Deduplicator;
import dev.tessera.core.dedup.IdHashes;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.runtime.decode.EventDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/** One source at run time: decoding, the groups it feeds, and its progress (offsets, watermark, dedup). */
final class SourceRuntime {
    final Source source;
    final FieldLayout layout;
    final EventDecoder decoder;
    final List<GroupRuntime> groups = new ArrayList<>();
    /** The checks on each event alone, shared with the archive. */
    final EventRules rules;
    final SourceCounters counters = new SourceCounters();
    /** The source's {@code expect:} rules, checked by the consumer thread. */
    final SourceQuality quality;
    /** Event time of the newest applied event (Long.MIN_VALUE before the first); written by the applier, read by serving. */
    volatile long newestApplied = Long.MIN_VALUE;
    /** The watermark as of the last applied batch, for metrics ({@link WatermarkTracker#NONE} before any). */
    volatile long publishedWatermark = WatermarkTracker.NONE;
    /** Per partition: records between the consumer's position and the partition's end, as of its last poll (-1: unknown). */
    volatile long[] lag = new long[0];
    /**
     * How long the consumer has been polling without any fetch answered by the broker, in ms: 0 while
     * the broker answers, -1 when the Kafka client does not report fetches (see {@link SourceConsumer}).
     * Written by the consumer.
     */
    volatile long brokerSilence = -1;
    /** Per partition: wall-clock time the consumer last received a record (0: never); written by the consumer. */
    volatile long[] lastArrival = new long[0];
    /** How often the fields the features read are present (consumer thread; for diagnosis). */
    final FieldPresence presence;
    final NonFiniteValues nonFinite;
    /** The last dead letters, for diagnosis. */
    final SourceDiagnostics.Recent recentDeadLetters = new SourceDiagnostics.Recent();

    // progress, owned by the applier thread
    int partitions;
    long[] nextOffsets;
    WatermarkTracker watermark;
    Deduplicator[] dedup;
    /** Ids first applied since the last commit, per partition. */
    IdHashes[] addedIds;
    /** The ids' hashes of the batch being applied, two longs per record (applier thread: see Applier#prefetch). */
    long[] idHashes = new long[0];
    /** Per partition: dedup blob sequence number to the newest first-event time in it. */
    TreeMap<Long, Long>[] blobs;
    long dedupSeq;
    /** Folds what {@code Applier.prefetch} read, so the reads are not optimized away. */
    long prefetched;

    SourceRuntime(Definitions defs, Source source, EventDecoder decoder, FieldLayout layout) {
        this.source = source;
        this.layout = layout;
        this.decoder = decoder;
        this.rules = new EventRules(defs, source, layout);
        this.quality = new SourceQuality(source, layout);
        this.presence = new FieldPresence(defs, source, layout);
        this.nonFinite = new NonFiniteValues(defs, source, layout);
        for (FeatureGroup g : defs.groupsOf(source)) {
            groups.add(new GroupRuntime(g, defs.entityOf(g), layout));
        }
    }

    @SuppressWarnings("unchecked")
    void initPartitions(int count, long wallNow) {
        partitions = count;
        lastArrival = new long[count];
        nextOffsets = new long[count];
        Arrays.fill(nextOffsets, -1L); // -1: nothing committed, start from the beginning
        watermark = new WatermarkTracker(count, source.lateness().millis(), source.idleTimeout().millis(), wallNow);
        dedup = new Deduplicator[count];
        addedIds = new IdHashes[count];
        blobs = new TreeMap[count];
        for (int p = 0; p < count; p++) {
            dedup[p] = new Deduplicator(source.dedupHorizon().millis());
            addedIds[p] = new IdHashes(64);
            blobs[p] = new TreeMap<>();
        }
    }

    String topic() {
        return source.topic();
    }
}
