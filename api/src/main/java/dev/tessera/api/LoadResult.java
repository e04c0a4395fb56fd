package dev.tessera.api;

import java.util.List;

/**
 * The outcome of loading a definitions folder: either valid definitions and no problems, or every
 * problem found and no definitions (nothing half-valid is returned).
 *
 * @param definitions the definitions, or null when there are problems
 * @param problems    every problem, by file, line and column; empty when the definitions are valid
 */
public record LoadResult(Definitions definitions, List<Problem> problems) {
    public LoadResult {
        problems = List.copyOf(problems);
        if ((definitions == null) == problems.isEmpty()) {
            throw new IllegalArgumentException("a load result has definitions or problems, not both or neither");
        }
    }

    public boolean ok() {
        return problems.isEmpty();
    }

    /** The definitions; throws {@link DefinitionException} listing every problem when there are any. */
    public Definitions orThrow() {
        if (!ok()) {
            throw new DefinitionException(problems);
        }
        return definitions;
    }
}
