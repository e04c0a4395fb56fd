package dev.tessera.core.agg;

/** The one check every {@link Ir#merge} starts with: both IRs come from the same kind of aggregator. */
final class MergeCheck {
    private MergeCheck() {
    }

    static <T extends Ir> T sameKind(Ir self, Ir other, Class<T> type) {
        if (!type.isInstance(other)) {
            throw new IllegalArgumentException("cannot merge " + describe(other) + " into " + describe(self)
                    + ": IRs of different aggregations");
        }
        return type.cast(other);
    }

    static IllegalArgumentException mismatch(Ir self, Ir other) {
        return new IllegalArgumentException("cannot merge " + describe(other) + " into " + describe(self)
                + ": IRs of different aggregations");
    }

    private static String describe(Ir ir) {
        return ir == null ? "null" : ir.getClass().getSimpleName();
    }
}
