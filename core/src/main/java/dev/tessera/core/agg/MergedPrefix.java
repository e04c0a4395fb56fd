package dev.tessera.core.agg;

/**
 * The generic {@link WindowPrefix}: the fold of the appended IRs, and on each read a fresh merge
 * target that receives the fold and then the last IR. Merging a fold into an empty target copies
 * it, so this is the same sequence of merges as the full fold.
 *
 * <p>While only one IR was appended the fold is that IR itself (borrowed, never changed); a merge
 * target is made when a second one arrives, as the full merge does.
 */
class MergedPrefix implements WindowPrefix {
    final Aggregator aggregator;
    /** The only IR appended so far (borrowed), or null. */
    private Ir single;
    /** The fold, once two or more IRs were appended (owned), or null. */
    private Ir merged;

    MergedPrefix(Aggregator aggregator) {
        this.aggregator = aggregator;
    }

    @Override
    public void append(Ir ir) {
        if (ir == null) {
            return;
        }
        if (merged == null && single == null) {
            single = ir;
        } else {
            if (merged == null) {
                merged = aggregator.newMergeTarget();
                merged.merge(single);
                single = null;
            }
            merged.merge(ir);
        }
        changed();
    }

    /** Called after every append that changed the fold: subclasses drop what they derived from it. */
    void changed() {
    }

    /** The fold (null when nothing was appended). */
    final Ir fold() {
        return merged != null ? merged : single;
    }

    /** The fold as a merge target owned here, made from the borrowed IR first if needed; null when nothing was appended. */
    final Ir ownedFold() {
        if (merged == null && single != null) {
            merged = aggregator.newMergeTarget();
            merged.merge(single);
            single = null;
        }
        return merged;
    }

    @Override
    public Object resultWith(Ir last) {
        return mergedResult(last);
    }

    /** The generic read: what the contract defines, computed by merging into a fresh target. */
    final Object mergedResult(Ir last) {
        Ir fold = fold();
        if (fold == null) {
            return last == null ? aggregator.emptyResult() : last.result();
        }
        if (last == null) {
            return fold.result();
        }
        Ir target = aggregator.newMergeTarget();
        target.merge(fold);
        target.merge(last);
        return target.result();
    }
}
