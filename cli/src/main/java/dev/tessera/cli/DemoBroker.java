package dev.tessera.cli;

import dev.tessera.core.io.ProcessLock;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * Where a running {@code tessera demo} can be reached: its in-process broker's address and the
 * definitions it runs, in {@code <data>/demo/broker.properties}, so commands run next to it
 * ({@code tessera tail}) need no {@code --bootstrap-servers}. Trusted only while the demo holds
 * {@code <data>/demo.lock}: a stopped demo's broker is gone.
 */
record DemoBroker(String bootstrapServers, Path features) {
    static final String FILE = "broker.properties";

    /** Records the demo's broker in {@code <data>/demo}. */
    static void record(Path data, String bootstrapServers, Path features) throws IOException {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", bootstrapServers);
        p.setProperty("features", features.toAbsolutePath().normalize().toString());
        Path dir = data.resolve("demo");
        Files.createDirectories(dir);
        try (Writer w = Files.newBufferedWriter(dir.resolve(FILE), StandardCharsets.UTF_8)) {
            p.store(w, "written by tessera demo; valid while it runs (it holds " + data.resolve("demo.lock") + ")");
        }
    }

    /** The broker of a demo running with {@code --data data}, if one is. */
    static Optional<DemoBroker> running(Path data) {
        Path file = data.resolve("demo").resolve(FILE);
        if (!ProcessLock.isHeld(data.resolve("demo.lock")) || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            return Optional.empty();
        }
        String servers = p.getProperty("bootstrap.servers");
        String features = p.getProperty("features");
        return servers == null || features == null ? Optional.empty() : Optional.of(new DemoBroker(servers, Path.of(features)));
    }
}
