package dev.tessera.flink;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.runtime.EventRules;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * One accepted event to one {@link KeyedEvent} per feature group of its source that can key it;
 * rejected records to the dead-letter side output, as they came.
 */
final class FanOut extends ProcessFunction<SourceRecord, KeyedEvent> {
    private static final long serialVersionUID = 1L;
    static final OutputTag<SourceRecord> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private final DefinitionBundle bundle;
    private final String sourceName;
    private transient EventRules rules;
    /** Index in the job's group list of each of the source's groups, in {@link EventRules#keyOf} order. */
    private transient int[] groupIndex;

    FanOut(DefinitionBundle bundle, String sourceName) {
        this.bundle = bundle;
        this.sourceName = sourceName;
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
        List<FeatureGroup> all = jobGroups(defs);
        List<FeatureGroup> mine = new ArrayList<>(defs.groupsOf(source));
        groupIndex = new int[mine.size()];
        for (int g = 0; g < mine.size(); g++) {
            groupIndex[g] = all.indexOf(mine.get(g));
        }
    }

    @Override
    public void processElement(SourceRecord r, Context ctx, Collector<KeyedEvent> out) {
        if (!r.accepted()) {
            ctx.output(DEAD_LETTERS, r);
            return;
        }
        if (rules == null) {
            init();
        }
        ArrayEvent e = FieldCodec.decode(r.fields);
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
