package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tessera.api.Definitions;
import dev.tessera.api.Entity;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.FeatureService;
import dev.tessera.api.FieldType;
import dev.tessera.api.Meta;
import dev.tessera.api.Source;
import dev.tessera.api.TimeSpan;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/catalog}: the definitions in full, as the console's catalog and lineage graph show
 * them, with the lineage computed here ({@link Lineage}). Unlike {@code GET /v1/features} (a
 * contract clients read served names from, which stays as it is), this answer is for people: it
 * carries descriptions, owners, tags, the file:line of each declaration, filters and windows, and may
 * grow. Everything is read from the (immutable) definitions.
 *
 * <pre>
 * {"version": "...",
 *  "entities": [{"name", "keys": [...], "meta"}],
 *  "sources":  [{"name", "topic", "format", "schema", "timestamp", "id", "lateness", "idle_timeout",
 *                "dedup_horizon", "max_clock_skew", "fields": {"amount": "double"}, "groups": [...], "meta"}],
 *  "groups":   [{"name", "source", "entity", "keys": [...], "meta",
 *                "features": [{"name", "agg", "of", "where", "windows": ["1h"], "hop", "hops": ["5m"], "k", "p",
 *                              "served": ["declined_count_1h"], "meta"}]}],
 *  "services": [{"name", "selectors": [...], "features": ["group.served"], "keys": [...], "meta"}],
 *  "models":   [],
 *  "lineage":  {"nodes": [{"id", "type", "label"}], "edges": [{"from", "to"}]}}
 * "meta": {"description", "owner", "tags": [...], "location": "groups/account_payments.yaml:2"}
 * </pre>
 * {@code hop} is the hop written in the definition (null for the default rule), {@code hops} the hop
 * each window uses; {@code k} and {@code p} appear for the aggregations that take them.
 */
final class ConsoleCatalog {
    private final Definitions defs;
    private final Lineage lineage;
    private final List<dev.tessera.inference.ModelInfo> models;

    ConsoleCatalog(Definitions defs) {
        this(defs, List.of());
    }

    ConsoleCatalog(Definitions defs, List<dev.tessera.inference.ModelInfo> models) {
        this.defs = defs;
        this.models = List.copyOf(models);
        this.lineage = Lineage.of(defs, this.models);
    }

    Lineage lineage() {
        return lineage;
    }

    void write(JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeStringField("version", defs.version());
        out.writeArrayFieldStart("entities");
        for (Entity e : defs.entities().values()) {
            out.writeStartObject();
            out.writeStringField("name", e.name());
            strings(out, "keys", e.keys());
            meta(out, e.meta());
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeArrayFieldStart("sources");
        for (Source s : defs.sources().values()) {
            source(out, s);
        }
        out.writeEndArray();
        out.writeArrayFieldStart("groups");
        for (FeatureGroup g : defs.groups().values()) {
            group(out, g);
        }
        out.writeEndArray();
        out.writeArrayFieldStart("services");
        for (FeatureService s : defs.services().values()) {
            service(out, s);
        }
        out.writeEndArray();
        out.writeArrayFieldStart("models");
        for (dev.tessera.inference.ModelInfo m : models) {
            model(out, m);
        }
        out.writeEndArray();
        out.writeObjectFieldStart("lineage");
        out.writeArrayFieldStart("nodes");
        for (Lineage.Node n : lineage.nodes()) {
            out.writeStartObject();
            out.writeStringField("id", n.id());
            out.writeStringField("type", n.type().label());
            out.writeStringField("label", n.label());
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeArrayFieldStart("edges");
        for (Lineage.Edge e : lineage.edges()) {
            out.writeStartObject();
            out.writeStringField("from", e.from());
            out.writeStringField("to", e.to());
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
        out.writeEndObject();
    }

    private void source(JsonGenerator out, Source s) throws IOException {
        out.writeStartObject();
        out.writeStringField("name", s.name());
        out.writeStringField("topic", s.topic());
        out.writeStringField("format", s.format().yamlName());
        out.writeStringField("schema", s.schema());
        out.writeStringField("timestamp", s.timestamp());
        out.writeStringField("id", s.id());
        span(out, "lateness", s.lateness());
        span(out, "idle_timeout", s.idleTimeout());
        span(out, "dedup_horizon", s.dedupHorizon());
        span(out, "max_clock_skew", s.maxClockSkew());
        out.writeObjectFieldStart("fields");
        for (Map.Entry<String, FieldType> f : s.fields().entrySet()) {
            out.writeStringField(f.getKey(), f.getValue().yamlName());
        }
        out.writeEndObject();
        strings(out, "groups", defs.groupsOf(s).stream().map(FeatureGroup::name).toList());
        meta(out, s.meta());
        out.writeEndObject();
    }

    private void group(JsonGenerator out, FeatureGroup g) throws IOException {
        out.writeStartObject();
        out.writeStringField("name", g.name());
        out.writeStringField("source", g.source());
        out.writeStringField("entity", g.entity());
        strings(out, "keys", defs.entityOf(g).keys());
        meta(out, g.meta());
        out.writeArrayFieldStart("features");
        for (Feature f : g.features()) {
            out.writeStartObject();
            out.writeStringField("name", f.name());
            out.writeStringField("agg", f.agg().yamlName());
            out.writeStringField("of", f.of());
            out.writeStringField("where", f.where());
            strings(out, "windows", f.windows().stream().map(TimeSpan::text).toList());
            span(out, "hop", f.hop());
            out.writeArrayFieldStart("hops");
            for (TimeSpan w : f.windows()) {
                TimeSpan hop = f.hopFor(w);
                out.writeString(hop == null ? null : hop.text());
            }
            out.writeEndArray();
            if (f.agg().takesK()) {
                out.writeNumberField("k", f.k());
            }
            if (f.agg().takesP()) {
                out.writeNumberField("p", f.p());
            }
            strings(out, "served", f.servedNames());
            meta(out, f.meta());
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
    }

    private void service(JsonGenerator out, FeatureService s) throws IOException {
        out.writeStartObject();
        out.writeStringField("name", s.name());
        strings(out, "selectors", s.selectors());
        strings(out, "features", s.features().stream().map(FeatureRef::qualifiedName).toList());
        // what POST /v1/features needs per entity for this service: the key fields of every group it reads
        Set<String> keys = new LinkedHashSet<>();
        for (FeatureRef f : s.features()) {
            keys.addAll(defs.entityOf(defs.groups().get(f.group())).keys());
        }
        strings(out, "keys", List.copyOf(keys));
        meta(out, s.meta());
        out.writeEndObject();
    }

    private static void meta(JsonGenerator out, Meta m) throws IOException {
        out.writeObjectFieldStart("meta");
        out.writeStringField("description", m.description() == null ? null : m.description().strip());
        out.writeStringField("owner", m.owner());
        strings(out, "tags", m.tags());
        out.writeStringField("location", m.location() == null || m.location().line() <= 0 ? null
                : m.location().file() + ":" + m.location().line());
        out.writeEndObject();
    }

    private static void span(JsonGenerator out, String name, TimeSpan span) throws IOException {
        out.writeStringField(name, span == null ? null : span.text());
    }

    private static void strings(JsonGenerator out, String name, List<String> values) throws IOException {
        out.writeArrayFieldStart(name);
        for (String v : values) {
            out.writeString(v);
        }
        out.writeEndArray();
    }

    /** {@code {name, version, label, format, service, owner, threshold, training: {...}, meta}}. */
    private static void model(JsonGenerator out, dev.tessera.inference.ModelInfo m) throws IOException {
        out.writeStartObject();
        out.writeStringField("name", m.name());
        out.writeNumberField("version", m.version());
        out.writeStringField("label", m.label());
        out.writeStringField("format", m.format().yamlName());
        out.writeStringField("service", m.service());
        if (m.threshold() == null) {
            out.writeNullField("threshold");
        } else {
            out.writeNumberField("threshold", m.threshold());
        }
        out.writeObjectFieldStart("training");
        for (java.util.Map.Entry<String, String> e : m.training().entrySet()) {
            out.writeStringField(e.getKey(), e.getValue());
        }
        out.writeEndObject();
        meta(out, new dev.tessera.api.Meta(m.description(), m.owner(), List.of(), m.location()));
        out.writeEndObject();
    }

}
