package dev.tessera.inference;

import dev.tessera.api.Location;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a registry file says about one model version (module README, "Registry files").
 *
 * @param artifact    the model file, as written: relative to the registry file's folder
 * @param threshold   the score from which the model's owner calls a case positive, or null
 * @param categories  for string features: value → the number the model was trained with (ADR 022)
 * @param training    how the model was made (training set, label, rows, metrics...), as written; informational
 * @param location    the registry file (relative to the registry folder) and where its mapping starts
 */
public record ModelInfo(String name, int version, ModelFormat format, String service, String artifact, String owner,
                        String description, Double threshold, Map<String, Map<String, Double>> categories,
                        Map<String, String> training, Location location) {
    public ModelInfo {
        Map<String, Map<String, Double>> c = new LinkedHashMap<>();
        categories.forEach((k, v) -> c.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        categories = Collections.unmodifiableMap(c);
        training = Collections.unmodifiableMap(new LinkedHashMap<>(training));
    }

    /** {@code name v<version>}, as messages say it. */
    public String label() {
        return name + " v" + version;
    }
}
