package dev.tessera.runtime;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting for a condition in the failure tests: a safety stop after 60 s, never a timed assertion. */
final class Eventually {
    private static final Duration GIVE_UP = Duration.ofSeconds(60);

    private Eventually() {}

    /** Returns once {@code condition} holds; throws, naming {@code what}, if it still does not after 60 s. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + GIVE_UP.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting for " + what + " after " + GIVE_UP.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }
}
