package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteWriter;

/**
 * A mutable partial aggregate ("intermediate representation", IR) of one aggregation over some set
 * of events. IRs are what tiles hold and what every engine passes around; finished values are only
 * produced by {@link #result()} at read time (Chronon's IR design).
 *
 * <p>Laws every implementation keeps (checked by the property tests):
 * <ul>
 *   <li>merge is associative and commutative: for any split of a set of events into parts, merging
 *       the parts' IRs in any order gives the same {@link #result()} as adding every event to one
 *       IR (exactly for exact aggregations; within the stated bound for sketches and double sums);</li>
 *   <li>{@code decode(encode(ir))} has the same result and merges the same as {@code ir};</li>
 *   <li>an IR nobody added to returns the aggregation's empty value (SPEC §2 table).</li>
 * </ul>
 */
public interface Ir {
    /**
     * Adds one event's value. The caller has already applied the filter and dropped events whose
     * value is null or a non-finite double; for {@code count} without {@code of} the value is
     * {@link Boolean#TRUE}. {@code eventId} may be null when the source has no id field.
     */
    void add(Object value, long eventTime, String eventId);

    /** Merges {@code other} (an IR of the same aggregator) into this one; {@code other} is unchanged. */
    void merge(Ir other);

    /** The finished value (SPEC §2), or the aggregation's empty value when nothing was added. */
    Object result();

    /** True when nothing was added or merged in. */
    boolean isEmpty();

    /** An independent deep copy. */
    Ir copy();

    /** Writes this IR's encoding (version byte first) in the layout its class documents. */
    void encode(ByteWriter out);
}
