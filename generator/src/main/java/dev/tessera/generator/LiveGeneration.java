package dev.tessera.generator;

import java.util.Map;

/** A running {@link LiveGenerator}: counters and keys while it runs; {@link #close()} stops it. */
public interface LiveGeneration extends AutoCloseable {
    /** What has been delivered so far. */
    GenerationStats stats();

    /** Faults to inject while it runs: stall a source, make records break quality rules. */
    Faults faults();

    /** Keys of the most active accounts and their main card, device and IP (see {@link CommerceWorld#activeKeys}). */
    ActiveKeys activeKeys(int n);

    /** The latest delivered event of each fraud pattern seen so far, with its entity keys. */
    Map<FraudPattern, FraudSighting> latestFraud();

    /** How far behind the wall clock the latest delivered record was due, in ms (0 when keeping up). */
    long lagMillis();

    /** False once closed, once a bounded run has delivered everything, or after a failure. */
    boolean running();

    /** Why the generator stopped on its own (the sink failed), or null. */
    Throwable failure();

    /** Stops generating, waits for the generator thread, and flushes and closes the sink. Idempotent. */
    @Override
    void close();
}
