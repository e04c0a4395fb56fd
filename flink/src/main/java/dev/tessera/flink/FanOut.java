package dev.tessera.flink;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.core.quality.ValueExpectation;
import dev.tessera.runtime.EventRules;
import dev.tessera.runtime.FieldPresence;
import dev.tessera.runtime.SourceCounters.Outcome;
import dev.tessera.runtime.SourceQuality;
import dev.tessera.runtime.WriterCounts;
import dev.tessera.runtime.decode.RejectReason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * One accepted event to one {@link KeyedEvent} per feature group of its source that can key it;
 * rejected records to the dead-letter side output, as they came.
 *
 * <p>It sees every record its source reader read, so it also counts them: {@code in}, and each
 * rejection by reason; and it checks the source's quality rules ({@code expect:}, the runtime's
 * {@link SourceQuality}) on every event the decoder accepted (the reader passes their fields on, also
 * when a later rule rejects them), before the other rules, as the embedded runtime's consumer does:
 * the rules describe what producers send, so late, duplicate and keyless events count too. The rule
 * counts are Flink metrics {@code source.<name>.expect.<field>.{checked, nulls, below_min, above_max,
 * not_allowed}}, the others {@code source.<name>.in} and {@code source.<name>.<reason>}; with a Redis
 * address, counts, rule checks and the presence of the fields the features read ({@link FieldPresence}) are
 * also published to Redis as writer {@code fan-out-<subtask>}
 * ({@link CountsPublisher}, ADR 030), for the stateless serving nodes.
 */
final class FanOut extends ProcessFunction<SourceRecord, KeyedEvent> {
    private static final long serialVersionUID = 1L;
    static final OutputTag<SourceRecord> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private final DefinitionBundle bundle;
    private final String sourceName;
    /** Where counts are published; null: Flink metrics only. */
    private final RedisAddress counts;
    private transient EventRules rules;
    /** Index in the job's group list of each of the source's groups, in {@link EventRules#keyOf} order. */
    private transient int[] groupIndex;
    private transient SourceQuality quality;
    /** How often the fields the features read are present in the decoded events. */
    private transient FieldPresence presence;
    /** Records read, and rejected by reason code: this subtask's metrics ({@code source.<name>.in}, {@code .<reason>}). */
    private transient Counter in;
    private transient Map<String, Counter> rejected;
    private transient long incarnation;
    private transient CountsPublisher publisher;

    FanOut(DefinitionBundle bundle, String sourceName) {
        this(bundle, sourceName, null);
    }

    FanOut(DefinitionBundle bundle, String sourceName, RedisAddress counts) {
        this.bundle = bundle;
        this.sourceName = sourceName;
        this.counts = counts;
    }

    @Override
    public void open(OpenContext context) {
        init();
        MetricGroup sourceMetrics = getRuntimeContext().getMetricGroup().addGroup("source", sourceName);
        sourceMetrics.counter(Outcome.IN.code(), in);
        rejected.forEach(sourceMetrics::counter);
        for (ValueExpectation x : quality.checks()) {
            MetricGroup g = sourceMetrics.addGroup("expect", x.name());
            g.gauge("checked", (Gauge<Long>) () -> x.snapshot().checked());
            g.gauge("nulls", (Gauge<Long>) () -> x.snapshot().nulls());
            g.gauge("below_min", (Gauge<Long>) () -> x.snapshot().belowMin());
            g.gauge("above_max", (Gauge<Long>) () -> x.snapshot().aboveMax());
            g.gauge("not_allowed", (Gauge<Long>) () -> x.snapshot().notAllowed());
        }
        incarnation = new java.security.SecureRandom().nextLong();
        publisher = CountsPublisher.start(counts, sourceName, "fan-out-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                this::writerCounts);
    }

    @Override
    public void close() throws Exception {
        if (publisher != null) {
            publisher.close();
        }
    }

    /** What this subtask counted since it started. */
    WriterCounts writerCounts() {
        Map<String, ValueExpectation.Snapshot> checks = new LinkedHashMap<>();
        for (ValueExpectation x : quality.checks()) {
            checks.put(x.name(), x.snapshot());
        }
        Map<String, Long> outcomes = new LinkedHashMap<>();
        outcomes.put(Outcome.IN.code(), in.getCount());
        rejected.forEach((code, c) -> outcomes.put(code, c.getCount()));
        long events = presence.events(); // first: the counts published with it are at least as new
        return new WriterCounts(incarnation, outcomes, checks, events, presence.present());
    }

    /** The job's groups, in definition order: what {@link KeyedEvent#group} indexes. */
    static List<FeatureGroup> jobGroups(Definitions defs) {
        return List.copyOf(defs.groups().values());
    }

    private void init() {
        Definitions defs = bundle.definitions();
        Source source = defs.source(sourceName).orElseThrow();
        FieldLayout layout = SourceFields.layout(defs, source);
        rules = new EventRules(defs, source, layout);
        quality = new SourceQuality(source, layout);
        presence = new FieldPresence(defs, source, layout);
        in = new SimpleCounter();
        rejected = new HashMap<>();
        for (RejectReason reason : RejectReason.values()) {
            if (reason != RejectReason.LATE) { // decided (and counted) by the aggregating operator
                rejected.put(reason.code(), new SimpleCounter());
            }
        }
        List<FeatureGroup> all = jobGroups(defs);
        List<FeatureGroup> mine = new ArrayList<>(defs.groupsOf(source));
        groupIndex = new int[mine.size()];
        for (int g = 0; g < mine.size(); g++) {
            groupIndex[g] = all.indexOf(mine.get(g));
        }
    }

    @Override
    public void processElement(SourceRecord r, Context ctx, Collector<KeyedEvent> out) {
        if (rules == null) {
            init();
        }
        in.inc();
        ArrayEvent e = r.fields == null ? null : FieldCodec.decode(r.fields); // null: the decoder rejected it
        if (e != null) {
            if (!quality.isEmpty()) { // before any other rule: the quality rules describe what producers send
                quality.observe(e, System.currentTimeMillis());
            }
            presence.observe(e); // as the runtime's consumer: every event the decoder accepted
            presence.publish(); // one volatile write: a record has no batch to publish after, and a quiet source must not hold counts back
        }
        if (!r.accepted()) {
            Counter c = rejected.get(r.rejectReason);
            if (c != null) {
                c.inc();
            }
            ctx.output(DEAD_LETTERS, r);
            return;
        }
        boolean primary = true;
        for (int g = 0; g < groupIndex.length; g++) {
            String entity = rules.keyOf(e, g);
            if (entity == null) {
                continue;
            }
            KeyedEvent k = new KeyedEvent();
            k.group = groupIndex[g];
            k.entity = entity;
            k.eventTime = r.eventTime;
            k.id = r.id;
            k.fields = r.fields;
            k.topic = r.topic;
            k.partition = r.partition;
            k.offset = r.offset;
            k.trace = r.trace;
            if (primary) {
                k.primary = true;
                k.key = r.key;
                k.value = r.value;
                primary = false;
            }
            out.collect(k);
        }
    }
}
