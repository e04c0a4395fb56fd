package dev.tessera.flink;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.core.tile.TileKey;
import dev.tessera.runtime.EntityKeys;
import dev.tessera.runtime.EntityWrites;
import dev.tessera.runtime.EventRules;
import dev.tessera.runtime.WriterCounts;
import dev.tessera.store.WriteSet;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The job's aggregation, one instance per source, keyed by (group, entity) ({@link KeyedEvent#routingKey}):
 * SPEC §3's lateness and dedup rules per event, then the core's {@link GroupAggregator#apply} on the
 * entity's tiles (no aggregation logic here), and a flush of every changed entity to the online
 * store each {@code flushInterval} of processing time, through the runtime's own
 * {@link EntityWrites} (ADR 019).
 *
 * <ul>
 *   <li><b>Late</b>: an event at or before the operator's current watermark (Flink's W is the
 *       spec's watermark minus 1 ms, {@link EventTimeWatermarks}). The event's first copy (its first
 *       group) goes to the {@link #LATE} side output, dead-lettered once with reason {@code late}.</li>
 *   <li><b>Duplicate</b>: an id this entity already applied within the dedup horizon. Copies of one
 *       event carry the same keys, so each group's entity sees its duplicates.</li>
 *   <li><b>Flush</b>: the first change of an entity since its last flush registers a processing-time
 *       timer at the next multiple of the flush interval; it emits the entity's writes (changed
 *       tiles, its value with the heads, deletions of tiles evicted at the watermark) as absolute
 *       states. Timers are checkpointed with the state, so a flush due at a checkpoint happens
 *       after a restore.</li>
 *   <li><b>Eviction</b>: every entity holds one event-time timer at the time all its windowed tiles
 *       have expired (its newest event time plus {@link GroupAggregator#retentionMillis}, rounded
 *       up so a busy entity moves it rarely). It evicts, writes the deletions, and drops the state
 *       of an entity with nothing left. At the end of a bounded input (watermark +∞) it flushes
 *       instead, evicting nothing.</li>
 *   <li><b>Tracing</b> (ADR 024, when on): a record that carried a sampled trace context gets an
 *       {@code apply <source>} span, a child of the producer's span, with its outcome
 *       ({@code accepted}, {@code late}, {@code duplicate}); an accepted one's span context rides
 *       with the entity's next flush ({@link TileWrites#traces}) to the sink. Kept beside the
 *       state, not in it: a restore loses the pending contexts, never values.</li>
 * </ul>
 */
final class TileAggregator extends KeyedProcessFunction<String, KeyedEvent, TileWrites> {
    private static final long serialVersionUID = 1L;
    static final OutputTag<SourceRecord> LATE = new OutputTag<>("late") {};
    private static final String ACCEPTED = "accepted";

    private final DefinitionBundle bundle;
    private final String sourceName;
    private final long flushIntervalMillis;
    private final TracingConfig tracing;

    private transient ValueState<FlinkEntity> state;
    /** By index into the job's groups ({@link KeyedEvent#group}); null for groups of other sources. */
    private transient GroupAggregator[] aggregators;
    private transient String[] groupNames;
    private transient int[] keyParts;
    private transient long[] evictionGranularity;
    private transient long dedupHorizonMillis;
    private transient String latenessText;
    private transient Counter accepted;
    private transient Counter late;
    private transient Counter duplicates;
    private transient Counter nonFinite;
    private transient dev.tessera.runtime.NonFiniteValues nonFiniteValues;
    /** Null when tracing is off. */
    private transient Tracer tracer;
    /** Routing key to the {@code traceparent}s of its applied traced records awaiting its flush (tracing on only). */
    private transient Map<String, List<String>> pendingTraces;

    /** Where counts are published; null: Flink metrics only. */
    private final RedisAddress counts;
    private transient long incarnation;
    private transient CountsPublisher publisher;

    TileAggregator(DefinitionBundle bundle, String sourceName, long flushIntervalMillis, TracingConfig tracing) {
        this(bundle, sourceName, flushIntervalMillis, tracing, null);
    }

    /**
     * With {@code counts}: its metrics' outcome counts are also published there, as writer
     * {@code aggregate-<subtask>} (ADR 030), read from the metric counters by the publishing thread as
     * a metric reporter reads them.
     */
    TileAggregator(DefinitionBundle bundle, String sourceName, long flushIntervalMillis, TracingConfig tracing, RedisAddress counts) {
        this.bundle = bundle;
        this.sourceName = sourceName;
        this.flushIntervalMillis = Math.max(1, flushIntervalMillis);
        this.tracing = tracing;
        this.counts = counts;
    }

    @Override
    public void open(OpenContext context) {
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("entity", FlinkEntitySerializer.INSTANCE));
        Definitions defs = bundle.definitions();
        Source source = defs.source(sourceName).orElseThrow();
        FieldLayout layout = SourceFields.layout(defs, source);
        nonFiniteValues = new dev.tessera.runtime.NonFiniteValues(defs, source, layout);
        List<FeatureGroup> all = FanOut.jobGroups(defs);
        aggregators = new GroupAggregator[all.size()];
        groupNames = new String[all.size()];
        keyParts = new int[all.size()];
        evictionGranularity = new long[all.size()];
        for (FeatureGroup g : defs.groupsOf(source)) {
            int i = all.indexOf(g);
            aggregators[i] = GroupAggregator.compile(g, layout);
            groupNames[i] = g.name();
            keyParts[i] = defs.entityOf(g).keys().size();
            // an entity's eviction time moves in steps of 1/16 of its retention (at least a minute)
            evictionGranularity[i] = Math.max(60_000L, aggregators[i].retentionMillis() / 16);
        }
        dedupHorizonMillis = source.dedupHorizon().millis();
        latenessText = source.lateness().toString();
        var metrics = getRuntimeContext().getMetricGroup().addGroup("source", sourceName);
        accepted = metrics.counter("accepted");
        late = metrics.counter("late");
        duplicates = metrics.counter("duplicate");
        nonFinite = metrics.counter("non_finite_value");
        incarnation = new java.security.SecureRandom().nextLong();
        publisher = CountsPublisher.start(counts, sourceName, "aggregate-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                () -> new WriterCounts(incarnation, Map.of(ACCEPTED, accepted.getCount(), "late", late.getCount(),
                        "duplicate", duplicates.getCount(), "non_finite_value", nonFinite.getCount()), Map.of()));
        tracer = JobSpans.tracer(tracing);
        pendingTraces = tracer == null ? null : new HashMap<>();
    }

    @Override
    public void close() throws Exception {
        if (publisher != null) {
            publisher.close();
        }
    }

    @Override
    public void processElement(KeyedEvent k, Context ctx, Collector<TileWrites> out) throws Exception {
        if (k.trace == null || tracer == null) {
            apply(k, ctx);
            return;
        }
        Span span = tracer.spanBuilder("apply " + sourceName).setSpanKind(SpanKind.CONSUMER).setParent(JobSpans.parent(k.trace))
                .setAttribute(JobSpans.SOURCE, sourceName).setAttribute(JobSpans.GROUP, groupNames[k.group])
                .setAttribute(JobSpans.PARTITION, (long) k.partition).setAttribute(JobSpans.OFFSET, k.offset)
                .startSpan();
        String outcome = apply(k, ctx);
        span.setAttribute(JobSpans.OUTCOME, outcome);
        span.end();
        if (outcome.equals(ACCEPTED) && span.getSpanContext().isSampled()) {
            List<String> traces = pendingTraces.computeIfAbsent(ctx.getCurrentKey(), key -> new ArrayList<>(2));
            if (traces.size() < JobSpans.MAX_TRACES_PER_FLUSH) {
                traces.add(JobSpans.format(span.getSpanContext()));
            }
        }
    }

    /** SPEC §3's rules and the core's apply for one event; returns the outcome ({@code accepted}, {@code late}, {@code duplicate}). */
    private String apply(KeyedEvent k, Context ctx) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        if (k.eventTime <= watermark) {
            if (k.primary) {
                late.inc();
                ctx.output(LATE, deadLetter(k, watermark));
            }
            return "late";
        }
        GroupAggregator agg = aggregators[k.group];
        FlinkEntity e = state.value();
        if (e == null) {
            e = FlinkEntity.empty(agg);
        }
        EntityTiles tiles = e.tiles(agg);
        if (!e.firstSeen(k.id, k.eventTime)) {
            if (k.primary) {
                duplicates.inc();
            }
            return "duplicate";
        }
        dev.tessera.core.event.ArrayEvent event = FieldCodec.decode(k.fields);
        agg.apply(tiles, event, k.eventTime, k.id);
        if (k.primary) {
            accepted.inc();
            if (nonFiniteValues.carriedBy(event)) { // once per event, as the embedded runtime counts it
                nonFinite.inc();
            }
        }
        if (k.eventTime > e.maxEventTime) {
            e.maxEventTime = k.eventTime;
        }
        if (!e.dirty) {
            e.dirty = true;
            long now = ctx.timerService().currentProcessingTime();
            ctx.timerService().registerProcessingTimeTimer((now / flushIntervalMillis + 1) * flushIntervalMillis);
        }
        scheduleEviction(e, k.group, ctx);
        state.update(e);
        return ACCEPTED;
    }

    /** Keeps the entity's one eviction timer at its newest event time plus the retention, rounded up. */
    private void scheduleEviction(FlinkEntity e, int group, Context ctx) {
        long g = evictionGranularity[group];
        long due = e.maxEventTime + aggregators[group].retentionMillis() + 1;
        long want = Math.floorDiv(due, g) * g + g;
        if (e.evictionTimer != want) {
            if (e.evictionTimer != Long.MIN_VALUE) {
                ctx.timerService().deleteEventTimeTimer(e.evictionTimer);
            }
            ctx.timerService().registerEventTimeTimer(want);
            e.evictionTimer = want;
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<TileWrites> out) throws Exception {
        FlinkEntity e = state.value();
        if (e == null) {
            return;
        }
        String key = ctx.getCurrentKey();
        int sep = key.indexOf('\u0000');
        int group = Integer.parseInt(key, 0, sep, 10);
        String entity = key.substring(sep + 1);
        long watermark = ctx.timerService().currentWatermark();
        boolean endOfInput = watermark == Long.MAX_VALUE;
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            if (timestamp != e.evictionTimer) {
                return; // replaced by a later one
            }
            e.evictionTimer = Long.MIN_VALUE;
            if (!endOfInput) {
                flush(e, key, group, entity, watermark, out);
                if (state.value() != null) { // something is left (lifetime tiles, or newer ones)
                    long due = e.maxEventTime + aggregators[group].retentionMillis() + 1;
                    if (due > watermark) {
                        scheduleEviction(e, group, ctx);
                        state.update(e);
                    }
                }
                return;
            }
        } else if (!e.dirty) {
            return;
        }
        flush(e, key, group, entity, endOfInput ? Long.MIN_VALUE : watermark, out);
    }

    /**
     * Emits the entity's writes: changed tiles and value when dirty, deletions of the tiles eviction
     * at {@code watermark} drops (none when it is {@code MIN_VALUE}); drops the state when no tile is left.
     */
    private void flush(FlinkEntity e, String key, int group, String entity, long watermark, Collector<TileWrites> out)
            throws Exception {
        GroupAggregator agg = aggregators[group];
        List<String> entityKey = keyParts[group] == 1 ? List.of(entity)
                : List.of(entity.split(String.valueOf(EntityKeys.SEPARATOR), -1));
        byte[] prefix = TileKey.entityPrefix(groupNames[group], entityKey);
        WriteSet ws = new WriteSet();
        long evictBefore = watermark == Long.MIN_VALUE ? Long.MIN_VALUE : watermark + 1; // the spec's watermark
        boolean empty = EntityWrites.write(ws, agg, prefix, e.tiles(agg), e.maxEventTime, e.dirty, evictBefore);
        e.dirty = false;
        List<String> traces = pendingTraces == null ? null : pendingTraces.remove(key);
        if (!ws.isEmpty()) {
            out.collect(TileWrites.of(ws, e.maxEventTime, traces == null ? null : String.join(" ", traces)));
        }
        if (empty) {
            state.clear();
            return;
        }
        if (watermark != Long.MIN_VALUE) {
            e.expireIds(watermark + 1 - dedupHorizonMillis);
        }
        state.update(e);
    }

    private SourceRecord deadLetter(KeyedEvent k, long watermark) {
        SourceRecord r = new SourceRecord();
        r.topic = k.topic;
        r.partition = k.partition;
        r.offset = k.offset;
        r.key = k.key;
        r.value = k.value;
        r.rejectReason = "late";
        r.rejectMessage = "event time " + EventRules.instant(k.eventTime) + " is before the watermark "
                + EventRules.instant(watermark + 1) + " of source " + sourceName + " (lateness " + latenessText
                + "); raise lateness to count such events live; tessera archive keeps them, so tessera backfill brings them into"
                + " the online store";
        return r;
    }
}
