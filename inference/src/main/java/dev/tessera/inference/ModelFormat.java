package dev.tessera.inference;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The artifact formats the registry scores, by the name written in a registry file's {@code format:}. */
public enum ModelFormat {
    /** Tessera's linear JSON (module README) with the logistic link: a probability. */
    LOGISTIC,
    /** Tessera's linear JSON, no link: the linear predictor itself. */
    LINEAR,
    /** XGBoost's JSON model format ({@code Booster.saveModel("model.json")}): gbtree or gblinear. */
    XGBOOST;

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ModelFormat> fromYaml(String name) {
        return Arrays.stream(values()).filter(f -> f.yamlName().equals(name)).findFirst();
    }

    public static List<String> yamlNames() {
        return Arrays.stream(values()).map(ModelFormat::yamlName).toList();
    }
}
