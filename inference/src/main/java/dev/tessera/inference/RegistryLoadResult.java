package dev.tessera.inference;

import dev.tessera.api.Problem;
import java.util.List;

/**
 * The outcome of loading a registry folder: the registry and no problems, or every problem and no
 * registry (nothing half-valid is returned).
 */
public record RegistryLoadResult(ModelRegistry registry, List<Problem> problems) {
    public RegistryLoadResult {
        problems = List.copyOf(problems);
        if ((registry == null) == problems.isEmpty()) {
            throw new IllegalArgumentException("a load result has a registry or problems, not both or neither");
        }
    }

    public boolean ok() {
        return problems.isEmpty();
    }

    /** The registry; throws {@link ModelRegistryException} listing every problem when there are any. */
    public ModelRegistry orThrow() {
        if (!ok()) {
            throw new ModelRegistryException(problems);
        }
        return registry;
    }
}
