package dev.tessera.offline.training;

import dev.tessera.api.Definitions;
import dev.tessera.api.Entity;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.FeatureService;
import dev.tessera.api.Source;
import dev.tessera.api.TimeSpan;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.offline.archive.TypedColumns;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.schemas.SchemaRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a service needs for a training set: its groups, compiled with only the features it asks for
 * (same values, less work), the entities they are keyed by, and the sources that feed them, with
 * the event fields each (source, entity) pair must carry from the event pass to the join.
 * Immutable once built, shared by the worker threads.
 */
final class JoinPlan {
    /** A group as the service uses it. */
    static final class GroupPlan {
        final GroupAggregator agg;
        final int source;
        /** Served indexes in {@link #agg} of the service's features of this group, and their output columns. */
        final int[] served;
        final int[] outColumns;

        GroupPlan(GroupAggregator agg, int source, int[] served, int[] outColumns) {
            this.agg = agg;
            this.source = source;
            this.served = served;
            this.outColumns = outColumns;
        }
    }

    static final class EntityPlan {
        final int index;
        final Entity entity;
        final List<GroupPlan> groups = new ArrayList<>();
        int featureCount;
        /** Output columns of this entity's features, in group order (the order values are read in). */
        int[] columns;
        /** Per source index: the layout slots the entity's groups read (spilled with each event), or null. */
        int[][] slotsBySource;
        /** How far before a row's ts its events can matter (longest window plus its hop); Long.MAX_VALUE with lifetime features. */
        long lookback;

        EntityPlan(int index, Entity entity) {
            this.index = index;
            this.entity = entity;
        }
    }

    static final class SourcePlan {
        final int index;
        final Source source;
        final FieldLayout layout;
        final EventDecoder decoder;
        /** Per entity fed by this source: the entity, the layout slots of its key fields, and their indexes in {@link #keyFields}. */
        final List<EntityPlan> entities = new ArrayList<>();
        final List<int[]> keySlots = new ArrayList<>();
        final List<int[]> keyFieldIndexes = new ArrayList<>();
        /** The key fields of every entity fed by this source, each once. */
        final List<String> keyFields = new ArrayList<>();
        /** How far before the earliest row events can still matter; Long.MAX_VALUE for lifetime features. */
        long lookback;
        /** The fields any entity's groups read from this source (typed values asked from the archive), and their layout slots. */
        List<String> valueFields;
        int[] valueSlots;
        /** The decoder's fingerprint: typed values of archive files written with another are not used. */
        String decoderFingerprint;
        /** Each field the features read from this source, with what reads it ({@code where of group.feature}). */
        final Map<String, List<String>> uses = new LinkedHashMap<>();

        SourcePlan(int index, Source source, FieldLayout layout, EventDecoder decoder) {
            this.index = index;
            this.source = source;
            this.layout = layout;
            this.decoder = decoder;
        }
    }

    final List<FeatureRef> features;
    final List<EntityPlan> entities = new ArrayList<>();
    final List<SourcePlan> sources = new ArrayList<>();

    JoinPlan(Definitions defs, Path definitionsDir, FeatureService service, SchemaRegistry registry) {
        features = service.features();
        Map<String, List<Integer>> columnsByGroup = new LinkedHashMap<>();
        for (int i = 0; i < features.size(); i++) {
            columnsByGroup.computeIfAbsent(features.get(i).group(), g -> new ArrayList<>()).add(i);
        }
        Map<String, EntityPlan> entityByName = new LinkedHashMap<>();
        Map<String, SourcePlan> sourceByName = new LinkedHashMap<>();
        Map<String, List<String>> fieldsByPair = new LinkedHashMap<>();
        for (var e : columnsByGroup.entrySet()) {
            FeatureGroup group = defs.group(e.getKey()).orElseThrow();
            Source source = defs.sourceOf(group);
            FieldLayout layout = SourceFields.layout(defs, source);
            SourcePlan sp = sourceByName.computeIfAbsent(source.name(), n -> new SourcePlan(sources.size(), source, layout,
                    EventDecoders.forSource(source, definitionsDir, layout, EventDecoders.DEFAULT_MAX_RECORD_BYTES,
                            registry)));
            if (sp.decoderFingerprint == null) {
                sp.decoderFingerprint = TypedColumns.of(defs, definitionsDir, source, EventDecoders.DEFAULT_MAX_RECORD_BYTES).decoder();
            }
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
                int[] idx = new int[entity.keys().size()];
                for (int k = 0; k < idx.length; k++) {
                    String field = entity.keys().get(k);
                    if (!sp.keyFields.contains(field)) {
                        sp.keyFields.add(field);
                    }
                    idx[k] = sp.keyFields.indexOf(field);
                }
                sp.keyFieldIndexes.add(idx);
            }
            List<String> wanted = e.getValue().stream().map(i -> features.get(i).servedName()).toList();
            FeatureGroup reduced = reduce(group, wanted);
            dev.tessera.offline.archive.FieldSample.addUses(group, reduced.features(), sp.uses);
            GroupAggregator agg = GroupAggregator.compile(reduced, layout);
            int[] served = wanted.stream().mapToInt(agg::servedIndex).toArray();
            int[] out = e.getValue().stream().mapToInt(Integer::intValue).toArray();
            ep.groups.add(new GroupPlan(agg, sp.index, served, out));
            ep.featureCount += out.length;
            sp.lookback = Math.max(sp.lookback, lookback(reduced));
            ep.lookback = Math.max(ep.lookback, lookback(reduced));
            List<String> fields = fieldsByPair.computeIfAbsent(sp.index + "/" + ep.index, k -> new ArrayList<>());
            for (String f : GroupAggregator.requiredFields(reduced)) {
                if (!fields.contains(f)) {
                    fields.add(f);
                }
            }
        }
        for (EntityPlan ep : entities) {
            ep.columns = new int[ep.featureCount];
            int c = 0;
            for (GroupPlan gp : ep.groups) {
                for (int col : gp.outColumns) {
                    ep.columns[c++] = col;
                }
            }
            ep.slotsBySource = new int[sources.size()][];
            for (SourcePlan sp : sources) {
                List<String> fields = fieldsByPair.get(sp.index + "/" + ep.index);
                if (fields != null) {
                    ep.slotsBySource[sp.index] = fields.stream().mapToInt(sp.layout::requireSlot).toArray();
                }
            }
        }
        for (SourcePlan sp : sources) {
            List<String> fields = new ArrayList<>();
            for (EntityPlan ep : sp.entities) {
                for (String f : fieldsByPair.get(sp.index + "/" + ep.index)) {
                    if (!fields.contains(f)) {
                        fields.add(f);
                    }
                }
            }
            sp.valueFields = List.copyOf(fields);
            sp.valueSlots = fields.stream().mapToInt(sp.layout::requireSlot).toArray();
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
}
