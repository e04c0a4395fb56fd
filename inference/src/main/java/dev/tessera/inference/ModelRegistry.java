package dev.tessera.inference;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The models of a registry folder (SPEC §7; by default {@code models/} in the definitions folder),
 * loaded and checked against the definitions: one YAML file per model version naming its format,
 * feature service and artifact (module README). Immutable and thread-safe.
 *
 * <pre>{@code
 * ModelRegistry registry = ModelRegistry.load(ModelRegistry.defaultFolder(featuresDir), defs); // ModelRegistryException
 * RegistryLoadResult r = ModelRegistry.validate(folder, defs);   // every problem, never throws for bad files
 * RegisteredModel v2 = registry.get("account_risk", 2).orElseThrow();
 * }</pre>
 *
 * <p>Loading is all or nothing, as for definitions: one bad file (unknown service, missing artifact,
 * inputs that are not the service's features, a duplicate version) and no model is returned.
 */
public final class ModelRegistry {
    private final Path folder;
    private final Map<String, List<RegisteredModel>> byName;
    private final String version;
    private final List<Experiment> experiments;

    ModelRegistry(Path folder, List<RegisteredModel> models, String version) {
        this(folder, models, List.of(), version);
    }

    ModelRegistry(Path folder, List<RegisteredModel> models, List<Experiment> experiments, String version) {
        this.folder = folder;
        this.version = version;
        this.experiments = List.copyOf(experiments);
        Map<String, List<RegisteredModel>> m = new LinkedHashMap<>();
        models.stream().sorted(Comparator.comparing(RegisteredModel::name).thenComparingInt(RegisteredModel::version))
                .forEach(r -> m.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(r));
        m.replaceAll((k, v) -> List.copyOf(v));
        this.byName = java.util.Collections.unmodifiableMap(m);
    }

    /** The registry's default place: {@value DefinitionLoader#MODELS_FOLDER} in the definitions folder. */
    public static Path defaultFolder(Path definitionsDir) {
        return definitionsDir.resolve(DefinitionLoader.MODELS_FOLDER);
    }

    /** Loads {@code folder}; every problem, or the registry. Never throws for bad files. */
    public static RegistryLoadResult validate(Path folder, Definitions defs) {
        return RegistryLoader.load(folder, defs);
    }

    /**
     * The registry in {@code folder}.
     *
     * @throws ModelRegistryException listing every problem, when there is any (a missing folder included)
     */
    public static ModelRegistry load(Path folder, Definitions defs) {
        return validate(folder, defs).orThrow();
    }

    /** Like {@link #load}, but a folder that does not exist is an empty registry. */
    public static ModelRegistry loadIfPresent(Path folder, Definitions defs) {
        return Files.exists(folder) ? load(folder, defs) : empty(folder);
    }

    public static ModelRegistry empty(Path folder) {
        return new ModelRegistry(folder, List.of(), "0000000000000000");
    }

    public Path folder() {
        return folder;
    }

    /** A content hash of the registry files and artifacts: equal for equal registries, changed by any edit. */
    public String version() {
        return version;
    }

    public Optional<RegisteredModel> get(String name, int version) {
        return versions(name).stream().filter(m -> m.version() == version).findFirst();
    }

    /** The highest version of {@code name}. */
    public Optional<RegisteredModel> latest(String name) {
        List<RegisteredModel> v = versions(name);
        return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
    }

    /** Every version of {@code name}, lowest first; empty for an unknown name. */
    public List<RegisteredModel> versions(String name) {
        return byName.getOrDefault(name, List.of());
    }

    /** Model names, sorted. */
    public Set<String> names() {
        return byName.keySet();
    }

    /** Every model version, by name and then version. */
    public List<RegisteredModel> models() {
        return byName.values().stream().flatMap(List::stream).toList();
    }

    /**
     * This registry with every model passed through {@code decorate} (the same metadata, services,
     * encoders and experiments): for wrapping models with timing, or with injected faults in
     * failure tests.
     */
    public ModelRegistry decorated(java.util.function.BiFunction<ModelInfo, Model, Model> decorate) {
        List<RegisteredModel> wrapped = models().stream()
                .map(m -> new RegisteredModel(m.info(), m.service(), m.encoder(), decorate.apply(m.info(), m.model()))).toList();
        return new ModelRegistry(folder, wrapped, experiments, version);
    }

    /** Every experiment, in file order. */
    public List<Experiment> experiments() {
        return experiments;
    }

    /** The experiment splitting {@code model}'s requests, if any. */
    public Optional<Experiment> experimentOf(String model) {
        return experiments.stream().filter(x -> x.model().equals(model)).findFirst();
    }

    public boolean isEmpty() {
        return byName.isEmpty();
    }

    @Override
    public String toString() {
        return "ModelRegistry" + models() + " in " + folder;
    }
}
