package dev.tessera.cli;

/**
 * The schema registry a node uses: an external one at {@code url}, or (url null) the embedded one,
 * served on {@code port} (0: a free port) when some source reads the Confluent wire format.
 */
record RegistrySettings(String url, int port) {
    /** The embedded registry on a free port: for tests and tools that start nodes side by side. */
    static final RegistrySettings EMBEDDED_ANY_PORT = new RegistrySettings(null, 0);
}
