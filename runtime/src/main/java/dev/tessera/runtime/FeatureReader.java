package dev.tessera.runtime;

import java.util.List;

/**
 * Reads finished feature values as of now; what the serving layer calls. Implementations are
 * thread-safe and never block on the stream.
 */
public interface FeatureReader {
    /** Group names, in declaration order. */
    List<String> groups();

    /** Served names of {@code group}, in declaration order; throws for an unknown group. */
    List<String> servedNames(String group);

    /** The key fields of the entity {@code group} is keyed by, in order. */
    List<String> entityKeyFields(String group);

    /**
     * Every served feature of {@code group} for the entity with {@code entityKey} (values of the key
     * fields, in order). Values are exact for the returned {@code asOf}: {@code now}, or just after
     * the entity's newest applied event when that lies ahead of {@code now} (events up to the clock
     * skew may come from the future).
     */
    FeatureValues read(String group, List<String> entityKey, long now);

    /**
     * Event time of the newest event applied from {@code group}'s source (epoch millis), or
     * {@link Long#MIN_VALUE} before the first one: freshness is {@code now} minus this.
     */
    long newestEventTime(String group);

    /** The source {@code group} reads from. */
    String sourceOf(String group);
}
