package dev.tessera.core.agg;

import dev.tessera.api.Aggregation;
import dev.tessera.core.codec.ByteReader;

/**
 * An aggregation with its parameters fixed (k, p): creates, decodes and describes its IRs.
 * Immutable and thread-safe; IRs are not.
 */
public interface Aggregator {
    Aggregation kind();

    /** A new, empty IR. */
    Ir newIr();

    /**
     * A new, empty IR to merge a window's tiles into for a read: never stored, so it may hold more
     * exactly than a stored IR does (top_k keeps up to 192 distinct values exactly, where its sketch
     * would still be exact, instead of building the sketch). Same results as {@link #newIr()}.
     */
    default Ir newMergeTarget() {
        return newIr();
    }

    /**
     * A new, empty {@link WindowPrefix}: a window's older tiles merged once and read many times with
     * its newest tile, giving exactly the answer of the full merge ({@link WindowPrefix}'s contract).
     */
    default WindowPrefix newWindowPrefix() {
        return new MergedPrefix(this);
    }

    /** Reads an IR written by {@link Ir#encode}; rejects unknown version bytes with a clear error. */
    Ir decode(ByteReader in);

    /** The value of an empty window (SPEC §2 table): 0, null or an empty list. */
    Object emptyResult();
}
