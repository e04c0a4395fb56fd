package dev.tessera.inference;

import dev.tessera.api.Location;
import dev.tessera.api.Problem;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The problems found while loading one registry folder, as the definitions loader collects its own. */
final class RegistryProblems {
    private static final Comparator<Problem> BY_PLACE = Comparator
            .comparing((Problem p) -> p.location().file())
            .thenComparingInt(p -> p.location().line())
            .thenComparingInt(p -> p.location().column());

    private final List<Problem> found = new ArrayList<>();

    void add(Location at, String message, String hint) {
        found.add(new Problem(at, message, hint));
    }

    int count() {
        return found.size();
    }

    boolean addedSince(int mark) {
        return found.size() > mark;
    }

    boolean isEmpty() {
        return found.isEmpty();
    }

    /** Every problem, by file, line and column (stable: same-place problems keep their order). */
    List<Problem> sorted() {
        List<Problem> copy = new ArrayList<>(found);
        copy.sort(BY_PLACE);
        return List.copyOf(copy);
    }
}
