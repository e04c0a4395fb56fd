package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tessera.core.quality.DriftTracker;
import dev.tessera.core.quality.ValueExpectation;
import java.io.IOException;
import java.util.List;

/** The JSON of {@code GET /v1/quality} and {@code GET /v1/alerts}, from the monitor's last evaluation. */
final class QualityJson {
    private QualityJson() {
    }

    /**
     * {@code {"evaluated_at", "window_s", "rules": [{source, field, feature, target, rule, expected, checked,
     * violations, null_rate, status, message, last_violation}], "drift": [{feature, psi, max_psi, samples,
     * reference_samples, reference, status, bins: [{label, expected, actual}]}]}}; counts are over the alert window.
     */
    static void quality(QualityMonitor.Report r, QualityMonitor.Settings settings, JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeNumberField("evaluated_at", r.at());
        out.writeNumberField("window_s", settings.window().toSeconds());
        out.writeArrayFieldStart("rules");
        for (QualityMonitor.RuleStatus st : r.rules()) {
            ValueExpectation c = st.check();
            boolean source = c.kind().equals("source");
            out.writeStartObject();
            stringOrNull(out, "source", source ? c.owner() : null);
            stringOrNull(out, "field", source ? c.name() : null);
            stringOrNull(out, "feature", source ? null : c.owner() + "." + c.name());
            out.writeStringField("target", st.target());
            out.writeStringField("rule", st.rule().yamlName());
            out.writeStringField("expected", c.expectation().describe(st.rule()));
            out.writeNumberField("checked", st.checked());
            out.writeNumberField("violations", st.violations());
            number(out, "null_rate", st.nullRate());
            out.writeStringField("status", st.status());
            out.writeStringField("message", st.message());
            ValueExpectation.Violation last = st.last(); // as the verdict saw it, so it agrees with the message
            if (last != null) {
                out.writeObjectFieldStart("last_violation");
                out.writeStringField("value", last.value());
                out.writeNumberField("at", last.at());
                out.writeEndObject();
            } else {
                out.writeNullField("last_violation");
            }
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeArrayFieldStart("drift");
        for (QualityMonitor.DriftStatus d : r.drift()) {
            DriftTracker.Drift drift = d.drift();
            out.writeStartObject();
            out.writeStringField("feature", d.served().qualifiedName());
            number(out, "psi", drift.psi());
            if (d.served().maxPsi() == null) {
                out.writeNullField("max_psi");
            } else {
                out.writeNumberField("max_psi", d.served().maxPsi());
            }
            out.writeNumberField("samples", drift.samples());
            out.writeNumberField("reference_samples", drift.referenceSamples());
            out.writeStringField("reference", drift.reference());
            out.writeStringField("status", drift.status().code());
            out.writeArrayFieldStart("bins");
            for (DriftTracker.Bin b : drift.bins()) {
                out.writeStartObject();
                out.writeStringField("label", b.label());
                out.writeNumberField("expected", b.expected());
                out.writeNumberField("actual", b.actual());
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
    }

    /** {@code {"evaluated_at", "firing": [alert...], "resolved": [alert..., resolved_at]}}, newest resolved first. */
    static void alerts(QualityMonitor.Report r, JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeNumberField("evaluated_at", r.at());
        out.writeArrayFieldStart("firing");
        alerts(r.firing(), out);
        out.writeEndArray();
        out.writeArrayFieldStart("resolved");
        alerts(r.resolved(), out);
        out.writeEndArray();
        out.writeEndObject();
    }

    private static void alerts(List<Alert> alerts, JsonGenerator out) throws IOException {
        for (Alert a : alerts) {
            out.writeStartObject();
            out.writeStringField("id", a.id());
            out.writeStringField("alert", a.alert());
            out.writeStringField("subject", a.subject());
            out.writeStringField("message", a.message());
            number(out, "value", a.value());
            number(out, "threshold", a.threshold());
            out.writeNumberField("since", a.since());
            out.writeStringField("runbook", a.runbook());
            if (!a.firing()) {
                out.writeNumberField("resolved_at", a.resolvedAt());
            }
            out.writeEndObject();
        }
    }

    private static void stringOrNull(JsonGenerator out, String name, String value) throws IOException {
        if (value == null) {
            out.writeNullField(name);
        } else {
            out.writeStringField(name, value);
        }
    }

    private static void number(JsonGenerator out, String name, double d) throws IOException {
        if (Double.isFinite(d)) {
            out.writeNumberField(name, d);
        } else {
            out.writeNullField(name);
        }
    }

}
