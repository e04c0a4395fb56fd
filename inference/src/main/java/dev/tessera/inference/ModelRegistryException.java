package dev.tessera.inference;

import dev.tessera.api.Problem;
import dev.tessera.api.TesseraException;
import java.util.List;
import java.util.stream.Collectors;

/** The model registry is invalid; {@link #problems()} lists every problem found, not just the first. */
public class ModelRegistryException extends TesseraException {
    private final List<Problem> problems;

    public ModelRegistryException(List<Problem> problems) {
        super(problems.size() + " problem(s) in the model registry:\n"
                + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
