package dev.tessera.generator;

/**
 * One kind of session the world plays: a customer shopping, a sign-up, or a fraud pattern. A
 * session schedules all its events at once, at or after its start time.
 */
interface Behaviour {
    /** The fraction of all events this behaviour should make, under {@code config}. */
    double share(GeneratorConfig config);

    /** Roughly how many events one session schedules (sets how often sessions start). */
    double meanEvents();

    void play(Simulation world, long start);
}
