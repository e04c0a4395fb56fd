package dev.tessera.api;

/** One thing wrong with the definitions: where, what, and how to fix it. */
public record Problem(Location location, String message, String hint) {
    @Override
    public String toString() {
        return location + ": " + message + (hint == null || hint.isEmpty() ? "" : " (hint: " + hint + ")");
    }
}
