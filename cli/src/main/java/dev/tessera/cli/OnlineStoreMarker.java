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
 * Which online store {@code tessera run} last kept for a {@code --data} folder: RocksDB in
 * {@code <data>/store}, or a Redis ({@code --redis}), so that {@code tessera backfill} on the same
 * folder writes where the runtime reads instead of into an unused RocksDB store. The Redis address
 * is kept without its password ({@link #redacted}). While a runtime keeps its store in Redis it holds
 * {@value #LOCK}, which a backfill into Redis takes too: the two never write at once.
 */
final class OnlineStoreMarker {
    static final String FILE = "online-store.properties";
    static final String LOCK = "online-store.lock";

    private OnlineStoreMarker() {
    }

    /** The store of the last run: {@code kind} "rocksdb" or "redis"; for Redis its address (redacted) and key prefix. */
    record Store(String kind, String uri, String namespace) {
        boolean redis() {
            return kind.equals("redis");
        }
    }

    /** Records the store a runtime on {@code data} opened ({@code redisUri} null: RocksDB in {@code data/store}). */
    static void write(Path data, String redisUri, String namespace) throws IOException {
        Properties p = new Properties();
        p.setProperty("kind", redisUri == null ? "rocksdb" : "redis");
        if (redisUri != null) {
            p.setProperty("uri", redacted(redisUri));
            p.setProperty("namespace", namespace);
        }
        Path tmp = data.resolve(FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "the online store tessera run last used on this --data (read by tessera backfill)");
        }
        Files.move(tmp, data.resolve(FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The store of the last run on {@code data}, if one recorded it. */
    static Optional<Store> read(Path data) {
        Path f = data.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        String kind = p.getProperty("kind");
        return kind == null ? Optional.empty() : Optional.of(new Store(kind, p.getProperty("uri"), p.getProperty("namespace")));
    }

    /** Holds {@code data}'s Redis-store lock for {@code holder}; null when another process holds it. */
    static ProcessLock tryLock(Path data, String holder) throws IOException {
        Files.createDirectories(data);
        return ProcessLock.tryAcquire(data.resolve(LOCK), holder);
    }

    static String holder(Path data) {
        return ProcessLock.holder(data.resolve(LOCK));
    }

    /** A Redis address without its password: {@code redis://:secret@host:6379} → {@code redis://***@host:6379}. */
    static String redacted(String uri) {
        int scheme = uri.indexOf("://");
        int at = uri.lastIndexOf('@');
        if (scheme < 0 || at < scheme) {
            return uri;
        }
        return uri.substring(0, scheme + 3) + "***" + uri.substring(at);
    }
}
