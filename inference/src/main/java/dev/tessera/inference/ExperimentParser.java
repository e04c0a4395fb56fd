package dev.tessera.inference;

import dev.tessera.api.Problems;
import dev.tessera.api.ClosestNames;
import dev.tessera.api.TimeSpan;
import dev.tessera.inference.YamlFields.Scalar;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A registry file with {@code kind: Experiment} ({@link Experiment}): read field by field, then
 * checked against the models of the registry (the model and every version exist, no version twice,
 * shares fit their slices, one experiment per model).
 */
final class ExperimentParser {
    static final List<String> FIELDS = List.of("kind", "name", "model", "salt", "control", "variants", "shadow", "guardrails",
            "owner", "description");
    static final List<String> VARIANT_FIELDS = List.of("name", "version", "share");
    static final List<String> GUARDRAIL_FIELDS = List.of("max_error_rate", "max_p99_ms", "max_score_psi", "min_requests", "window");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    static final String EXAMPLE = "kind: Experiment, name: account_risk_v2_rollout, model: account_risk, control: 1,"
            + " variants: [{ name: v2, version: 2, share: 0.5 }]";

    private final Problems problems;

    ExperimentParser(Problems problems) {
        this.problems = problems;
    }

    /** The experiment as written, or null after reporting what is wrong (references are checked by {@link #check}). */
    Experiment read(String file, YamlFields m) {
        int mark = problems.count();
        m.checkFields(FIELDS);
        Scalar name = m.required("name", "add name: <experiment name>, e.g. name: account_risk_v2_rollout");
        if (name != null && !NAME.matcher(name.value()).matches()) {
            problems.add(name.at(), "experiment name '" + name.value() + "' is not valid",
                    "names are lower case letters, digits and _, starting with a letter");
        }
        Scalar model = m.required("model", "add model: <the model name whose requests it splits>, e.g. model: account_risk");
        Scalar salt = m.scalar("salt");
        Integer control = version(m.required("control", "add control: <the version most units keep>, e.g. control: 1"));
        List<Experiment.Variant> variants = new ArrayList<>();
        Node list = node(m, "variants");
        if (list == null) {
            problems.add(m.location(), "experiment " + (name == null ? "" : name.value() + " ") + "has no variants",
                    "add variants: [{ name: v2, version: 2, share: 0.1 }]");
        } else if (!(list instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
            problems.add(YamlFields.at(file, list), "variants must be a non-empty list", "write variants: [{ name: v2, version: 2, share: 0.1 }]");
        } else {
            for (Node item : seq.getValue()) {
                YamlFields v = YamlFields.of(file, item, "a variant", "{ name: v2, version: 2, share: 0.1 }", problems);
                if (v == null) {
                    continue;
                }
                v.checkFields(VARIANT_FIELDS);
                Scalar vn = v.required("name", "add name: <variant name>, e.g. name: v2");
                if (vn != null && (!NAME.matcher(vn.value()).matches() || vn.value().equals(Experiment.CONTROL))) {
                    problems.add(vn.at(), "variant name '" + vn.value() + "' is not valid" + (vn.value().equals(Experiment.CONTROL)
                            ? ": 'control' names the control version" : ""), "use lower case letters, digits and _, e.g. v2");
                    vn = null;
                }
                Integer vv = version(v.required("version", "add version: <model version>"));
                Double share = number(v.required("share", "add share: <fraction of units, 0 to 1>, e.g. share: 0.1"));
                if (share != null && !(share >= 0 && share <= 1)) {
                    problems.add(v.at("share"), "share " + share + " is not a fraction between 0 and 1",
                            share > 1 && share <= 100 ? "write a percentage as a fraction: share: " + share / 100 : "e.g. share: 0.1 for 10%");
                    share = null;
                }
                if (vn != null && vv != null && share != null) {
                    variants.add(new Experiment.Variant(vn.value(), vv, share));
                }
            }
        }
        List<Integer> shadows = new ArrayList<>();
        Node shadow = node(m, "shadow");
        if (shadow instanceof SequenceNode seq) {
            for (Node n : seq.getValue()) {
                Integer v = n instanceof ScalarNode s ? version(new Scalar(s.getValue(), YamlFields.at(file, n))) : null;
                if (v != null) {
                    shadows.add(v);
                }
            }
        } else if (shadow != null) {
            problems.add(YamlFields.at(file, shadow), "shadow must be a list of versions", "write shadow: [3]");
        }
        Experiment.Guardrails guardrails = guardrails(file, m);
        Scalar owner = m.scalar("owner");
        Scalar description = m.scalar("description");
        if (problems.addedSince(mark) || name == null || model == null || control == null) {
            return null;
        }
        return new Experiment(name.value(), model.value(), salt == null ? name.value() : salt.value(), control, variants, shadows,
                guardrails, owner == null ? null : owner.value(), description == null ? null : description.value(), m.location());
    }

    private Experiment.Guardrails guardrails(String file, YamlFields m) {
        Experiment.Guardrails d = Experiment.Guardrails.DEFAULTS;
        YamlFields g = m.mapping("guardrails", "guardrails of the experiment", "guardrails: { max_error_rate: 0.01, max_p99_ms: 50 }");
        if (g == null) {
            return d;
        }
        g.checkFields(GUARDRAIL_FIELDS);
        Double errors = g.has("max_error_rate") ? fraction(g, "max_error_rate") : d.maxErrorRate();
        Double p99 = g.has("max_p99_ms") ? positive(g, "max_p99_ms") : d.maxP99Millis();
        Double psi = g.has("max_score_psi") ? positive(g, "max_score_psi") : d.maxScorePsi();
        Double min = g.has("min_requests") ? positive(g, "min_requests") : (double) d.minRequests();
        TimeSpan window = d.window();
        Scalar w = g.scalar("window");
        if (w != null) {
            try {
                window = TimeSpan.parse(w.value());
            } catch (IllegalArgumentException e) {
                problems.add(w.at(), "window '" + w.value() + "' is not a duration", "e.g. window: 5m");
            }
        }
        return new Experiment.Guardrails(errors, p99, psi, min == null ? d.minRequests() : (int) Math.round(min), window);
    }

    private Double fraction(YamlFields g, String key) {
        Double v = number(g.scalar(key));
        if (v != null && !(v >= 0 && v <= 1)) {
            problems.add(g.at(key), key + " " + v + " is not a fraction between 0 and 1", "e.g. " + key + ": 0.01 for 1%");
            return null;
        }
        return v;
    }

    private Double positive(YamlFields g, String key) {
        Double v = number(g.scalar(key));
        if (v != null && !(v > 0)) {
            problems.add(g.at(key), key + " must be above 0, got " + v, "e.g. " + key + ": 50");
            return null;
        }
        return v;
    }

    private static Node node(YamlFields m, String key) {
        return m.has(key) ? m.valueNode(key) : null;
    }

    private Integer version(Scalar s) {
        if (s == null) {
            return null;
        }
        try {
            int v = Integer.parseInt(s.value().strip());
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(s.at(), "version '" + s.value() + "' is not a whole number from 1", "name a version of the model, e.g. 2");
        return null;
    }

    private Double number(Scalar s) {
        return s == null ? null : YamlFields.finiteNumber(s, problems, "'" + s.value() + "' is not a number", "write a plain number");
    }

    /** The references: the model and its versions exist, each version once, shares fit, one experiment per model. */
    void check(List<Experiment> experiments, Map<String, List<Integer>> versionsByModel, Map<String, List<Integer>> failedVersions) {
        Set<String> names = new HashSet<>();
        Map<String, Experiment> byModel = new java.util.HashMap<>();
        for (Experiment x : experiments) {
            if (!names.add(x.name())) {
                problems.add(x.location(), "experiment name '" + x.name() + "' is used twice", "rename one of them");
            }
            Experiment other = byModel.putIfAbsent(x.model(), x);
            if (other != null) {
                problems.add(x.location(), "model " + x.model() + " already has experiment " + other.name() + " ("
                        + other.location() + ")", "one experiment splits a model's traffic at a time: end the other one first");
            }
            List<Integer> failed = failedVersions.getOrDefault(x.model(), List.of());
            List<Integer> versions = versionsByModel.get(x.model());
            if (versions == null && !failed.isEmpty()) {
                versions = List.of(); // each version it uses is reported below, as not loaded
            }
            if (versions == null) {
                problems.add(x.location(), "experiment " + x.name() + " splits unknown model '" + x.model() + "'",
                        ClosestNames.hint(x.model(), versionsByModel.keySet(), "registered models"));
                continue;
            }
            Set<Integer> used = new HashSet<>();
            List<Integer> all = new ArrayList<>();
            all.add(x.control());
            x.variants().forEach(v -> all.add(v.version()));
            all.addAll(x.shadows());
            for (int v : all) {
                if (!versions.contains(v) && failed.contains(v)) {
                    problems.add(x.location(), "experiment " + x.name() + " uses version " + v + " of " + x.model()
                            + ", whose registry file did not load (its problems are listed with it)",
                            "fix those problems; the experiment runs once version " + v + " loads");
                } else if (!versions.contains(v)) {
                    problems.add(x.location(), "experiment " + x.name() + " uses version " + v + " of " + x.model()
                            + ", which is not registered", "registered versions: " + versions);
                } else if (!used.add(v)) {
                    problems.add(x.location(), "experiment " + x.name() + " uses version " + v + " of " + x.model() + " twice",
                            "a version is the control, one variant, or a shadow");
                }
            }
            Set<String> variantNames = new HashSet<>();
            double slice = 1.0 / Math.max(1, x.variants().size());
            for (Experiment.Variant v : x.variants()) {
                if (!variantNames.add(v.name())) {
                    problems.add(x.location(), "variant name '" + v.name() + "' is used twice in experiment " + x.name(),
                            "give each variant its own name");
                }
                if (v.share() > slice + 1e-12) {
                    problems.add(x.location(), "variant " + v.name() + " of experiment " + x.name() + " has share " + v.share()
                            + ", more than its slice of 1/" + x.variants().size() + " (" + slice + ")",
                            "each of n treatments owns a fixed 1/n of the units (so raising a share never moves units between"
                                    + " treatments); lower the share, or run fewer treatments at once");
                }
            }
        }
    }

    static boolean isExperiment(Node document) {
        if (!(document instanceof MappingNode map)) {
            return false;
        }
        return map.getValue().stream().anyMatch(t -> t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("kind")
                && t.getValueNode() instanceof ScalarNode v && v.getValue().equals("Experiment"));
    }
}
