package dev.tessera.offline.archive;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Making files survive a crash: a file's bytes are forced to disk before it is renamed into place,
 * and a rename is durable once its folder is forced (POSIX: a rename is atomic, but it is the
 * folder's entry that records it).
 */
final class Durable {
    private Durable() {
    }

    /** Threads that wait for the disk (fsync), shared, gone when idle. */
    private static final ExecutorService FORCING;

    static {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(8, 8, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "tessera-archive-fsync");
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        FORCING = pool;
    }

    static void force(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Forces a folder's entries (renames, creations) to disk; a no-op where folders cannot be opened (Windows). */
    static void forceDir(Path dir) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException | UnsupportedOperationException e) {
            return;
        }
        try (ch) {
            ch.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").toLowerCase().contains("win")) {
                throw e;
            }
        }
    }

    /**
     * Forces every file (or, with {@code folders}, every folder's entries) to disk, several at a time:
     * a disk takes concurrent flushes in about the time of one, and a commit may have hundreds of
     * files (one per event hour). Returns once all are durable; throws the first failure.
     */
    static void forceAll(Collection<Path> paths, boolean folders) throws IOException {
        if (paths.size() <= 1) {
            for (Path p : paths) {
                if (folders) {
                    forceDir(p);
                } else {
                    force(p);
                }
            }
            return;
        }
        List<Future<?>> pending = new ArrayList<>();
        for (Path p : paths) {
            pending.add(FORCING.submit(() -> {
                if (folders) {
                    forceDir(p);
                } else {
                    force(p);
                }
                return null;
            }));
        }
        IOException failure = null;
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while forcing archive files to disk");
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Atomically replaces {@code from}'s name by {@code to} (same folder); durable once the folder is forced. */
    static void rename(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Creates {@code dir} and any missing parents, forcing each parent whose entries changed. */
    static void createDirectories(Path dir) throws IOException {
        List<Path> changed = new ArrayList<>();
        createDirectories(dir, changed);
        for (Path p : changed) {
            forceDir(p);
        }
    }

    /**
     * Creates {@code dir} and any missing parents, adding each parent whose entries changed to
     * {@code toForce} rather than forcing it: for a writer that forces them all at once before its commit.
     */
    static void createDirectories(Path dir, Collection<Path> toForce) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            createDirectories(parent, toForce);
        }
        try {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return;
        }
        if (parent != null) {
            toForce.add(parent);
        }
    }
}
