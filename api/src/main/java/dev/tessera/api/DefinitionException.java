package dev.tessera.api;

import java.util.List;
import java.util.stream.Collectors;

/** The definitions are invalid; {@link #problems()} lists every problem found, not just the first. */
public class DefinitionException extends TesseraException {
    private final List<Problem> problems;

    public DefinitionException(List<Problem> problems) {
        super(problems.size() + " problem(s) in the definitions:\n"
                + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
