package dev.tessera.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The problems found while loading a folder of definitions (or of models: the model registry uses it
 * too), in the order they were found.
 */
public final class Problems {
    private static final Comparator<Problem> BY_PLACE = Comparator
            .comparing((Problem p) -> p.location().file())
            .thenComparingInt(p -> p.location().line())
            .thenComparingInt(p -> p.location().column());

    private final List<Problem> found = new ArrayList<>();

    public void add(Location at, String message, String hint) {
        found.add(new Problem(at, message, hint));
    }

    /** A marker for {@link #addedSince(int)}: checks whether one definition added problems. */
    public int count() {
        return found.size();
    }

    public boolean addedSince(int mark) {
        return found.size() > mark;
    }

    public boolean isEmpty() {
        return found.isEmpty();
    }

    /** Every problem, by file, line and column (a stable sort keeps same-place problems in order). */
    public List<Problem> sorted() {
        List<Problem> copy = new ArrayList<>(found);
        copy.sort(BY_PLACE);
        return List.copyOf(copy);
    }
}
