package dev.tessera.inference;

import dev.tessera.api.Problems;
import dev.tessera.api.ClosestNames;
import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.FeatureService;
import dev.tessera.api.Location;
import dev.tessera.inference.YamlFields.Scalar;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Reads a registry folder: every {@code *.yaml} / {@code *.yml} below it (hidden ones skipped), one
 * model version per file (or one experiment: {@code kind: Experiment}, {@link ExperimentParser}), each checked field by field and then against the definitions and its
 * artifact. Every problem is collected with its file, line and a hint; the registry is built only when
 * there is none.
 */
final class RegistryLoader {
    static final List<String> FIELDS = List.of("name", "version", "format", "service", "artifact", "owner", "description",
            "threshold", "categories", "training");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern TRAINING_KEY = Pattern.compile("[a-z][a-z0-9_]*");
    private static final String EXAMPLE = "name: account_risk, version: 1, format: logistic, service: account_risk_v1,"
            + " artifact: account_risk_v1.json, owner: ..., description: ...";

    private final Path folder;
    private final Definitions defs;
    private final Problems problems = new Problems();
    private final ExperimentParser experiments = new ExperimentParser(problems);
    /** Model versions whose registry file named them but did not load (their problems are reported): not "unregistered". */
    private final Map<String, List<Integer>> failedVersions = new java.util.TreeMap<>();
    private final List<Experiment> experimentsRead = new ArrayList<>();

    /** A file read and checked: its metadata, and its model when the artifact read too. */
    private record Entry(ModelInfo info, FeatureService service, Model model, Location versionAt) {
    }

    private RegistryLoader(Path folder, Definitions defs) {
        this.folder = folder;
        this.defs = defs;
    }

    static RegistryLoadResult load(Path folder, Definitions defs) {
        return new RegistryLoader(folder, defs).run();
    }

    private RegistryLoadResult run() {
        Location top = new Location(".", 0, 0);
        if (!Files.isDirectory(folder)) {
            problems.add(top, "model registry folder " + folder + " does not exist" + (Files.exists(folder) ? " (it is a file)" : ""),
                    "create it (by default models/ in the definitions folder) or pass the folder that holds the models' YAML files");
            return new RegistryLoadResult(null, problems.sorted());
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(this::isRegistryFile).sorted(Comparator.comparing(this::relative)).toList();
        } catch (IOException | UncheckedIOException e) {
            problems.add(top, "cannot list model registry folder " + folder + ": " + e.getMessage(), "check that the folder is readable");
            return new RegistryLoadResult(null, problems.sorted());
        }
        List<Entry> entries = new ArrayList<>();
        Map<String, Entry> byVersion = new HashMap<>();
        for (Path file : files) {
            Entry e = readFile(file);
            if (e == null) {
                continue;
            }
            String key = e.info().name() + "\u0000" + e.info().version();
            Entry first = byVersion.putIfAbsent(key, e);
            if (first != null) {
                problems.add(e.versionAt(), "model " + e.info().label() + " is also defined in " + first.info().location(),
                        "give this model the next free version (" + (maxVersion(entries, e.info().name()) + 1)
                                + "), or delete one of the two files");
                continue;
            }
            entries.add(e);
        }
        Map<String, List<Integer>> versionsByModel = new java.util.TreeMap<>();
        for (Entry e : entries) {
            versionsByModel.computeIfAbsent(e.info().name(), k -> new ArrayList<>()).add(e.info().version());
        }
        experiments.check(experimentsRead, versionsByModel, failedVersions);
        if (!problems.isEmpty()) {
            return new RegistryLoadResult(null, problems.sorted());
        }
        List<RegisteredModel> models = new ArrayList<>();
        for (Entry e : entries) {
            models.add(new RegisteredModel(e.info(), e.service(),
                    new InputEncoder(e.model().inputs(), e.info().categories()), e.model()));
        }
        return new RegistryLoadResult(new ModelRegistry(folder, models, experimentsRead, RegistryVersion.of(folder, files, models)),
                List.of());
    }

    private static int maxVersion(List<Entry> entries, String name) {
        return entries.stream().filter(e -> e.info().name().equals(name)).mapToInt(e -> e.info().version()).max().orElse(0);
    }

    private boolean isRegistryFile(Path p) {
        String name = p.getFileName().toString();
        if (!(name.endsWith(".yaml") || name.endsWith(".yml")) || !Files.isRegularFile(p)) {
            return false;
        }
        for (Path part : folder.relativize(p)) {
            if (part.toString().startsWith(".")) {
                return false;
            }
        }
        return true;
    }

    private String relative(Path p) {
        return folder.relativize(p).toString().replace('\\', '/');
    }

    private Entry readFile(Path file) {
        String shown = relative(file);
        Location top = new Location(shown, 0, 0);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            problems.add(top, "file is not valid UTF-8 text", "save the file as UTF-8");
            return null;
        } catch (IOException e) {
            problems.add(top, "cannot read file: " + e.getMessage(), "check the file's permissions");
            return null;
        }
        List<Node> documents = new ArrayList<>();
        try {
            for (Node n : new Yaml().composeAll(new StringReader(text))) {
                if (n != null && !YamlFields.isNull(n)) {
                    documents.add(n);
                }
            }
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            problems.add(mark == null ? top : new Location(shown, mark.getLine() + 1, mark.getColumn() + 1),
                    "YAML syntax error: " + e.getProblem(), "check the indentation and quoting around this line");
            return null;
        } catch (YAMLException e) {
            problems.add(top, "YAML error: " + e.getMessage(), "check the file is well-formed YAML");
            return null;
        }
        if (documents.isEmpty()) {
            problems.add(top, "registry file " + shown + " is empty", "describe one model version: " + EXAMPLE);
            return null;
        }
        if (documents.size() > 1) {
            problems.add(YamlFields.at(shown, documents.get(1)), "registry file " + shown + " has " + documents.size()
                    + " documents; each file describes one model version", "move each model version to its own file");
            return null;
        }
        if (ExperimentParser.isExperiment(documents.get(0))) {
            YamlFields x = YamlFields.of(shown, documents.get(0), "experiment in " + shown, ExperimentParser.EXAMPLE, problems);
            Experiment experiment = x == null ? null : experiments.read(shown, x);
            if (experiment != null) {
                experimentsRead.add(experiment);
            }
            return null;
        }
        YamlFields m = YamlFields.of(shown, documents.get(0), "registry file " + shown, EXAMPLE, problems);
        return m == null ? null : readModel(file, shown, m);
    }

    private Entry readModel(Path file, String shown, YamlFields m) {
        int mark = problems.count();
        m.checkFields(FIELDS);
        Scalar name = m.required("name", "add name: <model name>, e.g. name: account_risk");
        if (name != null && !NAME.matcher(name.value()).matches()) {
            problems.add(name.at(), "model name '" + name.value() + "' is not valid", "names are lower case letters, digits"
                    + " and _, starting with a letter (they appear in URLs: /v1/score/account_risk)");
            name = null;
        }
        Scalar versionText = m.required("version", "add version: <whole number from 1>, e.g. version: 1");
        Integer version = null;
        if (versionText != null) {
            try {
                version = Integer.parseInt(versionText.value().strip());
            } catch (NumberFormatException e) {
                version = null;
            }
            if (version == null || version < 1) {
                problems.add(versionText.at(), "version '" + versionText.value() + "' is not a whole number from 1",
                        "number a model's versions 1, 2, 3...");
                version = null;
            }
        }
        Scalar formatText = m.required("format", "add format: " + String.join(" | ", ModelFormat.yamlNames()));
        ModelFormat format = null;
        if (formatText != null) {
            format = ModelFormat.fromYaml(formatText.value()).orElse(null);
            if (format == null) {
                problems.add(formatText.at(), "unknown model format '" + formatText.value() + "'",
                        ClosestNames.hint(formatText.value(), ModelFormat.yamlNames(), "formats"));
            }
        }
        Scalar serviceName = m.required("service", "add service: <the feature service whose features the model reads>");
        FeatureService service = null;
        if (serviceName != null) {
            service = defs.service(serviceName.value()).orElse(null);
            if (service == null) {
                problems.add(serviceName.at(), "unknown feature service '" + serviceName.value() + "'",
                        ClosestNames.hint(serviceName.value(), defs.services().keySet(), "services"));
            }
        }
        Scalar artifact = m.required("artifact", "add artifact: <model file, relative to this file>");
        Path artifactFile = artifact == null ? null : artifact(file, artifact);
        Scalar owner = m.required("owner", "add owner: <team or person to ask about the model>");
        Scalar description = m.required("description", "add description: <what the model predicts, from what>");
        Double threshold = threshold(m.scalar("threshold"));
        Map<String, Map<String, Double>> categories = categories(m, service);
        Map<String, String> training = training(m);
        if (service != null) {
            checkKinds(service, categories, serviceName.at());
        }
        if (problems.addedSince(mark) || name == null || version == null || format == null) {
            if (name != null && version != null) {
                failedVersions.computeIfAbsent(name.value(), k -> new ArrayList<>()).add(version);
            }
            return null;
        }
        ModelInfo info = new ModelInfo(name.value(), version, format, service.name(), artifact.value(), owner.value(),
                description.value(), threshold, categories, training, m.location());
        List<String> inputs = service.features().stream().map(FeatureRef::qualifiedName).toList();
        String inputsHint = InputMismatch.hint(service);
        String artifactShown = relative(artifactFile);
        Model model = switch (format) {
            case LOGISTIC, LINEAR -> linear(artifactFile, artifactShown, info, inputs, inputsHint);
            case XGBOOST -> XGBoostJson.read(artifactFile, artifactShown, info.name(), info.version(), inputs, inputsHint, problems);
        };
        if (model == null) {
            failedVersions.computeIfAbsent(info.name(), k -> new ArrayList<>()).add(info.version());
            return null;
        }
        if (threshold != null && model.probability() && !(threshold > 0 && threshold < 1)) {
            problems.add(m.at("threshold"), "threshold " + threshold + " of " + info.label() + " is not a probability, but the"
                    + " model scores probabilities", "write a threshold between 0 and 1, e.g. threshold: 0.5");
            return null;
        }
        return new Entry(info, service, model, versionText.at());
    }

    private Path artifact(Path yaml, Scalar artifact) {
        Path p;
        try {
            p = yaml.getParent().resolve(artifact.value()).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            problems.add(artifact.at(), "artifact '" + artifact.value() + "' is not a valid path", "write the model file's path"
                    + " relative to this file, e.g. artifact: account_risk_v1.json");
            return null;
        }
        if (!Files.exists(p)) {
            List<String> near = new ArrayList<>();
            try (Stream<Path> siblings = Files.list(yaml.getParent())) {
                siblings.map(s -> s.getFileName().toString()).filter(s -> !s.endsWith(".yaml") && !s.endsWith(".yml"))
                        .sorted().forEach(near::add);
            } catch (IOException e) {
                // the hint just names fewer files
            }
            problems.add(artifact.at(), "artifact '" + artifact.value() + "' does not exist (" + p + ")",
                    "paths are relative to this file's folder; " + ClosestNames.hint(artifact.value(), near, "files there"));
            return null;
        }
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            problems.add(artifact.at(), "artifact '" + artifact.value() + "' is not a readable file", "check the path and its permissions");
            return null;
        }
        return p;
    }

    private Double threshold(Scalar s) {
        return s == null ? null : YamlFields.finiteNumber(s, problems, "threshold '" + s.value() + "' is not a number",
                "write the score from which a case counts as positive, e.g. threshold: 0.5, or leave threshold out");
    }

    private Map<String, Map<String, Double>> categories(YamlFields m, FeatureService service) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        YamlFields c = m.mapping("categories", "'categories' of " + m.location().file(),
                "categories: {<group>.<feature>: {VALUE: number, ...}}");
        if (c == null) {
            return out;
        }
        List<String> names = service == null ? List.of() : service.features().stream().map(FeatureRef::qualifiedName).toList();
        for (Map.Entry<Scalar, Node> e : c.entries("<group>.<feature>: {VALUE: number, ...}")) {
            String feature = e.getKey().value();
            if (service != null && !names.contains(feature)) {
                problems.add(e.getKey().at(), "categories for '" + feature + "', which is not a feature of service "
                        + service.name(), ClosestNames.hint(feature, names, "its features"));
                continue;
            }
            YamlFields table = YamlFields.of(m.location().file(), e.getValue(), "the categories of " + feature,
                    "{VALUE: number, ...}", problems);
            if (table == null) {
                continue;
            }
            Map<String, Double> values = new LinkedHashMap<>();
            for (Map.Entry<Scalar, Node> v : table.entries("VALUE: number")) {
                Double d = v.getValue() instanceof ScalarNode s ? parse(s.getValue()) : null;
                if (d == null) {
                    problems.add(YamlFields.at(m.location().file(), v.getValue()), "category '" + v.getKey().value() + "' of "
                            + feature + " must map to a finite number, got " + YamlFields.describe(v.getValue()),
                            "write VALUE: number, the input the model was trained with for that value");
                    continue;
                }
                values.put(v.getKey().value(), d);
            }
            out.put(feature, values);
        }
        return out;
    }

    private static Double parse(String s) {
        try {
            double d = Double.parseDouble(s.strip());
            return Double.isFinite(d) ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Map<String, String> training(YamlFields m) {
        Map<String, String> out = new LinkedHashMap<>();
        YamlFields t = m.mapping("training", "'training' of " + m.location().file(), "training: {label: chargeback, rows: 1000}");
        if (t == null) {
            return out;
        }
        for (Map.Entry<Scalar, Node> e : t.entries("key: value")) {
            if (!TRAINING_KEY.matcher(e.getKey().value()).matches()) {
                problems.add(e.getKey().at(), "training key '" + e.getKey().value() + "' is not a plain lower-case word",
                        "write keys like validation_auc, label, rows");
            } else if (e.getValue() instanceof ScalarNode s && !YamlFields.isNull(s)) {
                out.put(e.getKey().value(), s.getValue());
            } else {
                problems.add(YamlFields.at(m.location().file(), e.getValue()), "training entry '" + e.getKey().value()
                        + "' must be a single value, got " + YamlFields.describe(e.getValue()), "write it as key: value");
            }
        }
        return out;
    }

    /** Every input must become a number (ADR 022): a string feature needs a categories table; only strings have one. */
    private void checkKinds(FeatureService service, Map<String, Map<String, Double>> categories, Location serviceAt) {
        for (FeatureRef ref : service.features()) {
            FeatureValueKind kind = FeatureValueKind.of(defs, ref);
            String name = ref.qualifiedName();
            if (kind == FeatureValueKind.STRING && !categories.containsKey(name)) {
                problems.add(serviceAt, "feature '" + name + "' of service " + service.name() + " is a string ("
                        + FeatureValueKind.origin(defs, ref) + "), and a model takes numbers", "give the model a table that maps"
                        + " each value to a number: categories: {" + name + ": {VALUE: number, ...}} (tessera train writes one),"
                        + " or use a service without it");
            }
        }
        for (String name : categories.keySet()) {
            FeatureRef ref = service.features().stream().filter(r -> r.qualifiedName().equals(name)).findFirst().orElse(null);
            if (ref == null) {
                continue;
            }
            FeatureValueKind kind = FeatureValueKind.of(defs, ref);
            if (kind == FeatureValueKind.NUMBER || kind == FeatureValueKind.BOOLEAN || kind == FeatureValueKind.LIST) {
                problems.add(serviceAt, "categories for '" + name + "', which is " + kind.described + " ("
                        + FeatureValueKind.origin(defs, ref) + "); a table maps string values only", "delete its categories:"
                        + " entry: " + kind.described.substring(2) + "s become numbers by themselves (ADR 022)");
            }
        }
    }

    private Model linear(Path file, String shown, ModelInfo info, List<String> inputs, String inputsHint) {
        LinearModelFile.Read read = LinearModelFile.read(file, shown, problems);
        if (read == null) {
            return null;
        }
        Map<String, Double> weights = read.file().weights();
        int mark = problems.count();
        for (Map.Entry<String, Location> e : read.weightAt().entrySet()) {
            if (!inputs.contains(e.getKey())) {
                problems.add(e.getValue(), "weight for '" + e.getKey() + "', which is not a feature of service " + info.service(),
                        ClosestNames.hint(e.getKey(), inputs, "its features") + "; " + inputsHint);
            }
        }
        List<String> lacking = inputs.stream().filter(f -> !weights.containsKey(f)).toList();
        if (!lacking.isEmpty()) {
            problems.add(read.weightsAt(), "the weights of " + info.label() + " lack " + lacking.size() + " feature(s) of service "
                    + info.service() + ": " + String.join(", ", lacking.subList(0, Math.min(5, lacking.size())))
                    + (lacking.size() > 5 ? ", ..." : ""), "give every feature of the service a weight (0 to ignore one); "
                    + inputsHint);
        }
        if (problems.addedSince(mark)) {
            return null;
        }
        double[] w = new double[inputs.size()];
        double[] missing = new double[inputs.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = weights.get(inputs.get(i));
            missing[i] = read.file().missing().getOrDefault(inputs.get(i), 0.0);
        }
        return new LinearModel(info.name(), info.version(), info.format(), inputs, info.format() == ModelFormat.LOGISTIC,
                read.file().intercept(), w, missing);
    }
}
